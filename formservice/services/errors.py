"""What a use case answers when it cannot do what was asked: a Danish message a person
can act on, the fields concerned ([{"path", "message"}]) and the HTTP status an entry
point gives it (the command line exits 2)."""
from __future__ import annotations


class ServiceError(Exception):
    status = 422

    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = list(errors or [])


class Invalid(ServiceError):
    """Input that cannot be used (422)."""
    status = 422


class NotFound(ServiceError):
    """Missing, or not the caller's to see: the same answer for both (404)."""
    status = 404


class Forbidden(ServiceError):
    status = 403


class Unauthorized(ServiceError):
    status = 401


class Conflict(ServiceError):
    """Not possible in the current state, e.g. a batch not finished yet (409)."""
    status = 409


class TooMany(ServiceError):
    status = 429


class TooLarge(ServiceError):
    status = 413


class Unavailable(ServiceError):
    """Busy for now, not the caller's fault: try again (503)."""
    status = 503
