"""A form filled in Word, saved by LibreOffice, or stripped of its tags reads back right."""
import os
import shutil
import subprocess

import pytest

from formservice.documents.word_parse import parse_docx
from formservice.documents.word_render import render_docx
from formservice.forms.record import load_data
from word_editing import WordDocument

HOSTILE_NOTE = "Mor: {{ far }} & {% if %} <w:t>\n\tÆbler, øl og å 😀\n"


def _parse(docx):
    record, reading = parse_docx(docx)
    data, shape = load_data(record["form"], record["data"])
    assert shape == []
    return data, reading


def _filled_in_word():
    """A pre-filled first-meeting form, then filled in further the way Word does."""
    prefilled, _ = load_data("first_meeting", {
        "meeting": {"meeting_type": "UM", "date": "2026-12-03", "leader": "Hanne Øster"},
        "child": {"name": "Ida Sørensen", "institution": "Børnehuset Æblehaven"},
        "participants": [{"name": "Hanne Øster", "role": "leader", "attendance": "invited"}],
    })
    document = WordDocument(render_docx("first_meeting", prefilled))
    document.type_text("meeting.note_taker", "Bo Ågård")
    document.pick_date("meeting.agenda_sent", "2026-11-24")
    document.tick("meeting.consent_on_file")
    document.choose("participants.0.attendance", "Deltager")
    document.type_text("participants.1.name", "Mette Sørensen")
    document.choose("participants.1.role", "Forælder med forældremyndighed")
    document.type_text("welcome.notes", HOSTILE_NOTE)
    document.type_text("actions.0.description", "Sprogleg i lille gruppe\nto gange om ugen")
    document.type_text("actions.0.responsible", "Bo Ågård")
    document.pick_date("actions.0.deadline", "2027-01-31")
    # Word's "+" on the repeating section: the copied row keeps the last row's tags.
    document.repeat_last_item("actions")
    last = len([s for s in document.controls("actions.3.description")]) - 1
    clone = document.controls("actions.3.description")[last]
    document._set_runs(clone, "Forældresamtale")
    # and "Insert row below": plain cells, no controls.
    document.add_plain_row("participants", ["Karim Yılmaz", "PPR-psykolog", "PPR", "", "Afbud"])
    expected = dict(prefilled)
    expected["meeting"] = {**prefilled["meeting"], "note_taker": "Bo Ågård",
                           "agenda_sent": "2026-11-24", "consent_on_file": True}
    expected["participants"] = [
        {"name": "Hanne Øster", "role": "leader", "organisation": None, "contact": None,
         "attendance": "present"},
        {"name": "Mette Sørensen", "role": "parent_custody", "organisation": None,
         "contact": None, "attendance": None},
        {"name": "Karim Yılmaz", "role": "psychologist", "organisation": "PPR", "contact": None,
         "attendance": "apologies"},
    ]
    expected["welcome"] = {"notes": HOSTILE_NOTE}
    expected["actions"] = [
        {"description": "Sprogleg i lille gruppe\nto gange om ugen", "goal": None,
         "responsible": "Bo Ågård", "deadline": "2027-01-31", "priority": None},
        {"description": "Forældresamtale", "goal": None, "responsible": None,
         "deadline": None, "priority": None},
    ]
    return document, expected


def test_edits_made_in_word_are_read():
    document, expected = _filled_in_word()
    data, reading = _parse(document.save())
    assert data == expected
    # only the hand-inserted row lacks tags, and each of its values is flagged
    assert sorted(f.path for f in reading) == [
        "participants.2.attendance", "participants.2.name", "participants.2.organisation",
        "participants.2.role"]


def test_document_without_tags_is_read_by_labels_with_warnings():
    document, expected = _filled_in_word()
    document.strip_tags()
    data, reading = _parse(document.save())
    # Without controls an empty last line cannot be told from Enter pressed at the end of
    # the field, which is not kept.
    expected["welcome"] = {"notes": HOSTILE_NOTE.rstrip("\n")}
    assert data == expected
    assert {f.code for f in reading} == {"word.read_by_label"}
    assert "child.name" in {f.path for f in reading}
    assert all(f.severity == "warning" for f in reading)


def _soffice():
    binary = shutil.which("soffice")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI")
        pytest.skip("LibreOffice is not installed")
    return binary


def libreoffice_resave(tmp_path, documents: dict[str, bytes]) -> dict[str, bytes]:
    """Open and save each document in LibreOffice (one soffice run for all)."""
    source, target = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    target.mkdir()
    for name, content in documents.items():
        (source / f"{name}.docx").write_bytes(content)
    subprocess.run(
        [_soffice(), f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "docx", "--outdir", str(target),
         *sorted(str(p) for p in source.iterdir())],
        check=True, capture_output=True, timeout=300)
    return {name: (target / f"{name}.docx").read_bytes() for name in documents}


@pytest.mark.libreoffice
def test_libreoffice_keeps_every_field(tmp_path):
    from hypothesis import HealthCheck, given, settings, strategies as st
    from formservice.forms import FORMS
    from strategies import form_data

    samples = {}

    @settings(max_examples=3, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def collect(draw):
        for form_id in FORMS:
            data, _ = load_data(form_id, draw.draw(form_data(form_id)))
            samples[f"{form_id}-{len(samples)}"] = (form_id, data)

    collect()
    word, expected = _filled_in_word()
    documents = {key: render_docx(form_id, data) for key, (form_id, data) in samples.items()}
    documents["edited"] = word.save()
    resaved = libreoffice_resave(tmp_path, documents)
    for key, (form_id, data) in samples.items():
        parsed, reading = _parse(resaved[key])
        assert parsed == data, key
        assert reading == [], key
    parsed, _ = _parse(resaved["edited"])
    assert parsed == expected
