"""A filled form sent back: read it (nothing stored), then store it on the case with its
original file. The same file uploaded twice to a case is stored once."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from ..config import Profile
from ..documents.errors import DocumentError
from ..storage import queries
from ..storage.models import Document, Record
from . import forms
from .access import case_for, user_of
from .records import Stored, _store, case_findings, lock_case
from .unit_of_work import Actor, UnitOfWork

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
READING_CODES = ("word.", "pdf.")


def parse_document(uow: UnitOfWork, actor: Actor, profile: Profile, content: bytes, *,
                   today: dt.date | None = None) -> forms.Parsed:
    """Read a filled form without a case: the record and its findings (nothing stored)."""
    user_of(actor)
    return forms.parse(profile, content, today=today)


@dataclass
class Preview:
    parsed: forms.Parsed
    findings: list[dict]          # the reading's, the form's and (when it fits) the case's
    duplicate: Record | None      # the record made from this very file before


def refuse_upload(uow: UnitOfWork, actor: Actor, case_id: int, content: bytes, filename: str,
                  *, step: str | None = None) -> None:
    """Audit a file refused before it was read (e.g. a macro-enabled document)."""
    _refused(uow, actor, case_id, content, filename, step)


def _refused(uow, actor, case_id, content: bytes, filename: str, step: str | None = None):
    detail = {"sha256": hashlib.sha256(content).hexdigest(), "filename": filename[:255]}
    if step:
        detail["step"] = step
    uow.audit_refusal(actor, "upload", "document", None, case_id, outcome="refused", detail=detail)


def read_upload(uow: UnitOfWork, actor: Actor, profile: Profile, case_id: int, filename: str,
                content: bytes, *, step: str = "read", today: dt.date | None = None) -> Preview:
    """Step 1 of an upload: what the file holds, field by field, with every finding."""
    with uow:
        case = case_for(uow, actor, case_id)
        digest = hashlib.sha256(content).hexdigest()
        try:
            parsed = forms.parse(profile, content, today=today)
        except DocumentError:
            _refused(uow, actor, case.id, content, filename, step)
            raise
        found = [f.as_dict() for f in parsed.findings]
        found += [f.as_dict() for f in case_findings(
            uow, profile, case, parsed.record["form"],
            parsed.record["data"] if parsed.fits else parsed.fitting)]
        document = queries.uploaded_document(uow.session, case.id, digest)
        duplicate = queries.record_of_document(uow.session, document.id) if document else None
        if step == "read":
            uow.audit(actor, "read", "upload", None, case.id,
                      detail={"sha256": digest, "form": parsed.record["form"], "step": "read"})
            uow.commit()
        return Preview(parsed, found, duplicate)


def store_upload(uow: UnitOfWork, actor: Actor, profile: Profile, case_id: int, filename: str,
                 content: bytes, *, today: dt.date | None = None) -> Stored:
    """Step 2: read the file again and store it with its record on the case. A document
    already uploaded to this case returns the record made from it the first time."""
    with uow:
        case = case_for(uow, actor, case_id)
        digest = hashlib.sha256(content).hexdigest()
        existing = _existing(uow, case.id, digest)
        if existing is not None:
            return _duplicate(uow, actor, case.id, existing, digest)
        try:
            parsed = forms.parse(profile, content, today=today)
        except DocumentError:
            _refused(uow, actor, case.id, content, filename)
            raise
        lock_case(uow, case)
        existing = _existing(uow, case.id, digest)  # stored by another request while we read it
        if existing is not None:
            return _duplicate(uow, actor, case.id, existing, digest)
        document = Document(case_id=case.id, direction="uploaded",
                            filename=filename[:255] or "upload",
                            content_type=PDF_TYPE if content.startswith(b"%PDF-") else DOCX_TYPE,
                            sha256=digest, size=len(content), content=content,
                            form_id=parsed.record["form"], created_by=actor.user_id)
        uow.session.add(document)
        try:
            uow.session.flush()
        except IntegrityError:  # the same file, uploaded at this moment by another request
            uow.rollback()
            existing = _existing(uow, case.id, digest)
            return _duplicate(uow, actor, case.id, existing, digest)
        reading = [f for f in parsed.findings if f.code.startswith(READING_CODES)]
        stored = _store(uow, actor, profile, case, parsed.record["form"], parsed.record["data"],
                        document=document, extra_findings=reading, today=today, as_read=parsed)
        uow.audit(actor, "upload", "document", document.id, case.id,
                  detail={"sha256": digest, "record": stored.record.id})
        uow.commit()
        return stored


def _existing(uow, case_id, digest) -> Record | None:
    document = queries.uploaded_document(uow.session, case_id, digest)
    return queries.record_of_document(uow.session, document.id) if document else None


def _duplicate(uow, actor, case_id, existing: Record, digest) -> Stored:
    uow.audit(actor, "upload", "document", existing.document_id, case_id,
              detail={"duplicate": True, "sha256": digest})
    uow.commit()
    return Stored(existing, existing.findings, duplicate=True)
