"""Test helpers over the service layer: the forms with the default profile (as the old
records module offered them), the request's database session, and use cases run as a
given user."""
from __future__ import annotations

from formservice.config import Profile
from formservice.request_context import uow
from formservice.services import forms, records as record_service, uploads
from formservice.services.errors import Invalid
from formservice.services.unit_of_work import Actor
from formservice.storage.models import User

PROFILE = Profile()


def render(form_id, data, fmt="docx", *, municipality=None, **kwargs):
    """(document, checked); (b"", checked with the shape findings) for data of a wrong shape."""
    profile = Profile(name=municipality) if municipality else PROFILE
    try:
        return forms.render(profile, form_id, data, fmt, **kwargs)
    except Invalid:
        return b"", forms.validate(PROFILE, form_id, data)


def render_blank(form_id, fmt="docx"):
    return forms.render_blank(PROFILE, form_id, fmt)


def validate(form_id, data, **kwargs):
    return forms.validate(PROFILE, form_id, data, **kwargs)


def parse(content, **kwargs):
    """(record, findings) of a document."""
    parsed = forms.parse(PROFILE, content, **kwargs)
    return parsed.record, parsed.findings


__all__ = ["uow"]


def session():
    """The current request's database session (inside app.test_request_context())."""
    return uow().session


def actor(user_id: int) -> Actor:
    return Actor(session().get(User, user_id), "127.0.0.1", "TEST", "/test")


def store_record(user_id: int, case_id: int, form_id: str, data, **kwargs):
    return record_service.store_record(uow(), actor(user_id), PROFILE, case_id, form_id, data,
                                       **kwargs)


def upload(user_id: int, case_id: int, filename: str, content: bytes):
    return uploads.store_upload(uow(), actor(user_id), PROFILE, case_id, filename, content)
