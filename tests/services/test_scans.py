"""Paper back in, through the use cases: a consent printed for a case, signed and dated by
hand, photographed, uploaded; what the parents wrote is typed by a person from its
pictures; the scan is kept with its signatures. On SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from scan_photos import page_of, photographed, written_page

from formservice.documents.errors import DocumentError
from formservice.documents.page_layout import page_layouts
from formservice.forms.record import load_data
from formservice.services import cases, documents, scans, uploads
from formservice.services.errors import Invalid, NotFound
from formservice.storage.models import AuditEvent, Document, PrintedDocument
from services.conftest import actor_of

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "consent.json"
DATES = ("custody_holders.0.signed_date", "custody_holders.1.signed_date")
SIGNATURES = ("custody_holders.0", "custody_holders.1")


def _unsigned_consent() -> dict:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    for holder in data["custody_holders"]:
        holder["signed_date"] = None
    return load_data("consent", data)[0]


def _printed_consent(built, profile, staff, case_id) -> tuple[bytes, dict, str]:
    data = _unsigned_consent()
    made = documents.browser_document(built.uow(), staff, profile, case_id, "consent", data,
                                      "pdf")
    with built.sessions() as session:
        printed = session.query(PrintedDocument).order_by(PrintedDocument.id.desc()).first()
        return made.content, printed.data, printed.token


def _photo(pdf: bytes, data: dict, *, dates=DATES, signatures=SIGNATURES) -> bytes:
    page = page_of(page_layouts("consent", data), DATES[0])
    writing = dict(zip(dates, ("20-2-2026", "21.2.2026")))
    return photographed(written_page(pdf, "consent", data, page, writing=writing,
                                     signatures=signatures))


def test_a_consent_signed_on_paper_is_stored_with_its_scan_and_signatures(built, profile,
                                                                         people):
    staff = actor_of(built, "staff_a")
    pdf, printed, token = _printed_consent(built, profile, staff, people["case_a"])
    assert printed["custody_holders"][0]["name"] == "Mette Nørgaard Sørensen"
    photo = _photo(pdf, printed)

    shown = uploads.read_upload(built.uow(), staff, profile, people["case_a"], "foto.jpg", photo)
    assert shown.scan is not None
    review = {f.path for f in shown.scan.review}
    assert set(DATES) <= review  # handwriting is never taken on trust
    assert set(DATES) <= set(shown.scan.crops)
    for path in DATES:
        assert Image.open(io.BytesIO(shown.scan.crops[path])).format == "PNG"
    assert all(shown.scan.signed[path] for path in SIGNATURES)
    data = shown.parsed.record["data"]
    assert data["custody_holders"][1]["name"] == "Jens Peter Sørensen"  # printed, confirmed
    assert data["purpose"] == printed["purpose"]

    stored = uploads.store_upload(built.uow(), staff, profile, people["case_a"], "foto.jpg",
                                  photo, corrections={DATES[0]: "20-02-2026",
                                                      DATES[1]: "21.2.2026"})
    record = stored.record
    assert record.status == "final", record.findings
    assert [h["signed_date"] for h in record.data["custody_holders"]] == ["2026-02-20",
                                                                          "2026-02-21"]
    assert not [f for f in record.findings if f["path"] in DATES]
    with built.sessions() as session:
        scan = session.get(Document, record.document_id)
        assert scan.direction == "scanned" and scan.content_type == "image/jpeg"
        assert scan.sha256 == hashlib.sha256(photo).hexdigest() and scan.content == photo
        cut = session.query(Document).filter_by(source_id=scan.id).all()
        assert len(cut) == 2 and all(d.direction == "signature" for d in cut)
        upload = session.query(AuditEvent).filter_by(action="upload",
                                                     resource_id=str(scan.id)).one()
        assert upload.detail["scan"] is True and upload.detail["signatures"] == 2
        assert upload.detail["corrected"] == sorted(DATES)
    valid_from = dt.date.fromisoformat(record.data["validity"]["valid_from"])
    page = cases.case_page(built.uow(), staff, people["case_a"], valid_from)
    row = page.consents[0]
    assert row.state == "valid" and row.scan.id == scan.id and len(row.signatures) == 2


def test_a_print_for_one_case_is_refused_on_another(built, profile, people):
    staff_a = actor_of(built, "staff_a")
    pdf, printed, _ = _printed_consent(built, profile, staff_a, people["case_a"])
    photo = _photo(pdf, printed)
    with built.uow() as uow:  # a second case at the same institution
        from formservice.storage.models import Case
        other = Case(institution_id=staff_a.user.institutions[0].id, child_name="Carl Ærø")
        uow.session.add(other)
        uow.session.flush()
        other_id = other.id
        uow.commit()
    with pytest.raises(DocumentError, match="udskrevet til en anden sag"):
        uploads.read_upload(built.uow(), staff_a, profile, other_id, "foto.jpg", photo)
    # staff at another institution cannot use the print's token at all
    with pytest.raises(NotFound):
        uploads.parse_document(built.uow(), actor_of(built, "staff_b"), profile, photo)


def test_only_fields_to_review_take_corrections(built, profile, people):
    staff = actor_of(built, "staff_a")
    pdf, printed, _ = _printed_consent(built, profile, staff, people["case_a"])
    photo = _photo(pdf, printed)
    with pytest.raises(Invalid, match="ikke noget at gennemse"):
        uploads.store_upload(built.uow(), staff, profile, people["case_a"], "foto.jpg", photo,
                             corrections={"custody_holders.0.name": "En anden"})
    with built.sessions() as session:  # nothing stored
        assert session.query(Document).filter_by(case_id=people["case_a"]).count() == 0


def test_a_photo_of_something_else_is_refused_in_danish(built, profile, people):
    staff = actor_of(built, "staff_a")
    picture = Image.new("RGB", (1200, 1600), (240, 240, 235))
    out = io.BytesIO()
    picture.save(out, "JPEG")
    with pytest.raises(DocumentError) as refused:
        uploads.read_upload(built.uow(), staff, profile, people["case_a"], "ferie.jpg",
                            out.getvalue())
    assert "formular" in str(refused.value)
    assert scans.is_picture(out.getvalue())


def test_a_consent_from_a_batch_is_read_against_what_the_batch_printed(built, profile, people):
    """A batch's PDF for a case names its batch item; its printed values are confirmed
    from the paper, not handed to a person as handwriting."""
    from formservice.services import batches
    from formservice.services.runners import chunks
    staff = actor_of(built, "staff_a")
    entries = batches.institution_entries(built.uow(), staff, staff.user.institutions[0].id,
                                          ["consent"], "pdf", None)
    batch = batches.create_batch(built.uow(), staff, entries, runner="inprocess")
    for chunk in chunks(batches.pending_items(built.uow(), batch.id), 5):
        batches.produce_chunk(built.sessions, chunk, built.profile, worker="test")
    with built.sessions() as session:
        from formservice.storage.models import BatchItem
        item = session.query(BatchItem).filter_by(batch_id=batch.id).one()
        pdf, data = item.content, load_data("consent", item.data)[0]
        assert item.status == "done"
    assert data["child"]["name"] == "Alma Nørgaard Sørensen"
    name = "custody_holders.0.name"
    photo = photographed(written_page(pdf, "consent", data,
                                      page_of(page_layouts("consent", data), name),
                                      writing={name: "Mette Ørum"}))
    shown = uploads.read_upload(built.uow(), staff, profile, people["case_a"], "foto.jpg", photo)
    fields = [f.path for f in shown.scan.review if f.path.count(".") == 2 or
              f.path.startswith("child.")]
    assert fields == [name], shown.scan.review  # the printed child is confirmed from the paper
    assert shown.parsed.record["data"]["child"]["name"] == "Alma Nørgaard Sørensen"
    with pytest.raises(NotFound):  # another institution cannot use the batch's print
        uploads.parse_document(built.uow(), actor_of(built, "staff_b"), profile, photo)


def test_a_scanners_pdf_of_every_page_in_any_order_is_read_whole(built, profile, people):
    """The whole consent through a scanner, pages shuffled and one upside down: nothing to
    review but what was written by hand, every printed value confirmed."""
    from scan_photos import scanned_pdf
    staff = actor_of(built, "staff_a")
    pdf, printed, _ = _printed_consent(built, profile, staff, people["case_a"])
    layouts = page_layouts("consent", printed)
    signed_on = page_of(layouts, DATES[0])
    pages = [written_page(pdf, "consent", printed, number,
                          writing=dict(zip(DATES, ("20-2-2026", "21.2.2026")))
                          if number == signed_on else {},
                          signatures=SIGNATURES if number == signed_on else ())
             for number in range(1, len(layouts) + 1)]
    pages = pages[::-1]
    pages[1] = pages[1].rotate(180)
    shown = uploads.read_upload(built.uow(), staff, profile, people["case_a"], "scan.pdf",
                                scanned_pdf(pages))
    assert sorted(f.path for f in shown.scan.review) == sorted(DATES)
    assert len(shown.scan.pages) == len(layouts)
    assert all(shown.scan.signed[path] for path in SIGNATURES)
    data = shown.parsed.record["data"]
    assert data["purpose"] == printed["purpose"] and data["parties"] == printed["parties"]
    assert shown.scan.content_type == "application/pdf"
