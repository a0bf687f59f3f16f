"""page_layouts describes exactly the pages render_pdf prints: the same pages, the same
widgets at the same /Rect, the signature boxes, the continuation pages."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from formservice.documents.page_layout import FieldPlace, PageLayout, SignaturePlace, page_layouts
from formservice.documents.page_marks import CORNER_MARKS, MARK_SIZE, QR_RECT
from formservice.documents.pdf_fill import flatten_pdf, render_pdf
from formservice.documents.pdf_template import HIDDEN_FLAGS
from formservice.forms import FORMS, UnknownForm
from formservice.forms import options
from formservice.forms.layout import sections
from formservice.forms.record import load_data

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CONTACT = "Spørgsmål: ring til Familierådgivningen på 72 36 36 36."


def canonical(form_id: str, data: dict) -> dict:
    loaded, findings = load_data(form_id, data)
    assert findings == []
    return loaded


def sample(form_id: str) -> dict:
    return json.loads((SAMPLES / f"{form_id}.json").read_text())


def _field_name(widget) -> str:
    parts, node = [], widget
    while node is not None:
        if "/T" in node:
            parts.append(str(node["/T"]))
        node = node["/Parent"].get_object() if "/Parent" in node else None
    return ".".join(reversed(parts))


def widgets(pdf: bytes) -> list[dict[str, tuple]]:
    """Each page's visible widgets: name → (/Rect, kind of field)."""
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        found = {}
        for reference in page.get("/Annots", []):
            widget = reference.get_object()
            if int(widget.get("/F", 0)) & HIDDEN_FLAGS:
                continue
            found[_field_name(widget)] = tuple(float(v) for v in widget["/Rect"])
        pages.append(found)
    return pages


def assert_describes(form_id: str, data: dict | None, contact: str | None = None,
                     document_id: str | None = None) -> list[PageLayout]:
    printed = canonical(form_id, {}) if data is None else data
    pdf, _ = render_pdf(form_id, printed, "Holbæk Kommune", contact=contact,
                        document_id=document_id)
    layouts = page_layouts(form_id, data, contact=contact)
    pages = widgets(pdf)
    assert len(layouts) == len(pages)
    assert [layout.number for layout in layouts] == list(range(1, len(pages) + 1))
    for layout, found in zip(layouts, pages):
        assert {place.path: place.rect for place in layout.fields} == found, layout.number
        assert len(layout.fields) == len(found)  # no path twice
        if layout.continuation:
            assert not layout.fields and not layout.signatures
    return layouts


@pytest.mark.parametrize("form_id", list(FORMS))
def test_the_blank_form(form_id):
    layouts = assert_describes(form_id, None)
    assert not any(layout.continuation for layout in layouts)
    assert layouts == page_layouts(form_id, canonical(form_id, {}))


@pytest.mark.parametrize("form_id", list(FORMS))
def test_the_sample_record_with_the_municipality_contact(form_id):
    assert_describes(form_id, canonical(form_id, sample(form_id)), CONTACT, "K7Q2M9X4TB")


def test_many_participants_and_actions_take_extra_rows():
    data = sample("first_meeting")
    person, action = data["participants"][0], data["actions"][0]
    data["participants"] = [dict(person, name=f"Deltager {i}") for i in range(17)]
    data["actions"] = [dict(action, description=f"Indsats {i}") for i in range(11)]
    layouts = assert_describes("first_meeting", canonical("first_meeting", data))
    paths = {place.path for layout in layouts for place in layout.fields}
    assert "participants.16.role" in paths and "actions.10.deadline" in paths
    assert len(layouts) > len(page_layouts("first_meeting"))


def test_many_reviewed_actions_and_custody_holders():
    data = sample("follow_up_meeting")
    data["reviewed_actions"] = [dict(data["reviewed_actions"][0], description=f"Indsats {i}")
                                for i in range(9)]
    assert_describes("follow_up_meeting", canonical("follow_up_meeting", data))
    consent = sample("consent")
    consent["custody_holders"] = [dict(consent["custody_holders"][0], name=f"Forælder {i}")
                                  for i in range(5)]
    layouts = assert_describes("consent", canonical("consent", consent), CONTACT)
    signatures = [place.path for layout in layouts for place in layout.signatures]
    assert signatures == [f"custody_holders.{i}" for i in range(5)]


def test_text_too_long_for_its_box_adds_a_continuation_page():
    data = sample("first_meeting")
    data["welcome"]["notes"] = "Meget lang tekst om barnets dag i børnehaven. " * 400
    layouts = assert_describes("first_meeting", canonical("first_meeting", data))
    assert [layout.continuation for layout in layouts].count(True) >= 2
    assert layouts[-1].continuation and not layouts[0].continuation
    assert len(layouts) == len(page_layouts("first_meeting")) + sum(
        layout.continuation for layout in layouts)


def test_a_young_person_section_that_does_not_apply_is_not_on_the_page():
    data = sample("consent")
    data["young_person"] = {}
    data["child"]["birth_date"] = "2022-05-01"
    data["validity"] = {"valid_from": "2026-01-01", "valid_until": "2027-01-01"}
    loaded = canonical("consent", data)
    layouts = assert_describes("consent", loaded)
    assert not any(place.path.startswith("young_person.")
                   for layout in layouts for place in layout.fields)


def test_cpr_and_the_municipality_meeting_types():
    options.configure(meeting_types=(("UM", "Udviklingsmøde"), ("NM", "Netværksmøde"),
                                     ("SM", "Samarbejdsmøde")), cpr_enabled=True)
    try:
        for form_id in ("first_meeting", "consent"):
            layouts = assert_describes(form_id, canonical(form_id, sample(form_id)))
            places = {place.path: place for layout in layouts for place in layout.fields}
            assert "child.cpr" in places
            if form_id == "first_meeting":
                assert ("SM", "Samarbejdsmøde") in places["meeting.meeting_type"].options
    finally:
        options.reset()
    assert "child.cpr" not in {place.path for layout in page_layouts("consent")
                               for place in layout.fields}


@pytest.mark.parametrize("form_id", list(FORMS))
def test_each_place_says_what_its_field_is(form_id):
    specs = {}
    for section in sections(form_id):
        for spec in section.fields:
            specs[(section.name, spec.name)] = spec
    for layout in page_layouts(form_id):
        for place in layout.fields:
            assert isinstance(place, FieldPlace)
            parts = place.path.split(".")
            spec = specs[(parts[0], parts[-1])]
            assert (place.kind, place.label, place.multiline) == (
                spec.kind, spec.label, spec.multiline)
            assert place.options == tuple(tuple(option) for option in spec.options)
            hash(place)  # frozen all the way down


def test_the_flattened_pdf_has_the_same_pages():
    data = canonical("consent", sample("consent"))
    pdf, _ = render_pdf("consent", data, "Holbæk Kommune")
    assert len(PdfReader(io.BytesIO(flatten_pdf(pdf))).pages) == len(page_layouts("consent", data))


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_signature_boxes_are_beside_their_date_and_clear_of_every_field():
    data = canonical("consent", sample("consent"))
    for layout in page_layouts("consent", data):
        for signature in layout.signatures:
            assert isinstance(signature, SignaturePlace)
            dates = [place for place in layout.fields
                     if place.path == f"{signature.path}.signed_date"]
            assert len(dates) == 1
            date = dates[0].rect
            assert signature.rect[0] > date[2] and signature.rect[1] < date[3] < signature.rect[3] + 1
            for place in layout.fields:
                assert not _overlap(place.rect, signature.rect), place.path


@pytest.mark.parametrize("form_id", list(FORMS))
def test_no_field_or_signature_under_the_marks(form_id):
    data = sample(form_id)
    for name, rows in [(section.name, section.blank_rows) for section in sections(form_id)
                       if section.is_group]:
        if data.get(name):
            data[name] = [dict(data[name][0]) for _ in range(rows + 7)]
    for layouts in (page_layouts(form_id), page_layouts(form_id, canonical(form_id, data))):
        for layout in layouts:
            for rect in [p.rect for p in layout.fields] + [s.rect for s in layout.signatures]:
                assert not _overlap(rect, QR_RECT)
                for x, y in CORNER_MARKS.values():
                    half = MARK_SIZE / 2 + 1
                    assert not _overlap(rect, (x - half, y - half, x + half, y + half))


def test_an_unknown_form_is_refused():
    with pytest.raises(UnknownForm):
        page_layouts("no_such_form")
