"""The audit log: every read, download, upload, change and refused access of case data.

`record` adds the event to the request's transaction, so a change and its audit entry are
stored together or not at all; `record_now` commits it at once (reads and refusals, which
happen before anything is changed). The table is append-only in the database.
"""
from __future__ import annotations

from flask import g, has_request_context, request
from .storage import db
from .storage.models import AuditEvent


def _event(action, resource, resource_id=None, case_id=None, outcome="ok", detail=None):
    user = g.get("user") if has_request_context() else None
    address = request.remote_addr if has_request_context() else None
    return AuditEvent(user_id=user.id if user else None, username=user.username if user else None,
                      action=action, resource=resource,
                      resource_id=None if resource_id is None else str(resource_id),
                      case_id=case_id, outcome=outcome, address=address, detail=detail)


def record(action, resource, resource_id=None, case_id=None, outcome="ok", detail=None):
    db.session().add(_event(action, resource, resource_id, case_id, outcome, detail))


def record_now(action, resource, resource_id=None, case_id=None, outcome="ok", detail=None):
    session = db.session()
    session.add(_event(action, resource, resource_id, case_id, outcome, detail))
    session.commit()
