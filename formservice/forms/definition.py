from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from marshmallow import Schema


@dataclass(frozen=True)
class FormDefinition:
    """One official form: its id, version, Danish title and the schema of its data."""

    id: str
    version: int
    title: str
    schema: type[Schema]
    intro: str = ""
    # Pages of plain Danish guidance printed after the form (the consent form's rules).
    guidance: tuple = field(default=())

    def new_schema(self) -> Schema:
        return self.schema()

    @property
    def shared_schema(self) -> Schema:
        """One schema instance per form, reused for every load and dump: building one
        (nested schemas and all) costs more than loading a record with it."""
        return _shared_schema(self.schema)


@lru_cache(maxsize=None)
def _shared_schema(schema_class: type[Schema]) -> Schema:
    return schema_class()
