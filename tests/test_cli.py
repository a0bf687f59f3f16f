"""The command line: exit codes of DESIGN.md, Danish reasons, never a traceback."""
import argparse
import json
import re
import subprocess
import sys

import pytest

from formservice.cli import build_parser, main

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


# --- accounts, the audit trail, retention, the database (against a SQLite file) -------------------

STRONG = "blå-cykel-under-æbletræet"


@pytest.fixture
def accounts_env(tmp_path, monkeypatch):
    """The CLI's settings: its own instance folder and SQLite database."""
    import os
    for key in [k for k in os.environ if k.startswith("FORMSERVICE_")]:
        monkeypatch.delenv(key)
    monkeypatch.delenv("DATABASE_OWNER_URL", raising=False)
    monkeypatch.setenv("FORMSERVICE_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'instance' / 'cli.sqlite3'}")
    return {**os.environ}


def run_with_input(capsys, monkeypatch, text, *argv):
    import io
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    return run(capsys, *argv)


def test_users_create_without_a_terminal_gives_a_danish_reason(accounts_env):
    result = subprocess.run([sys.executable, "-m", "formservice.cli", "users", "create", "anna",
                             "--role", "admin"], env=accounts_env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert "ingen terminal" in result.stderr and "--password-stdin" in result.stderr
    assert "Traceback" not in result.stderr
    closed = subprocess.run([sys.executable, "-m", "formservice.cli", "users", "set-password",
                             "anna"], env=accounts_env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True)
    assert closed.returncode == 2 and "ingen terminal" in closed.stderr


def test_users_and_tokens_from_the_command_line(accounts_env, capsys, monkeypatch):
    for text_in, reason in (("", "tom"), ("kort\n", "mindst 12 tegn"),
                            ("password1234\n", "for let at gætte")):
        code, _, err = run_with_input(capsys, monkeypatch, text_in, "users", "create", "anna",
                                      "--role", "admin", "--password-stdin")
        assert code == 2 and reason in err and "Traceback" not in err, err
    code, out, err = run_with_input(capsys, monkeypatch, STRONG + "\n", "users", "create", "anna",
                                    "--role", "staff", "--institution", "Kløveren",
                                    "--password-stdin")
    assert code == 0, err
    code, out, _ = run(capsys, "users", "list")
    assert code == 0
    assert out.splitlines() == ["brugernavn\tnavn\trolle\taktiv\tinstitutioner",
                                "anna\tanna\tstaff\tja\tKløveren"]

    code, token, err = run(capsys, "users", "token", "anna", "--name", "mobil")
    assert code == 0 and token.strip().startswith("fs_") and "udløber" in err
    code, out, _ = run(capsys, "tokens", "list", "anna")
    header, row = out.splitlines()
    assert header == "id\tnavn\toprettet\tudløber\tsidst brugt\tstatus"
    token_id, name, created, expires, used, state = row.split("\t")
    assert name == "mobil" and used == "-" and state == "aktiv"
    import datetime as dt
    lifetime = dt.datetime.fromisoformat(expires) - dt.datetime.fromisoformat(created)
    assert lifetime == dt.timedelta(days=90)

    assert run(capsys, "tokens", "revoke", token_id)[0] == 0
    code, _, err = run(capsys, "tokens", "revoke", token_id)
    assert code == 2 and "allerede tilbagekaldt" in err
    assert run(capsys, "tokens", "list", "anna")[1].splitlines()[1].endswith("\ttilbagekaldt")
    for argv, reason in ((["tokens", "revoke", "999"], "findes ikke"),
                         (["tokens", "list", "bo"], "findes ikke"),
                         (["users", "deactivate", "bo"], "findes ikke"),
                         (["users", "activate", "bo"], "findes ikke")):
        code, _, err = run(capsys, *argv)
        assert code == 2 and reason in err and "Traceback" not in err, argv
    assert run(capsys, "tokens", "revoke", "x")[0] == 2

    code, out, _ = run(capsys, "users", "deactivate", "anna")
    assert code == 0 and "deaktiveret" in out
    assert run(capsys, "users", "list")[1].splitlines()[1] == "anna\tanna\tstaff\tnej\tKløveren"
    assert run(capsys, "users", "activate", "anna")[0] == 0

    code, _, err = run_with_input(capsys, monkeypatch, "anna12345678\n", "users", "set-password",
                                  "anna", "--password-stdin")
    assert code == 2 and "for let at gætte" in err
    code, out, err = run_with_input(capsys, monkeypatch, "en helt anden sætning om kaffe\n",
                                    "users", "set-password", "anna", "--password-stdin")
    assert code == 0 and "Ny adgangskode" in out, err


def test_db_migrate_audit_and_retention_from_the_command_line(accounts_env, capsys):
    code, out, _ = run(capsys, "db", "migrate")
    assert code == 0 and "migreret til version" in out and "ejer" not in out
    code, out, _ = run(capsys, "audit", "export", "--case", "1", "--format", "csv")
    assert code == 0 and out.splitlines() == [
        "case_id,username,role,at,action,what,address,outcome"]
    code, out, _ = run(capsys, "retention", "run")
    assert code == 0 and out.startswith("Ville slette (prøvekørsel; --apply sletter): 0 sager")


def test_an_unreachable_database_is_a_danish_reason(accounts_env, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody:x@127.0.0.1:9/none")
    code, out, err = run(capsys, "users", "list")
    assert code == 2 and "databasen kan ikke nås" in err and "Traceback" not in err


def _every_parser(parser, path=()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _every_parser(child, path + (name,))


def test_the_whole_command_line_speaks_danish(capsys):
    """Every command's --help: Danish headings, "brug:", a Danish help text for every
    argument and option; none of argparse's English left."""
    english = re.compile(r"usage:|positional arguments|options:|optional arguments|"
                         r"show this help|error:|\bthe\b|\bof\b|\bfor a\b|\bwith\b")
    paths = list(_every_parser(build_parser()))
    assert len(paths) >= 20
    for path, parser in paths:
        code, out, err = run(capsys, *path, "--help")
        assert code == 0, path
        assert out.startswith("brug: formservice"), (path, out)
        assert not english.search(out), (path, english.search(out).group(), out)
        for action in parser._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, (path, action.dest)


@pytest.mark.parametrize("argv, expected", [
    (["render"], "formservice render: fejl: disse mangler: FORMULAR, -o/--output"),
    (["nope"], "formservice: fejl: KOMMANDO: ugyldigt valg 'nope'"),
    (["serve", "--port", "x"], "formservice serve: fejl: --port: 'x' er ikke et helt tal"),
    (["forms", "--mere"], "formservice: fejl: ukendte argumenter: --mere"),
])
def test_argument_errors_are_danish(capsys, argv, expected):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("brug: formservice") and expected in err, err


def _photo_of(pdf: bytes, form_id: str, data, writing: dict) -> bytes:
    from scan_photos import page_of, photographed, written_page

    from formservice.documents.page_layout import page_layouts
    page = page_of(page_layouts(form_id, data), next(iter(writing)))
    return photographed(written_page(pdf, form_id, data, page, writing=writing))


def test_parse_reads_a_photo_of_a_printed_blank_form(tmp_path, capsys, accounts_env):
    code, _, _ = run(capsys, "render", "consent", "--blank", "-o", str(tmp_path / "blank.pdf"))
    assert code == 0
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(_photo_of((tmp_path / "blank.pdf").read_bytes(), "consent", None,
                                {"custody_holders.0.name": "Mette Ørum"}))
    code, out, err = run(capsys, "parse", str(photo))
    assert code == 0, err
    read = json.loads(out)
    assert read["form"] == "consent" and len(read["scan"]["pages"]) == 1
    review = [f for f in read["findings"] if f["code"] == "scan.needs_review"]
    assert [f["path"] for f in review] == ["custody_holders.0.name"]
    assert "custody_holders.0.name" in read["scan"]["crops"]


def test_parse_of_a_photo_of_an_unknown_print_exits_2(tmp_path, capsys, accounts_env):
    from formservice.documents.pdf_fill import render_pdf
    from formservice.forms.record import load_data
    data = load_data("consent", {})[0]
    pdf, _ = render_pdf("consent", data, "Testkommune", document_id="ZZZZZZZZZZ")
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(_photo_of(pdf, "consent", data, {"custody_holders.0.name": "Mette Ørum"}))
    code, out, err = run(capsys, "parse", str(photo))
    assert code == 2 and out == "" and "ikke kan finde" in err and "Traceback" not in err
