"""The command line: exit codes of DESIGN.md, Danish reasons, never a traceback."""
import json
import subprocess
import sys

import pytest

from formservice.cli import main

SAMPLE_CHILD = {"child": {"name": "Ida"}}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_forms_lists_the_four_forms(capsys):
    code, out, _ = run(capsys, "forms")
    assert code == 0
    assert [line.split("\t")[0] for line in out.splitlines()] == [
        "first_meeting", "follow_up_meeting", "consent", "network_map"]


def test_render_and_parse_round_trip(tmp_path, capsys):
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"child": {"name": "Åse {{ x }}\nto"},
                                "purpose": {"purpose": "Drøfte trivsel & sprog"}}), "utf-8")
    code, _, _ = run(capsys, "render", "consent", str(data), "-o", str(tmp_path / "c.docx"))
    assert code == 0
    code, out, _ = run(capsys, "parse", str(tmp_path / "c.docx"))
    assert code == 0
    result = json.loads(out)
    assert result["form"] == "consent" and result["version"] == 1
    assert result["data"]["child"]["name"] == "Åse {{ x }}\nto"
    assert {"code", "severity", "path", "message"} <= set(result["findings"][0])


def test_render_blank(tmp_path, capsys):
    code, _, _ = run(capsys, "render", "network_map", "--blank", "-o", str(tmp_path / "b.docx"))
    assert code == 0 and (tmp_path / "b.docx").stat().st_size > 1000


@pytest.mark.parametrize("content, expected", [
    ("{not json", "ugyldig JSON"),
    ("[1, 2]", "JSON-objekt"),
    (b"\xff\xfe\x00", "UTF-8"),
])
def test_unusable_data_exits_2(tmp_path, capsys, content, expected):
    path = tmp_path / "bad.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = run(capsys, "validate", "consent", str(path))
    assert code == 2 and expected in err and "Traceback" not in err


def test_unknown_form_exits_2(tmp_path, capsys):
    path = tmp_path / "d.json"
    path.write_text("{}")
    code, _, err = run(capsys, "validate", "tax_return", str(path))
    assert code == 2 and "Ukendt formular 'tax_return'" in err


def test_wrong_types_give_findings_naming_the_field(tmp_path, capsys):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"meeting": {"date": "i morgen", "leader": 7},
                                "participants": [{"role": "king"}]}))
    code, out, _ = run(capsys, "validate", "first_meeting", str(path))
    findings = json.loads(out)
    assert code == 1
    assert {f["path"] for f in findings} == {"meeting.date", "meeting.leader", "participants.0.role"}
    assert all(f["severity"] == "error" for f in findings)


def test_missing_required_fields_exit_1(tmp_path, capsys):
    path = tmp_path / "d.json"
    path.write_text("{}")
    code, out, _ = run(capsys, "validate", "consent", str(path))
    paths = {f["path"] for f in json.loads(out)}
    assert code == 1 and {"child.name", "purpose.purpose"} <= paths


def test_render_refuses_wrongly_typed_data_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"child": {"name": ["x"]}}))
    code, out, _ = run(capsys, "render", "consent", str(path), "-o", str(tmp_path / "x.docx"))
    assert code == 1 and json.loads(out)[0]["path"] == "child.name"
    assert not (tmp_path / "x.docx").exists()


@pytest.mark.parametrize("content, expected", [
    (b"just text", "ikke et Word-dokument"),
    (b"%PDF-1.7\n", "PDF"),
])
def test_parse_of_unreadable_file_exits_2(tmp_path, capsys, content, expected):
    path = tmp_path / "f.docx"
    path.write_bytes(content)
    code, out, err = run(capsys, "parse", str(path))
    assert code == 2 and expected in err and out == ""


def test_missing_file_and_bad_suffix_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "parse", str(tmp_path / "nope.docx"))
    assert code == 2 and "findes ikke" in err
    code, _, err = run(capsys, "render", "consent", "--blank", "-o", str(tmp_path / "x.odt"))
    assert code == 2 and ".docx" in err


def test_bad_arguments_exit_2(capsys):
    code, _, _ = run(capsys, "render")
    assert code == 2


def test_installed_console_script_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "formservice.cli", "parse", str(tmp_path / "x")],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_pdf_render_parse_and_flatten(tmp_path, capsys):
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"child": {"name": "Şeyma Ødegård\n{{ x }}"}}), "utf-8")
    code, _, _ = run(capsys, "render", "consent", str(data), "-o", str(tmp_path / "c.pdf"))
    assert code == 0
    code, out, _ = run(capsys, "parse", str(tmp_path / "c.pdf"))
    assert code == 0 and json.loads(out)["data"]["child"]["name"] == "Şeyma Ødegård\n{{ x }}"
    code, _, _ = run(capsys, "render", "consent", str(data), "-o", str(tmp_path / "f.pdf"),
                     "--flatten")
    assert code == 0
    text = subprocess.run(["pdftotext", str(tmp_path / "f.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "Şeyma Ødegård" in text
    code, _, err = run(capsys, "parse", str(tmp_path / "f.pdf"))
    assert code == 2 and "fladgjort" in err


def test_flatten_needs_pdf(tmp_path, capsys):
    code, _, err = run(capsys, "render", "consent", "--blank", "--flatten", "-o",
                       str(tmp_path / "x.docx"))
    assert code == 2 and "PDF" in err


def test_blank_pdf(tmp_path, capsys):
    code, _, _ = run(capsys, "render", "first_meeting", "--blank", "-o", str(tmp_path / "b.pdf"))
    assert code == 0 and (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF-")
