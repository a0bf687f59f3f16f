"""Plans as Danish offices write them: Excel's CSV, Danish dates and form names, every
problem of a row at once, per-child dates, and a manifest that counts right."""
import csv
import datetime as dt
import io
import json
import zipfile

import pytest

from formservice.series.batch import (
    EntryReport, PlanError, form_id_of, plan_jobs, plural, read_plan, split_dates)
from formservice.config import Profile
from formservice.services.batches import produce
from formservice.series.run import BatchSummary, run_batch
from formservice.series.zipstream import ManifestZip, stream_zip

TODAY = dt.date(2026, 11, 23)


def HOLBAEK(job):  # noqa: N802 - makes one document, as the services do
    return produce(Profile(name="Holbæk Kommune"), job)


def excel_csv(rows: list[list[str]], *, encoding="cp1252", delimiter=";", bom=False) -> bytes:
    """A CSV the way Danish Excel saves it: CRLF, `;`, quotes only where needed."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


EXCEL_ROWS = [
    ["Navn", "Fødselsdato", "Institution", "Stue", "Formularer", "Format", "Møder", "Sag"],
    ["Åse Ærø Sørensen", "02-04-2020", "Børnehuset Kløverengen", "Sommerfuglestuen",
     "Samtykke; Første møde; Opfølgning", "Word", "12-01-2027, 10. marts 2027", "17"],
    ["Noah Bæk", "3.5.2021", "Børnehuset Kløverengen", "Solstuen", "netværkskort", "PDF", "", ""],
    ["Ida Møller", "23/11 21", "Skolen ved Søen", "1.a", "foerste moede, opfoelgning", "docx",
     "12/1 27 16-03-2027", ""],
]


def test_a_windows_1252_csv_from_excel_runs_as_a_batch():
    content = excel_csv(EXCEL_ROWS)
    assert b"\r\n" in content and "æ".encode("cp1252") in content  # really cp1252
    entries = read_plan(content, "Plan fra Excel.csv")
    json.dumps(entries)  # the pages keep the entries as JSON between check and start
    alma, noah, ida = plan_jobs(entries, TODAY)
    assert alma.ok and noah.ok and ida.ok, (alma.problems, noah.problems, ida.problems)
    assert [alma.row, noah.row, ida.row] == [2, 3, 4]
    assert alma.case_id == 17 and noah.case_id is None
    assert alma.child_data == {"name": "Åse Ærø Sørensen", "birth_date": "2020-04-02",
                               "institution": "Børnehuset Kløverengen", "group": "Sommerfuglestuen"}
    assert [j.filename for j in alma.jobs] == [
        "Samtykke – Åse Ærø Sørensen – 23-11-2026.docx",
        "Dagsorden første møde – Åse Ærø Sørensen – 12-01-2027.docx",
        "Dagsorden opfølgende møde – Åse Ærø Sørensen – 10-03-2027.docx"]
    assert [j.filename for j in noah.jobs] == ["Netværkskort – Noah Bæk – 23-11-2026.pdf"]
    assert noah.child_data["birth_date"] == "2021-05-03"
    assert ida.child_data["birth_date"] == "2021-11-23"
    assert ida.meetings == [dt.date(2027, 1, 12), dt.date(2027, 3, 16)]
    assert [j.filename for j in ida.jobs] == ["Dagsorden første møde – Ida Møller – 12-01-2027.docx",
                                              "Dagsorden opfølgende møde – Ida Møller – 16-03-2027.docx"]

    out = io.BytesIO()
    summary = run_batch(content, "plan.csv", out, produce=HOLBAEK, today=TODAY)
    assert summary.documents == 6 and not summary.invalid
    names = zipfile.ZipFile(out).namelist()
    assert ("Åse Ærø Sørensen (02-04-2020)/Dagsorden opfølgende møde – Åse Ærø Sørensen – "
            "10-03-2027.docx") in names


@pytest.mark.parametrize("encoding, delimiter, bom", [
    ("utf-8", ";", True), ("utf-8", ";", False), ("utf-8", ",", True), ("cp1252", "\t", False),
    ("utf-16", "\t", False),  # Excel's "Unicode-tekst": UTF-16 with its BOM, tab-separated
])
def test_every_way_excel_saves_a_csv_reads_the_same(encoding, delimiter, bom):
    content = excel_csv(EXCEL_ROWS, encoding=encoding, delimiter=delimiter, bom=bom)
    reports = plan_jobs(read_plan(content, "plan.csv"), TODAY)
    assert [len(r.jobs) for r in reports] == [3, 1, 2]
    assert reports[0].child == "Åse Ærø Sørensen"


def test_headers_ignore_case_spaces_and_unknown_columns():
    content = excel_csv([[" NAVN ", "fødsels dato", "Bemærkninger", "FORMULARER", "Næste  Møde"],
                         ["Bo", "01-02-2022", "husk tolk", "opfølgning", "5. januar 2027"]])
    [report] = plan_jobs(read_plan(content, "plan.csv"), TODAY)
    assert report.ok, report.problems
    assert [j.filename for j in report.jobs] == ["Dagsorden opfølgende møde – Bo – 05-01-2027.docx"]


def test_rows_excel_saved_short_count_as_empty_cells():
    content = b"navn;formularer;format;m\xf8der\r\nBo;samtykke\r\nAnna;samtykke;pdf;\r\n;;;\r\n"
    reports = plan_jobs(read_plan(content, "plan.csv"), TODAY)
    assert [r.ok for r in reports] == [True, True]
    assert [r.jobs[0].filename for r in reports] == ["Samtykke – Bo – 23-11-2026.docx",
                                                        "Samtykke – Anna – 23-11-2026.pdf"]


@pytest.mark.parametrize("content, message", [
    (b"PK\x03\x04rest of a workbook", "Excel-projektmappe"),
    ("barn nr;dato\r\n1;2\r\n".encode("cp1252"), "navn"),
    ("navn;møder\r\nBo;12-01-2027\r\n".encode("cp1252"), "formularer"),
    ("navn;formularer;Navn\r\nBo;samtykke;Bo\r\n".encode("cp1252"), "mere end én gang"),
    (b"\r\n \r\n", "tom"),
])
def test_a_csv_that_cannot_be_a_plan_says_why(content, message):
    with pytest.raises(PlanError, match=message):
        read_plan(content, "plan.csv")


def test_a_json_plan_with_a_bom_is_still_json():
    content = b"\xef\xbb\xbf" + json.dumps({"entries": [
        {"child": {"name": "Bo"}, "forms": ["samtykke"]}]}).encode()
    [report] = plan_jobs(read_plan(content, "plan.txt"), TODAY)
    assert report.ok and report.row is None


@pytest.mark.parametrize("name, form_id", [
    ("samtykke", "consent"), ("Samtykke", "consent"), ("consent", "consent"),
    ("første møde", "first_meeting"), ("Første", "first_meeting"), ("foerste moede", "first_meeting"),
    ("forste mode", "first_meeting"), ("first_meeting", "first_meeting"),
    ("opfølgning", "follow_up_meeting"), ("Opfølgning", "follow_up_meeting"),
    ("OPFØLGENDE MØDE", "follow_up_meeting"), ("opfølgende  møde", "follow_up_meeting"),
    ("netværkskort", "network_map"), ("Netvaerkskort", "network_map"), ("network_map", "network_map"),
    ("skat", None), ("", None), (3, None),
])
def test_forms_by_their_danish_names(name, form_id):
    assert form_id_of(name) == form_id


@pytest.mark.parametrize("cell, dates", [
    ("12-01-2027, 16-03-2027", ["12-01-2027", "16-03-2027"]),
    ("12-01-2027;16-03-2027", ["12-01-2027", "16-03-2027"]),
    ("12-01-2027|16-03-2027", ["12-01-2027", "16-03-2027"]),
    ("12-01-2027\n16-03-2027", ["12-01-2027", "16-03-2027"]),
    ("12-01-2027 16-03-2027", ["12-01-2027", "16-03-2027"]),
    ("10. marts 2027 og 12. maj 2027", ["10. marts 2027", "12. maj 2027"]),
    ("10/3 27 12/5 27", ["10/3 27", "12/5 27"]),
    ("10/3 2027", ["10/3 2027"]),
    ("2027-01-12", ["2027-01-12"]),
    ("12-01-2027 i morgen", ["12-01-2027", "i morgen"]),  # kept, so the check names it
    ("", []),
])
def test_several_dates_in_one_cell(cell, dates):
    assert split_dates(cell) == dates


def test_a_row_with_three_problems_lists_all_three_with_their_column():
    content = excel_csv([EXCEL_ROWS[0], ["Bo Bæk", "31-02-2020", "Kløverengen", "Sol",
                                         "samtykke, skattekort", "odt", "", ""]])
    [report] = plan_jobs(read_plan(content, "plan.csv"), TODAY)
    assert report.problems == [
        "Fødselsdato: Datoen 31-02-2020 findes ikke. Skriv datoen som dd-mm-åååå, fx 10-03-2026.",
        "Format: »odt« kendes ikke. Skriv docx (Word) eller pdf.",
        "Formularer: Ukendt formular 'skattekort'. Brug samtykke, første møde, opfølgning "
        "eller netværkskort.",
    ]
    assert not report.jobs


def test_problems_name_the_column_never_a_record_path():
    entry = {"child": {"name": " ", "birth_date": "i morgen"}, "forms": [],
             "meetings": "1-1-2020, 30-02-2027", "case_id": "A-17", "next_meeting": "snart"}
    [report] = plan_jobs([entry], TODAY)
    labels = [problem.split(":")[0] for problem in report.problems]
    assert labels == ["Navn", "Fødselsdato", "Sag", "Formularer", "Møder", "Møder", "Næste møde"]
    assert not any("child." in p or "birth_date" in p or "batch." in p for p in report.problems)


def test_a_birth_date_in_the_future_is_a_problem():
    [report] = plan_jobs([{"child": {"name": "Bo", "birth_date": "1-1-2027"},
                           "forms": ["samtykke"]}], TODAY)
    assert report.problems == ["Fødselsdato: 01-01-2027 ligger i fremtiden."]


def _minutes(next_date):
    return {"meeting": {"date": "2026-10-01", "leader": "Hanne"},
            "closing": {"next_meeting_date": next_date},
            "actions": [{"description": "Sprogleg", "responsible": "Bo", "deadline": "2026-12-01"}]}


def test_an_institution_batch_dates_each_child_from_its_own_minutes():
    entries = [{"child": {"name": name}, "forms": ["follow_up_meeting"], "case_id": case_id,
                "meetings": [], "previous": _minutes(day)}
               for name, case_id, day in (("Alma", 1, "2027-01-12"), ("Bo", 2, "2027-02-03"),
                                          ("Carl", 3, "2027-03-16"))]
    reports = plan_jobs(entries, TODAY)
    assert [r.jobs[0].data["meeting"]["date"] for r in reports] == [
        "2027-01-12", "2027-02-03", "2027-03-16"]
    assert [r.case_id for r in reports] == [1, 2, 3]
    assert all(r.jobs[0].data["reviewed_actions"][0]["description"] == "Sprogleg" for r in reports)
    # a date in the entry (a column, or one date for the whole batch) overrides the minutes
    [override] = plan_jobs([{**entries[0], "next_meeting": "5. februar 2027"}], TODAY)
    assert override.jobs[0].data["meeting"]["date"] == "2027-02-05"


def test_minutes_without_a_next_date_or_with_a_past_one():
    no_date, past = plan_jobs([
        {"child": {"name": "Alma"}, "forms": ["opfølgning"], "previous": _minutes(None)},
        {"child": {"name": "Bo"}, "forms": ["opfølgning"], "previous": _minutes("2026-11-01")}],
        TODAY)
    assert no_date.problems == ["Møder: der er valgt mødeformularer, men ingen mødedatoer. "
                                "Skriv datoerne i planen eller i referatet fra sidste møde, "
                                "fx 12-01-2027, 16-03-2027."]
    assert past.problems == ["Næste møde: referatet siger 01-11-2026, og den dato er i "
                             "fortiden. Skriv den nye dato i planen."]


def test_a_follow_up_alone_gets_every_date_and_chains_the_previous_date():
    [report] = plan_jobs([{"child": {"name": "Bo"}, "forms": ["opfølgning"],
                           "meetings": "16-03-2027, 12-01-2027, 12-01-2027"}], TODAY)
    assert [j.data["meeting"]["date"] for j in report.jobs] == ["2027-01-12", "2027-03-16"]
    assert [j.data["since_last"]["previous_meeting_date"] for j in report.jobs] == [
        None, "2027-01-12"]


def test_a_first_meeting_and_follow_up_need_two_dates():
    [report] = plan_jobs([{"child": {"name": "Bo"}, "forms": ["første møde", "opfølgning"],
                           "meetings": ["12-01-2027"]}], TODAY)
    assert report.problems == ["Møder: et opfølgende møde kræver en dato efter det første møde "
                               "(12-01-2027) eller referatet fra det forrige møde."]


@pytest.mark.parametrize("n, text", [(0, "0 sager"), (1, "1 sag"), (2, "2 sager"),
                                     (21, "21 sager")])
def test_plural(n, text):
    assert plural(n, "sag", "sager") == text


def test_danish_counts_in_the_summary():
    one = BatchSummary(1, [EntryReport(2, "Bo", ["x"])])
    assert one.describe("a.zip") == "1 dokument skrevet til a.zip; 1 række kunne ikke bruges."
    assert BatchSummary(2, []).describe() == "2 dokumenter lavet."
    assert BatchSummary(0, [EntryReport(1, "", ["x"])] * 2).describe() == (
        "0 dokumenter lavet; 2 rækker kunne ikke bruges.")


def _manifest(documents, problems=()):
    archive = zipfile.ZipFile(io.BytesIO(b"".join(stream_zip(documents, problems))))
    rows = list(csv.reader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig")),
                           delimiter=";"))
    text = archive.read("manifest.txt").decode("utf-8-sig")
    return json.loads(archive.read("manifest.json")), rows, text


REQUIRED = {"code": "required", "severity": "error", "path": "meeting.leader",
            "message": "Mødeleder skal udfyldes."}
MISSING = {"code": "meeting.parent_missing", "severity": "error", "path": "participants",
           "message": "Der skal være mindst én forælder."}
WARNING = {"code": "meeting.agenda_not_sent", "severity": "warning", "path": "meeting.agenda_sent",
           "message": "Dagsordenen skulle være sendt."}
ERROR = {"code": "consent.prefilled", "severity": "error", "path": "information",
         "message": "Der er sat kryds på forhånd."}


def test_blank_fields_are_not_fejl_in_the_manifest():
    manifest, rows, text = _manifest([(1, "Bo/01-first_meeting.docx", b"x", [REQUIRED, MISSING])])
    assert rows[0] == ["række", "fil", "sha256", "fejl", "advarsler", "beskeder",
                       "tomme felter", "felter at udfylde"]
    assert rows[1][3:] == ["0", "0", "", "2",
                           "Mødeleder skal udfyldes. | Der skal være mindst én forælder."]
    assert manifest[0]["errors"] == 0 and manifest[0]["blank_fields"] == 2
    assert [f["blank_field"] for f in manifest[0]["findings"]] == [True, True]
    assert "1 dokument til 1 barn." in text and "0 fejl og 0 advarsler" in text
    assert "er ikke fejl" in text and "2 tomme felter" in text
    assert text.count("\r\n") > 5 and "\n" not in text.replace("\r\n", "")  # for Notepad


def test_real_findings_count_with_danish_plurals():
    manifest, rows, text = _manifest(
        [(1, "Bo/01-consent.docx", b"x", [ERROR, WARNING, REQUIRED]),
         (2, "Ida/01-first_meeting.docx", b"y", [WARNING, WARNING]),
         (2, "Ida/02-follow_up_meeting.docx", None, [{"code": "batch.failed", "severity": "error",
                                                      "path": "", "message": "Kunne ikke laves."}])],
        [(3, "Carl", ["Navn: barnets navn mangler.", "Formularer: der er ikke valgt nogen."])])
    assert [row[3:5] for row in rows[1:]] == [["2", "0"], ["1", "1"], ["0", "2"], ["1", "0"]]
    assert "2 dokumenter til 2 børn." in text
    assert "1 dokument kunne ikke laves." in text
    assert "1 række i planen kunne ikke bruges" in text
    assert "I de lavede dokumenter: 1 fejl og 3 advarsler." in text
    assert "1 tomt felt til at blive udfyldt" in text
    assert "Række 3 (Carl):\r\n  - Navn: barnets navn mangler." in text
    assert "Ida/02-follow_up_meeting.docx (ikke lavet):\r\n  - Fejl: Kunne ikke laves." in text
    assert "Bo/01-consent.docx:\r\n  - Fejl: Der er sat kryds på forhånd.\r\n  - Advarsel:" in text
    assert "Mødeleder" not in text.split("Om tomme felter")[1]


def test_a_real_batch_of_blank_forms_has_no_fejl():
    plan = json.dumps({"entries": [{"child": {"name": "Bo", "birth_date": "01-02-2022"},
                                    "forms": ["samtykke", "første møde"],
                                    "meetings": ["12-01-2027"]}]}).encode()
    out = io.BytesIO()
    run_batch(plan, "plan.json", out, produce=HOLBAEK, today=TODAY)
    archive = zipfile.ZipFile(out)
    manifest = json.loads(archive.read("manifest.json"))
    assert all(row["errors"] == 0 and row["blank_fields"] > 0 for row in manifest), manifest
    assert "0 fejl" in archive.read("manifest.txt").decode("utf-8-sig")


def test_manifest_zip_to_a_file(tmp_path):
    with (tmp_path / "a.zip").open("wb") as target:
        archive = ManifestZip(target)
        archive.add(1, "Bo/01-consent.docx", b"x", [])
        archive.close()
    assert sorted(zipfile.ZipFile(tmp_path / "a.zip").namelist()) == [
        "Bo/01-consent.docx", "manifest.csv", "manifest.json", "manifest.txt"]
