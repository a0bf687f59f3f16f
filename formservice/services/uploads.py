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
from . import forms, scans
from .access import case_for, user_of
from .records import Stored, _store, case_findings, lock_case
from .unit_of_work import Actor, UnitOfWork

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
READING_CODES = ("word.", "pdf.", "scan.")


def parse_document(uow: UnitOfWork, actor: Actor, profile: Profile, content: bytes, *,
                   today: dt.date | None = None) -> forms.Parsed | scans.ScanParsed:
    """Read a filled form — a Word or PDF file, or a scan or photo of a printed one —
    without a case: the record and its findings (nothing stored)."""
    user_of(actor)
    parsed, scan = _parse(uow, actor, profile, None, content, None, today)
    return scan or parsed


def _parse(uow, actor, profile, case, content, corrections, today):
    """A file as read (for an upload to `case`): (the parsed record, the scan's reading or
    None). Only a scan has fields a person corrects by looking at them."""
    return scans.parse_any(profile, content, lambda: scans.read_scan(
        uow, actor, profile, content, case_id=case.id if case else None,
        corrections=corrections, today=today), today=today)


@dataclass
class Preview:
    parsed: forms.Parsed
    findings: list[dict]          # the reading's, the form's and (when it fits) the case's
    duplicate: Record | None      # the record made from this very file before
    scan: scans.ScanParsed | None = None  # a scan's pictures of what a person must look at


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
                content: bytes, *, step: str = "read", corrections: dict | None = None,
                today: dt.date | None = None) -> Preview:
    """Step 1 of an upload: what the file holds, field by field, with every finding."""
    with uow:
        case = case_for(uow, actor, case_id)
        digest = hashlib.sha256(content).hexdigest()
        try:
            parsed, scan = _parse(uow, actor, profile, case, content, corrections, today)
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
        return Preview(parsed, found, duplicate, scan)


def store_upload(uow: UnitOfWork, actor: Actor, profile: Profile, case_id: int, filename: str,
                 content: bytes, *, corrections: dict | None = None,
                 today: dt.date | None = None) -> Stored:
    """Step 2: read the file again and store it with its record on the case. A document
    already uploaded to this case returns the record made from it the first time. A scan
    is stored as the original (with the signatures cut out of it), and what a person typed
    for its handwritten fields (`corrections`) goes into the record."""
    with uow:
        case = case_for(uow, actor, case_id)
        digest = hashlib.sha256(content).hexdigest()
        existing = _existing(uow, case.id, digest)
        if existing is not None:
            return _duplicate(uow, actor, case.id, existing, digest)
        try:
            parsed, scan = _parse(uow, actor, profile, case, content, corrections, today)
        except DocumentError:
            _refused(uow, actor, case.id, content, filename)
            raise
        lock_case(uow, case)
        existing = _existing(uow, case.id, digest)  # stored by another request while we read it
        if existing is not None:
            return _duplicate(uow, actor, case.id, existing, digest)
        document = Document(case_id=case.id, direction="uploaded" if scan is None else "scanned",
                            filename=filename[:255] or "upload",
                            content_type=_content_type(content, scan),
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
        detail = {"sha256": digest, "record": stored.record.id}
        if scan is not None:
            detail.update(scan=True, corrected=sorted(corrections or {}),
                          signatures=_keep_signatures(uow, actor, case, document, scan))
        uow.audit(actor, "upload", "document", document.id, case.id, detail=detail)
        uow.commit()
        return stored


def _content_type(content: bytes, scan) -> str:
    if scan is not None:
        return scan.content_type
    return PDF_TYPE if content.startswith(b"%PDF-") else DOCX_TYPE


def _keep_signatures(uow, actor, case, scan_document: Document, scan) -> int:
    """The signatures cut out of a scanned consent, kept beside the scan (PNG)."""
    kept = set()
    for path, png in scan.signatures.items():
        if not scan.signed.get(path):
            continue
        digest = hashlib.sha256(png).hexdigest()
        if digest in kept:
            continue
        kept.add(digest)
        number = int(path.rsplit(".", 1)[-1]) + 1 if path[-1:].isdigit() else len(kept)
        uow.session.add(Document(
            case_id=case.id, direction="signature", filename=f"Underskrift {number}.png",
            content_type="image/png", sha256=digest, size=len(png), content=png,
            form_id=scan_document.form_id, source_id=scan_document.id,
            created_by=actor.user_id))
    return len(kept)


def _existing(uow, case_id, digest) -> Record | None:
    document = queries.uploaded_document(uow.session, case_id, digest)
    return queries.record_of_document(uow.session, document.id) if document else None


def _duplicate(uow, actor, case_id, existing: Record, digest) -> Stored:
    uow.audit(actor, "upload", "document", existing.document_id, case_id,
              detail={"duplicate": True, "sha256": digest})
    uow.commit()
    return Stored(existing, existing.findings, duplicate=True)
