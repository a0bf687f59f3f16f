"""The Word reader follows what people do to a form: one test per edit, each edit written
the way Word writes it (see word_editing.py), each typed value read or quoted in a warning."""
import pytest

from formservice.documents.errors import DocumentError
from formservice.documents.word_parse import parse_docx
from formservice.documents.word_render import render_docx
from formservice.forms.record import load_data
from word_editing import EditedDocument

MEETING = {"meeting_type": "UM", "date": "2026-12-03", "leader": "Hanne Øster",
           "note_taker": "Bo Ågård", "agenda_sent": "2026-11-24", "place": "Æblehaven"}
PEOPLE = [{"name": f"Person {i} Ærø", "role": "pedagogue", "attendance": "present"}
          for i in range(6)]
ACTIONS = [{"description": f"Indsats {i}", "responsible": f"Ansvarlig {i}",
            "deadline": "2027-01-31", "priority": i + 1} for i in range(4)]


def _document(form_id="first_meeting", data=None) -> tuple[EditedDocument, dict]:
    if data is None:
        data = {"meeting": MEETING, "child": {"name": "Ida Sørensen"},
                "participants": PEOPLE, "actions": ACTIONS}
    canonical, findings = load_data(form_id, data)
    assert findings == []
    return EditedDocument(render_docx(form_id, canonical)), canonical


def _read(document: EditedDocument):
    record, findings = parse_docx(document.save())
    return record["data"], findings


def _messages(findings) -> str:
    return "\n".join(f.message for f in findings)


def _quoted(findings, text) -> list:
    found = [f for f in findings if f"«{text}»" in f.message]
    assert found, (text, [f.message for f in findings])
    assert all(f.severity == "warning" for f in found)
    return found


# --- table structure ------------------------------------------------------------------

def test_split_group_table_keeps_the_second_half():
    document, expected = _document()
    document.split_table_before("participants.3.name")
    data, findings = _read(document)
    assert data["participants"] == expected["participants"]
    assert findings == []


def test_split_section_table_keeps_leader_note_taker_and_agenda_date():
    document, expected = _document()
    document.split_table_before("meeting.place")
    data, findings = _read(document)
    assert data["meeting"] == expected["meeting"]
    assert findings == []


def test_split_table_with_its_header_row_repeated():
    document, expected = _document()
    new = document.split_table_before("actions.2.description")
    header = document.rows(document.table_of("actions.0.description"))[0]
    import copy
    new.insert(2, copy.deepcopy(header))
    data, findings = _read(document)
    assert data["actions"] == expected["actions"]
    assert findings == []


@pytest.mark.parametrize("group", ["participants", "actions"])
def test_deleted_header_row_keeps_the_group(group):
    document, expected = _document()
    document.delete_header_row(group)
    data, findings = _read(document)
    assert data[group] == expected[group]
    assert findings == []


def test_deleted_header_row_and_hand_written_row_are_read_by_column():
    document, expected = _document()
    document.delete_header_row("participants")
    document.add_plain_row("participants", ["Karim Yılmaz", "PPR-psykolog", "PPR", "", "Afbud"])
    data, findings = _read(document)
    assert data["participants"][-1] == {"name": "Karim Yılmaz", "role": "psychologist",
                                        "organisation": "PPR", "contact": None,
                                        "attendance": "apologies"}
    assert {f.code for f in findings} == {"word.read_by_label"}


def test_copied_section_row_keeps_both_values_with_a_warning():
    document, expected = _document()
    clone = document.copy_row("meeting.leader")
    for t in clone.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"):
        if t.text == "Hanne Øster":
            t.text = "Mads Lund"
    data, findings = _read(document)
    assert data["meeting"]["leader"] == "Hanne Øster\nMads Lund"
    assert [f.path for f in findings] == ["meeting.leader"]
    _quoted(findings, "Mads Lund")


def test_copied_section_row_unchanged_is_one_value():
    document, expected = _document()
    document.copy_row("meeting.leader")
    data, findings = _read(document)
    assert data["meeting"] == expected["meeting"]
    assert findings == []


def test_copied_group_row_is_another_item():
    document, expected = _document()
    document.copy_row("actions.1.description")
    data, findings = _read(document)
    assert data["actions"] == expected["actions"][:2] + expected["actions"][1:]
    assert findings == []


def test_row_pasted_from_another_group_is_quoted_not_read_into_wrong_columns():
    document, expected = _document()
    document.paste_row_into("participants.2.name", "actions")
    data, findings = _read(document)
    assert data["actions"] == expected["actions"]
    assert data["participants"] == expected["participants"]
    found = _quoted(findings, "Person 2 Ærø | Pædagog | Deltager")
    assert found[0].code == "word.row_from_other_table" and found[0].path == "actions"


# --- tracked changes ----------------------------------------------------------------------

def test_tracked_row_deletion_removes_the_row_and_keeps_later_indices():
    document, expected = _document()
    document.delete_row_tracked("participants.1.name")
    data, findings = _read(document)
    assert data["participants"] == expected["participants"][:1] + expected["participants"][2:]
    assert findings == []


def test_tracked_insertion_is_in_and_deletion_out():
    document, expected = _document()
    document.delete_text_tracked("meeting.place")
    document.insert_text_tracked("meeting.place", "Rådhuset")
    document.insert_text_tracked("child.name", " Holm")
    data, findings = _read(document)
    assert data["meeting"]["place"] == "Rådhuset"
    assert data["child"]["name"] == "Ida Sørensen Holm"
    assert findings == []


def test_tracked_move_gives_the_text_once_where_it_went():
    document, expected = _document()
    document.move_text_tracked("meeting.place", "meeting.initiated_by")
    data, findings = _read(document)
    assert data["meeting"]["place"] is None
    assert data["meeting"]["initiated_by"] == "Æblehaven"
    assert findings == []


def test_tracked_deletion_of_a_line_break_joins_the_lines():
    document, expected = _document()
    document.type_text("welcome.notes", "Første linje\n og anden")
    document.delete_paragraph_mark_tracked("welcome.notes")
    data, findings = _read(document)
    assert data["welcome"]["notes"] == "Første linje og anden"


# --- check boxes ------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["Ja", "X", "x", "✓", "☒", "ja."])
def test_tick_typed_instead_of_the_box(typed):
    document, _ = _document()
    document.replace_control_with("meeting.consent_on_file", typed)
    data, findings = _read(document)
    assert data["meeting"]["consent_on_file"] is True
    assert any(f.path == "meeting.consent_on_file" for f in findings)
    assert all(f.severity == "warning" for f in findings)


@pytest.mark.parametrize("typed", ["X", "Ja", "✔"])
def test_tick_typed_beside_an_empty_box(typed):
    document, _ = _document()
    document.type_beside("meeting.consent_on_file", typed)
    data, findings = _read(document)
    assert data["meeting"]["consent_on_file"] is True
    _quoted(findings, typed)


@pytest.mark.parametrize("font,char", [("Wingdings", "F0FC"), ("Wingdings", "F0FE"),
                                       ("Wingdings 2", "F052"), ("Symbol", "F0D6")])
def test_symbol_tick_inserted(font, char):
    document, _ = _document()
    document.replace_control_with("meeting.consent_on_file", symbol=(font, char))
    data, findings = _read(document)
    assert data["meeting"]["consent_on_file"] is True
    assert {f.path for f in findings} == {"meeting.consent_on_file"}


def test_symbol_tick_beside_the_box():
    document, _ = _document()
    document.insert_symbol_beside("child.anonymised", "Wingdings", "F0FC")
    data, findings = _read(document)
    assert data["child"]["anonymised"] is True
    assert any(f.path == "child.anonymised" for f in findings)


def test_an_answer_that_cannot_be_told_is_a_warning_not_a_silent_no():
    document, _ = _document()
    document.type_beside("meeting.consent_on_file", "måske, spørg mor")
    data, findings = _read(document)
    assert data["meeting"]["consent_on_file"] is False
    found = _quoted(findings, "måske, spørg mor")
    assert found[0].path == "meeting.consent_on_file"


def test_no_typed_instead_of_the_box_is_no_with_a_warning():
    document, _ = _document()
    document.replace_control_with("meeting.consent_on_file", "Nej")
    data, findings = _read(document)
    assert data["meeting"]["consent_on_file"] is False
    _quoted(findings, "Nej")


def test_ticks_in_a_group_row():
    document, expected = _document("consent", {"child": {"name": "Noah"}, "custody_holders": [
        {"name": "Mette", "custody": "joint"}]})
    document.type_beside("custody_holders.0.lives_with_child", "X")
    data, findings = _read(document)
    assert data["custody_holders"][0]["lives_with_child"] is True
    assert [f.path for f in findings] == ["custody_holders.0.lives_with_child"]


# --- placeholders, stray text, text boxes, Enter ------------------------------------

@pytest.mark.parametrize("tag,text,key", [
    ("meeting.place", "Mødelokale 2", "place"),
    ("meeting.consent_date", "20-11-2026", "consent_date"),
    ("meeting.case_kind", "Ukendt sag", "case_kind")])
def test_text_set_on_a_placeholder_is_a_value(tag, text, key):
    document, _ = _document(data={"meeting": {**MEETING, "place": None}})
    document.set_text_keeping_placeholder(tag, text)
    assert document.controls(tag)[0].find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sdtPr/"
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}showingPlcHdr") is not None
    data, findings = _read(document)
    expected = {"place": "Mødelokale 2", "consent_date": "2026-11-20", "case_kind": "unknown"}
    assert data["meeting"][key] == expected[key]
    assert findings == []


def test_placeholder_text_shown_as_placeholder_is_no_value():
    document, _ = _document(data={"meeting": {**MEETING, "place": None}})
    data, findings = _read(document)
    assert data["meeting"]["place"] is None and findings == []


def test_typed_placeholder_words_are_a_value():
    document, _ = _document()
    document.type_text("meeting.place", "Skriv her")
    data, _ = _read(document)
    assert data["meeting"]["place"] == "Skriv her"


def test_note_under_a_table_is_quoted():
    document, _ = _document()
    document.paragraph_after_table("meeting.leader", "Husk at ringe til mor før mødet")
    data, findings = _read(document)
    found = _quoted(findings, "Husk at ringe til mor før mødet")
    assert found[0].code == "word.text_outside_fields"


def test_text_box_in_a_cell_is_read_once_and_quoted():
    document, _ = _document()
    document.text_box_in_cell("meeting.place", "Lokale 3, 1. sal")
    data, findings = _read(document)
    assert data["meeting"]["place"] == "Æblehaven"
    found = _quoted(findings, "Lokale 3, 1. sal")
    assert len(found) == 1 and found[0].path == "meeting.place"
    assert _messages(findings).count("Lokale 3, 1. sal") == 1


def test_unknown_tag_is_quoted():
    document, _ = _document()
    sdt = document.controls("meeting.place")[0]
    sdt.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sdtPr/"
             "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tag").set(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val", "meeting.venue")
    document.cell_of("meeting.venue").getprevious().find(
        ".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t").text = "Lokale"
    data, findings = _read(document)
    found = _quoted(findings, "Æblehaven")
    assert "meeting.venue" in found[0].message


def test_note_in_a_label_cell_is_quoted():
    document, _ = _document()
    label = document.cell_of("meeting.leader").getprevious()
    label.find(".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t").text = \
        "Mødeleder (skiftes på næste møde)"
    data, findings = _read(document)
    assert data["meeting"]["leader"] == "Hanne Øster"
    _quoted(findings, "Mødeleder (skiftes på næste møde)")


@pytest.mark.parametrize("inside", [False, True])
def test_enter_at_the_end_of_a_field_is_not_stored(inside):
    document, _ = _document()
    document.type_text("welcome.notes", "Mødelederen bød velkommen.\nAlle var der.")
    document.press_enter_at_end("welcome.notes", inside=inside)
    data, findings = _read(document)
    assert data["welcome"]["notes"] == "Mødelederen bød velkommen.\nAlle var der."


def test_a_trailing_empty_line_the_service_wrote_is_kept():
    document, expected = _document(data={"welcome": {"notes": "Første\n"}})
    data, findings = _read(document)
    assert data["welcome"]["notes"] == "Første\n"


# --- documents that say one form and hold another ------------------------------------

def test_relabelled_document_is_refused_naming_both_forms():
    document, _ = _document("consent", {"child": {"name": "Noah"}, "purpose": {"purpose": "x"}})
    document.set_form_property("first_meeting")
    with pytest.raises(DocumentError) as caught:
        _read(document)
    message = str(caught.value)
    assert "Første udviklings- eller netværksmøde" in message
    assert "Samtykke" in message
