"""HTTP errors with a Danish message a person can act on (rendered as JSON by the API)."""
from __future__ import annotations

from typing import NoReturn

from werkzeug.exceptions import default_exceptions


def fail(status: int, message: str, errors: list[dict] | None = None) -> NoReturn:
    exc = default_exceptions[status](message)
    exc.danish = True
    exc.errors = errors or []
    raise exc
