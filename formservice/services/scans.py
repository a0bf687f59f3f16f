"""Paper back in: a scan or a photo of forms the service printed, read against exactly what
it printed.

Every printed page carries a QR code with the form, its version, the page and — for a form
printed for a case — the token of the print (storage: PrintedDocument). The pages are
identified first; the tokens are looked up here (only a user with access to the case may
use one); then the pages are read in the bounded worker against the printed data. What a
person wrote by hand is never taken on trust: each such field is a `scan.needs_review`
finding, with the cut-out picture, until a person has typed what it says (`corrections`).
"""
from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from ..config import Profile
from ..documents import sandbox
from ..documents.errors import DocumentError
from ..documents.other_files import SCANNED_PDF
from ..documents.scan.images import kind_of
from ..forms import get_form
from ..forms import fields as kinds
from ..forms.layout import all_sections
from ..forms.record import load_data
from ..storage import queries
from ..storage.models import BatchItem, Case, PrintedDocument
from . import forms
from .access import MAX_ID, case_for
from .errors import Invalid, Unavailable
from .unit_of_work import SYSTEM, Actor, UnitOfWork

REVIEW_CODES = ("scan.needs_review", "scan.uncertain")
OTHER_CASE = ("Scanningen er af en formular, der er udskrevet til en anden sag. Upload den på "
              "den sag, den hører til.")
UNKNOWN_PRINT = ("Scanningen er af en formular, som tjenesten ikke kan finde (den er udskrevet "
                 "til en sag, du ikke har adgang til, eller sagen er slettet). Upload den på "
                 "den sag, den hører til, eller udfyld en ny formular.")
TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud if need be
TOKEN_LENGTH = 10
CACHED_READINGS = 8

__all__ = ["REVIEW_CODES", "ScanParsed", "is_picture", "new_print", "parse_any", "read_scan"]


def is_picture(content: bytes) -> bool:
    """A photo or a scanner's picture (PNG, JPEG, TIFF), by its first bytes."""
    return kind_of(content) in ("png", "jpeg", "tiff")


def is_scanned_pdf(refusal: DocumentError) -> bool:
    """The PDF reader's answer for a PDF of page pictures (it is read in the bounded
    worker; the service never opens an upload itself): then it is read as a scan."""
    return str(refusal) == SCANNED_PDF


def parse_any(profile: Profile, content: bytes, read_as_scan, *,
              today: dt.date | None = None) -> tuple[forms.Parsed, ScanParsed | None]:
    """A filled Word or PDF form as `forms.parse` reads it, or a photo or a PDF of scanned
    pages read by `read_as_scan()`: (the parsed record, the scan's reading or None)."""
    if not is_picture(content):
        try:
            return forms.parse(profile, content, today=today), None
        except DocumentError as refusal:
            if not is_scanned_pdf(refusal):
                raise
    scan = read_as_scan()
    return scan.parsed, scan


@dataclass
class ScanParsed:
    """A scan read back: the record and findings as for any upload, the cut-out pictures
    of what a person must look at (field path -> PNG), the signatures (item path -> PNG)
    and whether each signature box holds a signature."""
    parsed: forms.Parsed
    crops: dict[str, bytes] = field(default_factory=dict)
    signatures: dict[str, bytes] = field(default_factory=dict)
    signed: dict[str, bool] = field(default_factory=dict)
    pages: list[dict] = field(default_factory=list)
    content_type: str = "application/pdf"

    @property
    def review(self) -> list:
        """The findings a person answers by looking at the picture, in page order."""
        return [f for f in self.parsed.findings if f.code in REVIEW_CODES]

    def as_dict(self) -> dict:
        return {**self.parsed.as_dict(), "scan": {
            "pages": self.pages,
            "signed": self.signed,
            "crops": {path: base64.b64encode(png).decode() for path, png in self.crops.items()},
            "signatures": {path: base64.b64encode(png).decode()
                           for path, png in self.signatures.items()},
        }}


def new_print(uow: UnitOfWork, actor: Actor, case: Case, form_id: str, fmt: str,
              data: dict, token: str) -> PrintedDocument:
    """Remember what was printed for a case under `token` (made by `print_token`)."""
    printed = PrintedDocument(token=token, case_id=case.id, form_id=form_id,
                              form_version=get_form(form_id).version, fmt=fmt, data=data,
                              created_by=actor.user_id)
    uow.session.add(printed)
    return printed


def print_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


BATCH_TOKEN = "b-"  # a batch's document: its item, which keeps what was printed


def batch_token(item_id: int) -> str:
    """The token of a PDF a batch made for a case (a print token never holds a "-")."""
    return f"{BATCH_TOKEN}{item_id}"


def _printed_row(session, token: str):
    """(case id, canonical data printed) under `token`, or None."""
    if token.startswith(BATCH_TOKEN):
        number = token[len(BATCH_TOKEN):]
        item = session.get(BatchItem, int(number)) if number.isdigit() and \
            0 < int(number) <= MAX_ID else None
        if item is None or item.case_id is None:
            return None
        return item.case_id, load_data(item.form_id, item.data)[0]
    found = queries.printed_document(session, token)
    return (found.case_id, found.data) if found is not None else None


def content_type(content: bytes) -> str:
    return {"png": "image/png", "jpeg": "image/jpeg",
            "tiff": "image/tiff"}.get(kind_of(content), "application/pdf")


def read_scan(uow: UnitOfWork, actor: Actor, profile: Profile, content: bytes, *,
              case_id: int | None = None, corrections: dict[str, str] | None = None,
              today: dt.date | None = None) -> ScanParsed:
    """Read a scan (nothing stored). `case_id`: the case it is uploaded to — a page printed
    for another case is refused. `corrections`: what a person typed for fields they looked
    at (path -> text); those fields are theirs, no longer to review."""
    marks = _bounded(sandbox.identify_scan, content)
    tokens = sorted({mark.document_id for mark in marks if mark and mark.document_id})
    printed = {token: _printed(uow, actor, token, case_id) for token in tokens}
    reading = _reading(content, printed, profile.contact)
    review = {f.path for f in reading.findings if f.code in REVIEW_CODES}
    data = _corrected(reading.form_id, reading.record["data"], corrections or {}, review)
    confirmed = set(corrections or {})
    kept = [f for f in reading.findings
            if not (f.code in REVIEW_CODES and f.path in confirmed)]
    parsed = forms.read_back(profile, reading.form_id, data, kept, today=today)
    return ScanParsed(parsed, {p: png for p, png in reading.crops.items() if p not in confirmed},
                      dict(reading.signatures), dict(reading.signed), list(reading.pages),
                      content_type(content))


def _printed(uow: UnitOfWork, actor: Actor, token: str, case_id: int | None) -> dict:
    with uow:
        found = _printed_row(uow.session, token)
        if found is None or found[1] is None:
            raise DocumentError(UNKNOWN_PRINT)
        printed_for, data = found
        if actor is not SYSTEM:  # the command line on the server may read any print
            case_for(uow, actor, printed_for, resource="printed_document", resource_id=token,
                     message=UNKNOWN_PRINT)
        if case_id is not None and printed_for != case_id:
            raise DocumentError(OTHER_CASE)
        return data


# The upload pages read a scan up to three times (read, preview, store) and show its
# cut-outs: the worker's answer is kept for the same file and prints, in this process only.
_readings: OrderedDict = OrderedDict()
_readings_lock = threading.Lock()


def _reading(content: bytes, printed: dict, contact: str | None):
    key = (hashlib.sha256(content).hexdigest(), tuple(sorted(printed)), contact)
    with _readings_lock:
        if key in _readings:
            _readings.move_to_end(key)
            return _readings[key]
    reading = _bounded(sandbox.read_scan, content, printed, contact=contact)
    with _readings_lock:
        _readings[key] = reading
        while len(_readings) > CACHED_READINGS:
            _readings.popitem(last=False)
    return reading


YES, NO = ("ja", "j", "x", "yes"), ("nej", "n", "no")
NOT_TO_REVIEW = "Der er ikke noget at gennemse i feltet {path} i denne scanning."
NOT_YES_NO = "Svar ja eller nej i feltet {label}."


def _bounded(reader, *args, **kwargs):
    """A scan worker's answer; all workers busy is the service's state, not the file's."""
    try:
        return reader(*args, **kwargs)
    except DocumentError as refusal:
        if str(refusal) == sandbox.BUSY:
            raise Unavailable(sandbox.BUSY) from None
        raise


def _corrected(form_id: str, data: dict, corrections: dict[str, str], review: set) -> dict:
    """The record's data with what a person typed put at its paths ("custody_holders.0.
    signed_date"); only fields the reading asked a person to look at. A yes/no field takes
    "ja"/"nej"; other values are kept as typed, so the form's own reading (Danish dates and
    times) and its findings apply to them."""
    data = copy.deepcopy(data)
    for path, text in corrections.items():
        if path not in review or not isinstance(text, str):
            raise Invalid(NOT_TO_REVIEW.format(path=path),
                          [{"path": path, "message": NOT_TO_REVIEW.format(path=path)}])
        *parents, name = path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        spec = _field(form_id, path)
        value = text.strip()
        if spec is not None and spec.kind == kinds.BOOL:
            if value.lower() not in YES + NO:
                message = NOT_YES_NO.format(label=spec.label)
                raise Invalid(message, [{"path": path, "message": message}])
            target[name] = value.lower() in YES
        else:
            target[name] = text.rstrip() or None
    return data


def _field(form_id: str, path: str):
    parts = path.split(".")
    for section in all_sections(form_id):
        if section.name == parts[0]:
            try:
                return section.field(parts[-1])
            except KeyError:
                return None
    return None
