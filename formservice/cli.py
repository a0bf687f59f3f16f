"""formservice command line: forms, validate, render, parse.

Exit codes (DESIGN.md): 0 fine, 1 errors in the data, 2 unusable input (reason on stderr).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import ConfigError, load_profile
from .documents.errors import DocumentError
from .forms import FORMS, UnknownForm, get_form
from .services import accounts, batches, forms
from .services.errors import ServiceError
from .services.unit_of_work import SYSTEM

MAX_INPUT_BYTES = 20 * 1024 * 1024


class UsageError(Exception):
    """Input the command cannot use; the message says why, in Danish."""


def _read_bytes(path: str) -> bytes:
    try:
        file = Path(path)
        if file.stat().st_size > MAX_INPUT_BYTES:
            raise UsageError(f"{path}: filen er større end {MAX_INPUT_BYTES // (1024 * 1024)} MB.")
        return file.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: filen findes ikke.") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: er en mappe, ikke en fil.") from None
    except PermissionError:
        raise UsageError(f"{path}: ingen adgang til filen.") from None


def _read_data(form_id: str, path: str):
    raw = _read_bytes(path)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UsageError(f"{path}: filen er ikke UTF-8-kodet tekst.") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: ugyldig JSON i linje {exc.lineno}, kolonne {exc.colno}: "
                         f"{exc.msg}.") from None
    if isinstance(data, dict) and "form" in data and "data" in data:  # a whole record
        if data["form"] != form_id:
            raise UsageError(f"{path}: posten er formularen '{data['form']}', ikke '{form_id}'.")
        data = data["data"]
    if not isinstance(data, dict):
        raise UsageError(f"{path}: formularens data skal være et JSON-objekt.")
    return data


def _print_json(value):
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _findings(checked) -> list[dict]:
    return [finding.as_dict() for finding in checked.findings]


def cmd_forms(args) -> int:
    for form in FORMS.values():
        print(f"{form.id}\tversion {form.version}\t{form.title}")
    return 0


def _profile():
    """The municipality's profile (FORMSERVICE_PROFILE and the single settings), with its
    form options applied to this process."""
    from .bootstrap import apply_profile
    profile = load_profile()
    apply_profile(profile)
    return profile


def cmd_validate(args) -> int:
    get_form(args.form)
    checked = forms.validate(_profile(), args.form, _read_data(args.form, args.data))
    _print_json(_findings(checked))
    return 0 if checked.ok else 1


def _format_of(output: str) -> str:
    suffix = Path(output).suffix.lower().lstrip(".")
    if suffix not in forms.FORMATS:
        raise UsageError(f"{output}: ukendt filtype; brug .docx eller .pdf.")
    return suffix


def cmd_render(args) -> int:
    get_form(args.form)
    fmt = _format_of(args.output)
    if args.blank == bool(args.data):
        raise UsageError("Angiv enten en datafil eller --blank.")
    data = {} if args.blank else _read_data(args.form, args.data)
    if args.flatten and fmt != forms.PDF:
        raise UsageError("--flatten gælder kun PDF (-o ….pdf).")
    profile = _profile()
    shape = forms.validate(profile, args.form, data)
    if shape.data is None:
        _print_json(_findings(shape))
        return 1
    document, checked = forms.render(profile, args.form, data, fmt, flatten=args.flatten)
    _write(args.output, document)
    if checked.findings and not args.blank:
        json.dump(_findings(checked), sys.stderr, ensure_ascii=False, indent=2)
        sys.stderr.write("\n")
    return 0


def _write(output: str, content: bytes):
    target = Path(output)
    temporary = target.with_name(target.name + ".part")
    try:
        temporary.write_bytes(content)
        temporary.replace(target)
    except OSError as exc:
        raise UsageError(f"{output}: kan ikke skrive filen ({exc.strerror}).") from None


def cmd_parse(args) -> int:
    _print_json(forms.parse(_profile(), _read_bytes(args.file)).as_dict())
    return 0


def cmd_serve(args) -> int:
    import waitress

    from .app import create_app
    app = create_app()
    app.extensions["formservice"].start_sweeper()  # batches left by a killed service go on
    print(f"formservice kører på http://{args.host}:{args.port}/ (database: "
          f"{app.config['DATABASE_URL'].split('@')[-1]})", file=sys.stderr)
    # waitress refuses a body over its own limit with a bare English text/plain 413; keep it
    # above the app's, so a body somewhat too large gets the app's Danish JSON answer.
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads,
                   max_request_body_size=2 * app.config["MAX_CONTENT_LENGTH"], ident="formservice")
    return 0


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise UsageError("Der er ingen terminal at skrive adgangskoden i. Brug --password-stdin, "
                         "og send adgangskoden på standard input.")
    import getpass
    first = getpass.getpass("Adgangskode: ")
    if getpass.getpass("Gentag adgangskode: ") != first:
        raise UsageError("Adgangskoderne er ikke ens.")
    return first


def _services():
    from .bootstrap import build
    return build(runner=False)


def cmd_users_create(args) -> int:
    built = _services()
    try:
        user = accounts.new_user(built.uow(), SYSTEM, args.username, args.name or args.username,
                                 args.role, _password(args), args.institution or [])
    except accounts.AccountError as exc:
        raise UsageError(str(exc)) from None
    finally:
        built.dispose()
    print(f"Bruger '{user.username}' ({user.role}) oprettet.")
    return 0


def cmd_users_token(args) -> int:
    built = _services()
    try:
        print(accounts.new_token(built.uow(), SYSTEM, args.name, username=args.username))
    finally:
        built.dispose()
    return 0


class ProgressBar:
    """A progress bar on stderr: "[#####.....]  512/1000 dokumenter"."""

    def __init__(self, stream=None, width=30):
        self.stream, self.width, self.shown = stream or sys.stderr, width, -1

    def __call__(self, done: int, total: int):
        percent = 100 if total == 0 else done * 100 // total
        if percent == self.shown and done != total:
            return
        self.shown = percent
        filled = self.width * percent // 100
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done:>6}/{total} "
                          f"dokumenter ({percent} %)")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def cmd_batch(args) -> int:
    import datetime as dt

    from .series.batch import PlanError
    plan = _read_bytes(args.plan)
    target = Path(args.output)
    temporary = target.with_name(target.name + ".part")
    today = dt.date.fromisoformat(args.today) if args.today else None
    try:
        with temporary.open("wb") as out:
            summary = batches.run_plan(_profile(), plan, args.plan, out, today=today,
                                       progress=ProgressBar())
    except PlanError as exc:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"{args.plan}: {exc}") from None
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"{args.output}: kan ikke skrive filen ({exc.strerror}).") from None
    temporary.replace(target)
    for report in summary.invalid:
        name = f" ({report.child})" if report.child else ""
        print(f"Række {report.entry}{name}: " + " ".join(report.problems), file=sys.stderr)
    print(summary.describe(args.output), file=sys.stderr)
    return 1 if summary.invalid else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="formservice",
                                     description="Formularer til udviklings- og netværksmøder.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("forms", help="vis formularerne").set_defaults(run=cmd_forms)
    validate = commands.add_parser("validate", help="tjek data for en formular")
    validate.add_argument("form")
    validate.add_argument("data")
    validate.set_defaults(run=cmd_validate)
    render = commands.add_parser("render", help="udfyld en formular")
    render.add_argument("form")
    render.add_argument("data", nargs="?")
    render.add_argument("--blank", action="store_true", help="den tomme formular")
    render.add_argument("-o", "--output", required=True)
    render.add_argument("--flatten", action="store_true",
                        help="PDF uden formularfelter, med værdierne trykt på siden")
    render.set_defaults(run=cmd_render)
    parse = commands.add_parser("parse", help="læs en udfyldt formular")
    parse.add_argument("file")
    parse.set_defaults(run=cmd_parse)
    batch = commands.add_parser("batch", help="lav mange formularer efter en plan (JSON eller CSV)")
    batch.add_argument("plan")
    batch.add_argument("-o", "--output", required=True, help="ZIP-filen")
    batch.add_argument("--today", help=argparse.SUPPRESS)  # tests: the date "in the past" is judged by
    batch.set_defaults(run=cmd_batch)
    serve = commands.add_parser("serve", help="kør tjenesten (SQLite og ingen kø som standard)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=8)
    serve.set_defaults(run=cmd_serve)
    users = commands.add_parser("users", help="brugere").add_subparsers(dest="users", required=True)
    create = users.add_parser("create", help="opret en bruger")
    create.add_argument("username")
    create.add_argument("--name", help="fulde navn")
    create.add_argument("--role", required=True, choices=("staff", "caseworker", "admin"))
    create.add_argument("--institution", action="append",
                        help="institution (kan gentages); oprettes hvis den ikke findes")
    create.add_argument("--password-stdin", action="store_true",
                        help="læs adgangskoden fra standard input")
    create.set_defaults(run=cmd_users_create)
    token = users.add_parser("token", help="nyt personligt API-token til en bruger")
    token.add_argument("username")
    token.add_argument("--name", default="cli")
    token.set_defaults(run=cmd_users_token)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the reason
        return 2 if exc.code else 0
    try:
        return args.run(args)
    except (UsageError, DocumentError, UnknownForm, ConfigError, ServiceError) as exc:
        print(f"formservice: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
