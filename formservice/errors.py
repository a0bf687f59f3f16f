"""HTTP errors with a Danish message a person can act on (rendered as JSON by the API), and
the URL converter that keeps ids in paths within what a database can hold."""
from __future__ import annotations

from typing import NoReturn

from werkzeug.exceptions import default_exceptions
from werkzeug.routing import BaseConverter, ValidationError

from .services.access import MAX_ID


def fail(status: int, message: str, errors: list[dict] | None = None) -> NoReturn:
    exc = default_exceptions[status](message)
    exc.danish = True
    exc.errors = errors or []
    raise exc


class IdConverter(BaseConverter):
    """<id:name> in a route: a database id, 1 … 2^31-1. Any other number (0, 2^31, 2^63, a
    thousand digits) matches no route, so it is a 404 like any id that does not exist, and
    never reaches the database (PostgreSQL's integer overflows at 2^31, SQLite's at 2^63)."""
    regex = r"\d{1,10}"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))
