"""Upload in two steps: the file is read and shown field by field with its findings, kept
on the server (not in the client) until the user stores it; bad files get a Danish
message on the page, never a server error page."""
from __future__ import annotations
import formtools

import os
import re
import time
from pathlib import Path

import hostile_files
import pytest
from sqlalchemy import func, select

import formtools as records
from formservice.app import create_app
from formservice.storage.models import AuditEvent, Document, Record

from .conftest import csrf_token, log_in
from .pagetools import page, sample, texts, upload_file


def counts(app) -> tuple[int, int]:
    with app.app_context():
        session = formtools.session()
        return (session.scalar(select(func.count()).select_from(Record)),
                session.scalar(select(func.count()).select_from(Document)))


def kept_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads"
    return sorted(folder.glob("*.bin")) if folder.exists() else []


def post_file(client, case_id, content: bytes, name: str, **extra):
    token = csrf_token(client, f"/sager/{case_id}/upload")
    return client.post(f"/sager/{case_id}/upload", data={"csrf_token": token,
                                                         "fil": upload_file(content, name), **extra},
                       content_type="multipart/form-data")


def consent_docx(**changes) -> bytes:
    data = sample("consent")
    data.update(changes)
    return records.render("consent", data, "docx")[0]


def meeting(fmt="docx", **meeting_changes) -> bytes:
    data = sample("first_meeting")
    data["meeting"].update(meeting_changes)
    return records.render("first_meeting", data, fmt)[0]


def test_a_file_is_read_shown_and_only_stored_when_asked(app, staff_a, world):
    case = world.cases["A"]
    response = post_file(staff_a, case, consent_docx(), "samtykke.docx")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    assert counts(app) == (0, 0)  # nothing stored by reading
    kept = kept_files(app)
    assert len(kept) == 1 and oct(kept[0].stat().st_mode & 0o777) == "0o600"
    with staff_a.session_transaction() as session:
        (meta,) = session["pending"].values()
        assert len(meta["sha256"]) == 64 and meta["case"] == case
        assert "content" not in meta  # the bytes stay on the server
    response = staff_a.get(preview_url)
    assert response.status_code == 200
    body = texts(response)
    assert "Det står der i filen" in body and "ikke gemt" in body
    # field by field, beside its Danish label
    root = page(response)
    row = root.get_element_by_id("felt-purpose-purpose")
    assert row.findtext("th") == "Formålet med samtykket"
    assert sample("consent")["purpose"]["purpose"][:40] in row.text_content()
    assert root.get_element_by_id("felt-custody_holders-0-name") is not None
    assert counts(app) == (0, 0)
    token = csrf_token(staff_a, preview_url)
    store_url = re.search(r'action="([^"]+/gem)"', response.get_data(as_text=True)).group(1)
    response = staff_a.post(store_url, data={"csrf_token": token})
    assert response.status_code == 302 and "/poster/" in response.headers["Location"]
    assert counts(app) == (1, 1)
    assert kept_files(app) == []  # deleted once stored
    with staff_a.session_transaction() as session:
        assert not session.get("pending")
    record = staff_a.get(response.headers["Location"])
    assert "gemt på sagen som endelig" in texts(record)
    # the token is spent: storing again does nothing
    again = staff_a.post(store_url, data={"csrf_token": token})
    assert again.status_code == 404 and "Upload den igen" in texts(again)
    assert counts(app) == (1, 1)
    with app.app_context():
        actions = [e.action for e in formtools.session().scalars(
            select(AuditEvent).where(AuditEvent.case_id == case).order_by(AuditEvent.id))]
    assert "upload" in actions and "read" in actions


def test_findings_are_shown_at_their_fields_and_linked(app, staff_a, world):
    case = world.cases["A"]
    response = post_file(staff_a, case, meeting(note_taker=None), "referat.docx")
    preview = staff_a.get(response.headers["Location"])
    root = page(preview)
    links = {a.get("href"): a for a in root.xpath('//*[@id="fund"]//a')}
    assert "#felt-meeting-note_taker" in links
    target = root.get_element_by_id("felt-meeting-note_taker")
    assert "Fejl:" in target.text_content()  # the finding beside the field
    assert "kladde" in texts(preview)
    # every link of the summary lands on something on the page
    anchors = {element.get("id") for element in root.iter() if element.get("id")}
    assert all(href[1:] in anchors for href in links)


def test_a_corrected_file_replaces_the_first(app, staff_a, world):
    case = world.cases["A"]
    leader = sample("first_meeting")["meeting"]["leader"]
    first = post_file(staff_a, case, meeting(note_taker=leader), "referat.docx")
    first_token = first.headers["Location"].rsplit("/", 1)[1]
    second = post_file(staff_a, case, meeting(), "referat-rettet.docx", erstatter=first_token)
    assert second.status_code == 302
    assert len(kept_files(app)) == 1
    assert staff_a.get(first.headers["Location"]).status_code == 404
    preview = staff_a.get(second.headers["Location"])
    assert "Ingen fejl" in texts(preview)
    assert counts(app) == (0, 0)


def test_the_same_file_twice_is_stored_once(app, staff_a, world):
    case = world.cases["A"]
    content = consent_docx()
    for attempt in range(2):
        response = post_file(staff_a, case, content, "samtykke.docx")
        preview = staff_a.get(response.headers["Location"])
        if attempt:
            assert "allerede gemt" in texts(preview)
        store_url = re.search(r'action="([^"]+/gem)"', preview.get_data(as_text=True)).group(1)
        stored = staff_a.post(store_url, data={"csrf_token": csrf_token(staff_a, "/")})
        assert stored.status_code == 302
    assert counts(app) == (1, 1)


def test_a_pdf_upload_works_the_same(app, staff_a, world):
    response = post_file(staff_a, world.cases["A"], meeting("pdf"), "referat.pdf")
    preview = staff_a.get(response.headers["Location"])
    assert preview.status_code == 200 and "Ingen fejl" in texts(preview)
    assert page(preview).get_element_by_id("felt-meeting-place") is not None


def test_a_kept_file_expires_after_an_hour(app, staff_a, world):
    case = world.cases["A"]
    response = post_file(staff_a, case, consent_docx(), "samtykke.docx")
    with staff_a.session_transaction() as session:
        kept = dict(session["pending"])
        for meta in kept.values():
            meta["at"] -= 3601
        session["pending"] = kept
    preview = staff_a.get(response.headers["Location"])
    assert preview.status_code == 404
    assert "ikke gemt længere" in texts(preview)
    assert kept_files(app) == []
    assert counts(app) == (0, 0)


def test_old_files_are_swept_by_the_next_upload(app, staff_a, world):
    folder = Path(app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    stale = folder / ("x" * 32 + ".bin")
    stale.write_bytes(b"left behind")
    old = time.time() - 3700
    os.utime(stale, (old, old))
    post_file(staff_a, world.cases["A"], consent_docx(), "samtykke.docx")
    assert not stale.exists()


def test_a_kept_file_belongs_to_its_case_and_session(app, client, world):
    log_in(client, "staff_ab")
    response = post_file(client, world.cases["A"], consent_docx(), "samtykke.docx")
    token = response.headers["Location"].rsplit("/", 1)[1]
    other_case = client.get(f"/sager/{world.cases['B']}/upload/{token}")
    assert other_case.status_code == 404
    stranger = app.test_client()
    log_in(stranger, "staff_a")
    assert stranger.get(response.headers["Location"]).status_code == 404
    assert stranger.post(response.headers["Location"] + "/gem",
                         data={"csrf_token": csrf_token(stranger, "/")}).status_code == 404
    assert counts(app) == (0, 0)
    assert client.get(response.headers["Location"]).status_code == 200


def test_cancel_deletes_the_kept_file(app, staff_a, world):
    response = post_file(staff_a, world.cases["A"], consent_docx(), "samtykke.docx")
    cancelled = staff_a.post(response.headers["Location"] + "/annuller",
                             data={"csrf_token": csrf_token(staff_a, "/")})
    assert cancelled.status_code == 302
    assert kept_files(app) == []
    assert "Intet er gemt" in texts(staff_a.get(cancelled.headers["Location"]))


# --- bad files ----------------------------------------------------------------------------

def _docm() -> bytes:
    return hostile_files.docm(consent_docx())


def _encrypted_pdf() -> bytes:
    return hostile_files.encrypted_pdf(records.render("consent", sample("consent"), "pdf")[0])


_foreign_docx, _foreign_pdf = hostile_files.foreign_docx, hostile_files.foreign_pdf


BAD = {
    "a picture": (lambda: b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "billede.png",
                  "kan ikke læses som et billede"),
    "a text file": (lambda: "Referat æøå".encode(), "noter.txt", "ikke et Word-dokument"),
    "a foreign Word document": (_foreign_docx, "referat.docx", "ikke en formular fra formservice"),
    "a foreign PDF": (_foreign_pdf, "referat.pdf", "ikke en formular fra formservice"),
    "a macro-enabled docm": (_docm, "samtykke.docx", "makroer"),
    "a file named .docm": (consent_docx, "samtykke.docm", "makroer"),
    "an encrypted PDF": (_encrypted_pdf, "samtykke.pdf", "krypteret"),
    "a damaged Word file": (lambda: consent_docx()[:3000], "samtykke.docx", "beskadiget"),
    "an empty file": (lambda: b"", "tom.docx", "Filen er tom"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_file_gets_a_danish_message_on_the_page(app, staff_a, world, name):
    build, filename, reason = BAD[name]
    response = post_file(staff_a, world.cases["A"], build(), filename)
    assert 400 <= response.status_code < 500
    assert response.mimetype == "text/html"
    body = texts(response)
    assert reason in body, body[:800]
    assert "Upload en udfyldt formular" in body  # the form again, to choose another file
    assert page(response).get_element_by_id("fil") is not None
    assert counts(app) == (0, 0)
    assert kept_files(app) == []


def test_no_file_chosen(staff_a, world):
    token = csrf_token(staff_a, f"/sager/{world.cases['A']}/upload")
    response = staff_a.post(f"/sager/{world.cases['A']}/upload", data={"csrf_token": token},
                            content_type="multipart/form-data")
    assert response.status_code == 400 and "Vælg en fil" in texts(response)


@pytest.fixture
def small_app(app_config):
    app = create_app({**app_config, "MAX_UPLOAD_BYTES": 64 * 1024,
                      "MAX_CONTENT_LENGTH": 64 * 1024 + 16 * 1024})
    yield app
    app.extensions["formservice"].engine.dispose()


@pytest.mark.parametrize("size", [70 * 1024, 200 * 1024], ids=["over the upload limit",
                                                                "over the request limit"])
def test_a_file_too_large_gets_a_danish_message_on_the_page(small_app, world, size):
    client = small_app.test_client()
    log_in(client, "staff_a")
    response = post_file(client, world.cases["A"], b"PK" + os.urandom(size), "stor.docx")
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    body = texts(response)
    assert "for stor" in body and "64 kB" in body
    assert page(response).get_element_by_id("fil") is not None
    assert counts(small_app) == (0, 0)


def test_the_upload_page_tells_the_limit_to_the_browser(staff_a, world, app):
    response = staff_a.get(f"/sager/{world.cases['A']}/upload")
    form = page(response).xpath("//form[@data-max-bytes]")[0]
    assert int(form.get("data-max-bytes")) == app.config["MAX_UPLOAD_BYTES"]
    assert "højst 20 MB" in texts(response)


def _typed_meeting(**typed) -> bytes:
    """The sample minutes as Word, with some fields typed over as a person would."""
    from documents.word_editing import WordDocument
    data = sample("first_meeting")
    data["child"]["name"] = "Alma Nørgaard Sørensen"
    document = WordDocument(records.render("first_meeting", data, "docx")[0])
    for tag, text in typed.items():
        document.type_text(tag, text)
    return document.save()


def test_danish_times_and_dates_are_stored_as_final_with_canonical_values(app, staff_a, world):
    case = world.cases["A"]
    content = _typed_meeting(**{"meeting.end_time": "14.30", "meeting.start_time": "kl. 13.00",
                                "meeting.date": "10-03-2026"})
    preview = staff_a.get(post_file(staff_a, case, content, "referat.docx").headers["Location"])
    assert preview.status_code == 200
    token = preview.request.path.rsplit("/", 1)[-1]
    stored = staff_a.post(f"/sager/{case}/upload/{token}/gem",
                          data={"csrf_token": csrf_token(staff_a, f"/sager/{case}/upload")})
    assert stored.status_code == 302
    with app.app_context():
        record = formtools.session().scalars(select(Record).order_by(Record.id.desc())).first()
        assert record.data["meeting"]["end_time"] == "14:30"
        assert record.data["meeting"]["start_time"] == "13:00"
        assert record.data["meeting"]["date"] == "2026-03-10"
        assert not [f for f in record.findings if f["code"].startswith("shape.")]


def test_a_value_that_does_not_fit_is_kept_in_a_draft_with_every_finding_at_once(app, staff_a,
                                                                                world):
    case = world.cases["A"]
    content = _typed_meeting(**{"meeting.end_time": "kl. halv tre", "meeting.note_taker": ""})
    preview = staff_a.get(post_file(staff_a, case, content, "referat.docx").headers["Location"])
    shown = texts(preview)
    # the value that does not fit and the rule's finding, together on the first reading
    assert "Sluttidspunkt: Skriv tidspunktet som 14:30." in shown
    assert "#felt-meeting-note_taker" in [a.get("href") for a in page(preview).xpath('//*[@id="fund"]//a')]
    token = preview.request.path.rsplit("/", 1)[-1]
    stored = staff_a.post(f"/sager/{case}/upload/{token}/gem",
                          data={"csrf_token": csrf_token(staff_a, f"/sager/{case}/upload")})
    assert stored.status_code == 302, texts(stored)
    record_page = staff_a.get(stored.headers["Location"])
    assert "Kladde" in texts(record_page)
    assert "kl. halv tre" in page(record_page).get_element_by_id("felt-meeting-end_time").text_content()
    with app.app_context():
        record = formtools.session().scalars(select(Record).order_by(Record.id.desc())).first()
        assert record.status == "draft" and record.data["meeting"]["end_time"] == "kl. halv tre"
        document_id = record.document_id
    original = staff_a.get(f"/sager/{case}/dokumenter/{document_id}")
    assert original.status_code == 200 and original.data == content
