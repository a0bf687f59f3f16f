from __future__ import annotations

from dataclasses import dataclass, field

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
