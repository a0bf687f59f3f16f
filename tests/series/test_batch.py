"""Batch plans: every entry checked on its own, bad ones reported, the rest produced."""
import datetime as dt
import io
import json
import zipfile

import pytest

from formservice.cli import main
from formservice.series.batch import PlanError, plan_jobs, read_plan
from formservice.config import Profile
from formservice.services.batches import produce
from formservice.series.run import run_batch

TODAY = dt.date(2026, 11, 23)


def HOLBAEK(job):  # noqa: N802 - makes one document, as the services do
    return produce(Profile(name="Holbæk Kommune"), job)


def _plan(*entries):
    return json.dumps({"entries": list(entries)}).encode()


GOOD = {"child": {"name": "Alma Sørensen", "birth_date": "2021-11-23"},
        "forms": ["consent", "first_meeting", "follow_up_meeting"], "format": "docx",
        "meetings": ["2027-01-12", "2027-03-16"]}


def test_series_of_dates_gives_first_meeting_then_follow_ups():
    [report] = plan_jobs(read_plan(_plan(GOOD)), TODAY)
    assert report.ok
    assert [job.filename for job in report.jobs] == [
        "Samtykke – Alma Sørensen – 23-11-2026.docx",
        "Dagsorden første møde – Alma Sørensen – 12-01-2027.docx",
        "Dagsorden opfølgende møde – Alma Sørensen – 16-03-2027.docx"]
    follow_up = report.jobs[2].data
    assert follow_up["since_last"]["previous_meeting_date"] == "2027-01-12"
    assert follow_up["child"]["name"] == "Alma Sørensen"


def test_follow_up_from_previous_minutes_carries_open_actions():
    previous = {"meeting": {"date": "2026-10-01", "leader": "Hanne"},
                "child": {"name": "Alma Sørensen"},
                "actions": [{"description": "Sprogleg", "responsible": "Bo", "deadline": "2026-12-01"}]}
    entry = {"child": {"name": "Alma Sørensen"}, "forms": ["follow_up_meeting"],
             "meetings": ["2027-01-12"], "previous": previous}
    [report] = plan_jobs(read_plan(_plan(entry)), TODAY)
    [job] = report.jobs
    assert [a["description"] for a in job.data["reviewed_actions"]] == ["Sprogleg"]
    assert job.data["meeting"]["leader"] == "Hanne"


@pytest.mark.parametrize("entry, reason", [
    ({**GOOD, "forms": ["tax_return"]}, "Ukendt formular 'tax_return'"),
    ({**GOOD, "child": {"birth_date": "2021-11-23"}}, "Navn: barnets navn mangler"),
    ({**GOOD, "meetings": ["2025-01-01"]}, "Møder: mødedatoen 01-01-2025 er i fortiden"),
    ({**GOOD, "meetings": ["31-02-2027"]}, "Møder: Datoen 31-02-2027 findes ikke"),
    ({**GOOD, "format": "odt"}, "Format: »odt« kendes ikke"),
    ({**GOOD, "child": {"name": "Ida", "birth_date": "i går"}},
     "Fødselsdato: »i går« kan ikke læses som en dato. Skriv datoen som dd-mm-åååå"),
    ("not an object", "ikke et JSON-objekt"),
])
def test_bad_entries_are_reported_and_the_rest_produced(entry, reason):
    reports = plan_jobs(read_plan(_plan(GOOD, entry)), TODAY)
    assert reports[0].ok and len(reports[0].jobs) == 3
    assert not reports[1].ok and not reports[1].jobs
    assert any(reason in problem for problem in reports[1].problems), reports[1].problems


def test_csv_plan_with_a_broken_row():
    csv_text = ("navn;fødselsdato;institution;stue;formularer;format;møder\n"
                "Alma Sørensen;2021-11-23;Kløverengen;Solstuen;consent|network_map;pdf;\n"
                "Noah;2020-01-01;Kløverengen;\n"
                "Ida Ærø;2020-02-02;Kløverengen;Måne;first_meeting;docx;2027-01-05\n").encode()
    reports = plan_jobs(read_plan(csv_text, "plan.csv"), TODAY)
    assert [r.ok for r in reports] == [True, False, True]
    assert reports[1].row == 3 and reports[1].child == "Noah"
    assert reports[1].problems == ["Formularer: der er ikke valgt nogen formularer. Skriv fx "
                                   "samtykke, første møde, opfølgning eller netværkskort."]
    assert [j.filename for j in reports[0].jobs] == [
        "Samtykke – Alma Sørensen – 23-11-2026.pdf", "Netværkskort – Alma Sørensen – 23-11-2026.pdf"]


@pytest.mark.parametrize("content", [
    "navn;formularer\nÅse Ærø;consent\n".encode("cp1252") + b"\x81",  # undefined in cp1252
    b"\xff\xfenavn;x\n",            # a UTF-16 BOM before bytes that are not UTF-16
    "navn;formularer\nÅse;consent\n".encode("utf-8") + b"\x00",
])
def test_csv_in_neither_utf8_nor_cp1252_is_a_plan_error(content):
    with pytest.raises(PlanError, match="hverken UTF-8 eller Windows-1252"):
        read_plan(content, "plan.csv")


def test_csv_with_extra_cells_in_a_row_says_so():
    content = "navn;formularer\nÅse;samtykke;pdf\nBo;samtykke\n".encode()
    bad, good = plan_jobs(read_plan(content, "plan.csv"), TODAY)
    assert good.ok and not bad.ok and bad.child == "Åse"
    assert bad.problems == ["Rækken har 3 felter, men overskriften har 2. Står der et "
                            "skilletegn (semikolon) i et felt uden anførselstegn?"]


def test_run_writes_zip_with_folders_and_manifest():
    out = io.BytesIO()
    seen = []
    summary = run_batch(_plan(GOOD, {**GOOD, "forms": ["nope"]}), "plan.json", out,
                        produce=HOLBAEK, today=TODAY,
                        progress=lambda done, total: seen.append((done, total)))
    archive = zipfile.ZipFile(out)
    names = archive.namelist()
    assert "Alma Sørensen (23-11-2021)/Samtykke – Alma Sørensen – 23-11-2026.docx" in names
    manifest = json.loads(archive.read("manifest.json"))
    assert len([row for row in manifest if row["file"]]) == 3
    assert [row["entry"] for row in manifest if row["file"] is None] == [2]
    assert seen[-1] == (3, 3)
    assert summary.documents == 3 and [r.entry for r in summary.invalid] == [2]
    import hashlib
    for row in manifest:
        if row["file"]:
            assert hashlib.sha256(archive.read(row["file"])).hexdigest() == row["sha256"]


def test_cli_batch_exit_codes(tmp_path, capsys):
    plan = tmp_path / "plan.json"
    plan.write_bytes(_plan(GOOD))
    assert main(["batch", str(plan), "-o", str(tmp_path / "a.zip"), "--today", "2026-11-23"]) == 0
    assert "100 %" in capsys.readouterr().err
    plan.write_bytes(_plan(GOOD, {**GOOD, "meetings": ["2020-01-01"]}))
    assert main(["batch", str(plan), "-o", str(tmp_path / "b.zip"), "--today", "2026-11-23"]) == 1
    assert "fortiden" in capsys.readouterr().err
    plan.write_bytes(b"{broken")
    assert main(["batch", str(plan), "-o", str(tmp_path / "c.zip")]) == 2
    assert not (tmp_path / "c.zip").exists()
