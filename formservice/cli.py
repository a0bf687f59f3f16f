"""formservice command line: forms, validate, render, parse, batch; serve; users, tokens,
the audit trail, retention and the database's migrations.

Exit codes (DESIGN.md): 0 fine, 1 errors in the data, 2 unusable input or a refusal
(the reason, in Danish, on stderr; never a traceback).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import ConfigError, load_profile
from .documents.errors import DocumentError
from .forms import FORMS, UnknownForm, get_form
from .forms.danish import json_problem
from .services import accounts, audit, batches, forms, scans
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
        raise UsageError(f"{path}: ugyldig JSON i {json_problem(exc)}.") from None
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
    content, profile = _read_bytes(args.file), _profile()
    # a scan's pages printed for a case are read against their print, from the database
    parsed, scan = scans.parse_any(profile, content, lambda: _with_services(
        lambda built: scans.read_scan(built.uow(), SYSTEM, profile, content)))
    _print_json((scan or parsed).as_dict())
    return 0


def cmd_serve(args) -> int:
    import waitress

    from .app import create_app
    app = create_app()
    app.extensions["formservice"].start_sweeper()  # batches left by a killed service go on
    from .documents import sandbox
    sandbox.start(app.config["PARSE_WORKERS"])  # no upload waits for a reader to start
    print(f"formservice kører på http://{args.host}:{args.port}/ (database: "
          f"{app.config['DATABASE_URL'].split('@')[-1]})", file=sys.stderr)
    waitress.serve(app, **waitress_settings(app.config, args.host, args.port, args.threads))
    return 0


def waitress_settings(config: dict, host: str, port: int, threads: int) -> dict:
    """waitress' settings from the service's: slow or idle clients cannot hold the service.
    waitress reads requests (headers and body) without a thread, so a client sending slowly
    holds only a connection: connection_limit is set high above what slow clients take,
    channel_timeout closes one idle that long (checked every cleanup_interval seconds).
    Its own body limit answers with a bare English text/plain 413; it is kept above the
    app's (MAX_CONTENT_LENGTH), so a body somewhat too large gets the Danish JSON answer."""
    timeout = max(1, int(config["CHANNEL_TIMEOUT"]))
    return {"host": host, "port": port, "threads": threads, "ident": "formservice",
            "channel_timeout": timeout, "cleanup_interval": max(1, min(30, timeout // 2)),
            "connection_limit": max(1, int(config["CONNECTION_LIMIT"])),
            "max_request_body_size": max(int(config["MAX_REQUEST_BODY_SIZE"]),
                                         int(config["MAX_CONTENT_LENGTH"]) + 1)}


NO_TERMINAL = ("Der er ingen terminal at skrive adgangskoden i. Brug --password-stdin, "
               "og send adgangskoden på standard input.")


def _password(args) -> str:
    """The new password: one line of standard input (--password-stdin), or typed twice at
    a terminal. Read before anything is looked up, so nothing waits for it."""
    stdin = sys.stdin
    if args.password_stdin:
        if stdin is None:
            raise UsageError("Standard input er lukket; send adgangskoden på standard input.")
        try:
            line = stdin.readline()
        except (OSError, UnicodeDecodeError):
            raise UsageError("Adgangskoden på standard input kan ikke læses (UTF-8).") from None
        password = line.rstrip("\r\n")
        if not password:
            raise UsageError("Standard input er tom: send adgangskoden på første linje.")
        return password
    try:
        terminal = stdin is not None and stdin.isatty()
    except (OSError, ValueError):
        terminal = False
    if not terminal:
        raise UsageError(NO_TERMINAL)
    import getpass
    try:
        first = getpass.getpass("Adgangskode: ")
        again = getpass.getpass("Gentag adgangskode: ")
    except (EOFError, KeyboardInterrupt, OSError):
        raise UsageError("Ingen adgangskode skrevet.") from None
    if again != first:
        raise UsageError("Adgangskoderne er ikke ens.")
    return first


def _services():
    from .bootstrap import build
    return build(runner=False)


def _with_services(use):
    built = _services()
    try:
        return use(built)
    finally:
        built.dispose()


def cmd_users_create(args) -> int:
    password = _password(args)
    try:
        user = _with_services(lambda built: accounts.new_user(
            built.uow(), SYSTEM, args.username, args.name or args.username, args.role, password,
            args.institution or []))
    except accounts.AccountError as exc:
        raise UsageError(str(exc)) from None
    print(f"Bruger '{user.username}' ({user.role}) oprettet.")
    return 0


def cmd_users_token(args) -> int:
    made = _with_services(lambda built: accounts.new_token(
        built.uow(), SYSTEM, args.name, username=args.username,
        days=built.config["TOKEN_LIFETIME_DAYS"]))
    print(made.token)
    print(f"Token {made.id} udløber {_moment(made.expires_at)}.", file=sys.stderr)
    return 0


def _moment(value) -> str:
    """A stored time as ISO 8601 in UTC to the second ('-' for none)."""
    import datetime as dt
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()


def _table(header: list[str], rows: list[list]) -> None:
    print("\t".join(header))
    for row in rows:
        print("\t".join("-" if value is None else str(value) for value in row))


def cmd_users_list(args) -> int:
    users = _with_services(lambda built: accounts.list_users(built.uow(), SYSTEM))
    _table(["brugernavn", "navn", "rolle", "aktiv", "institutioner"],
           [[user.username, user.full_name, user.role, "ja" if user.active else "nej",
             ", ".join(inst.name for inst in user.institutions) or "-"] for user in users])
    return 0


def cmd_users_active(args) -> int:
    active = args.users == "activate"
    user = _with_services(lambda built: accounts.set_active(built.uow(), SYSTEM, args.username,
                                                            active))
    print(f"Brugeren '{user.username}' er {'aktiveret' if active else 'deaktiveret'}"
          + ("." if active else "; sessioner og tokens virker ikke længere."))
    return 0


def cmd_users_set_password(args) -> int:
    password = _password(args)
    user = _with_services(lambda built: accounts.set_password(built.uow(), SYSTEM, args.username,
                                                              password))
    print(f"Ny adgangskode sat for '{user.username}'; brugerens sessioner er afsluttet.")
    return 0


def cmd_tokens_list(args) -> int:
    tokens = _with_services(lambda built: accounts.tokens_of(built.uow(), SYSTEM,
                                                             username=args.username))
    states = {"active": "aktiv", "expired": "udløbet", "revoked": "tilbagekaldt"}
    _table(["id", "navn", "oprettet", "udløber", "sidst brugt", "status"],
           [[token.id, token.name, _moment(token.created_at), _moment(token.expires_at),
             _moment(token.last_used_at), states[accounts.token_state(token)]]
            for token in tokens])
    return 0


def cmd_tokens_revoke(args) -> int:
    token = _with_services(lambda built: accounts.revoke_token(built.uow(), SYSTEM, args.id))
    print(f"Token {token.id} ('{token.name}', {token.user.username}) er tilbagekaldt.")
    return 0


def cmd_audit_export(args) -> int:
    entries = _with_services(lambda built: audit.case_trail(built.uow(), SYSTEM, args.case))
    sys.stdout.write(audit.formatted(entries, args.format))
    return 0


def cmd_retention_run(args) -> int:
    def run(built):
        config = built.config
        return audit.run_retention(built.owner_uow(), SYSTEM,
                                   case_days=args.days or config["RETENTION_DAYS"],
                                   audit_days=args.audit_days or config["AUDIT_RETENTION_DAYS"],
                                   apply=args.apply)
    report = _with_services(run)
    print(report.describe())
    if report.cases:
        print("Sager: " + ", ".join(str(case) for case in report.cases))
    return 0


def cmd_db_migrate(args) -> int:
    from .bootstrap import migrate_database
    from .config import load_config
    from .storage import db
    settings = load_config({"AUTO_MIGRATE": False})
    migrate_database(settings)
    engine = db.make_engine(settings["DATABASE_URL"])
    try:
        revision = db.revision(engine)
    finally:
        engine.dispose()
    db.protect_sqlite_file(settings["DATABASE_URL"])
    owner = " som ejer-rollen (DATABASE_OWNER_URL)" if settings.get("DATABASE_OWNER_URL") else ""
    print(f"Databasen er migreret{owner} til version {revision}.")
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


class DanishHelpFormatter(argparse.HelpFormatter):
    """argparse's help in Danish: "brug:" before the usage line."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "brug: " if prefix is None else prefix)


# argparse's own messages (English, from its gettext calls) as a person reads them in Danish.
_ARGPARSE_MESSAGES = (
    (r"the following arguments are required: (.*)", r"disse mangler: \1"),
    (r"unrecognized arguments: (.*)", r"ukendte argumenter: \1"),
    (r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)",
     r"\1: ugyldigt valg \2 (vælg mellem \3)"),
    (r"argument (.*?): expected one argument", r"\1: mangler en værdi"),
    (r"argument (.*?): expected at least one argument", r"\1: mangler mindst én værdi"),
    (r"argument (.*?): invalid int value: (.*)", r"\1: \2 er ikke et helt tal"),
    (r"argument (.*?): invalid (\w+) value: (.*)", r"\1: \3 er ikke en gyldig værdi"),
    (r"argument (.*?): not allowed with argument (.*)", r"\1 kan ikke bruges sammen med \2"),
    (r"argument (.*?): ignored explicit argument (.*)", r"\1: tager ingen værdi (\2)"),
    (r"ambiguous option: (.*?) could match (.*)", r"\1 er tvetydigt: det kan være \2"),
    (r"argument (.*?): (.*)", r"\1: \2"),
)


def danish_argparse_message(message: str) -> str:
    import re
    for pattern, replacement in _ARGPARSE_MESSAGES:
        if re.fullmatch(pattern, message, flags=re.DOTALL):
            return re.sub(pattern, replacement, message, count=1, flags=re.DOTALL)
    return message


class DanishArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Danish: its headings ("argumenter", "tilvalg"), the
    help option, "brug:" and its error messages ("formservice render: fejl: …")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", DanishHelpFormatter)
        kwargs["add_help"] = False
        if kwargs.get("help") and not kwargs.get("description"):
            kwargs["description"] = kwargs["help"][:1].upper() + kwargs["help"][1:] + "."
        kwargs.pop("help", None)
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenter"
        self._optionals.title = "tilvalg"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="vis denne hjælp, og afslut")

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fejl: {danish_argparse_message(message)}\n")


def _commands(parser, dest: str, title: str = "kommandoer"):
    return parser.add_subparsers(dest=dest, required=True, title=title, metavar="KOMMANDO",
                                 parser_class=DanishArgumentParser)


def _add(commands, name: str, text: str):
    """A (sub)command with its Danish help in the list and as its own description."""
    return commands.add_parser(name, help=text, description=text[:1].upper() + text[1:] + ".")


def build_parser() -> argparse.ArgumentParser:
    parser = DanishArgumentParser(
        prog="formservice", description="Formularer til udviklings- og netværksmøder: "
        "udfyld, kontrollér og læs formularer, lav mange på én gang, og kør tjenesten.",
        epilog="Afslutningskoder: 0 i orden, 1 fejl i data, 2 ubrugelige input eller en "
               "afvisning (grunden står på standard error). Skriv »formservice KOMMANDO -h« "
               "for hjælp til en kommando.")
    commands = _commands(parser, "command")
    _add(commands, "forms", "vis formularerne").set_defaults(run=cmd_forms)
    validate = _add(commands, "validate", "kontrollér data til en formular (fejl og advarsler)")
    validate.add_argument("form", metavar="FORMULAR",
                          help="formularens navn: consent, first_meeting, follow_up_meeting "
                               "eller network_map (se »formservice forms«)")
    validate.add_argument("data", metavar="DATAFIL", help="formularens data som JSON")
    validate.set_defaults(run=cmd_validate)
    render = _add(commands, "render", "udfyld en formular som Word eller PDF")
    render.add_argument("form", metavar="FORMULAR", help="formularens navn (se »formservice forms«)")
    render.add_argument("data", nargs="?", metavar="DATAFIL",
                        help="formularens data som JSON (udelades med --blank)")
    render.add_argument("--blank", action="store_true", help="den tomme formular")
    render.add_argument("-o", "--output", required=True, metavar="FIL",
                        help="filen der skrives: .docx eller .pdf")
    render.add_argument("--flatten", action="store_true",
                        help="PDF uden formularfelter, med værdierne trykt på siden")
    render.set_defaults(run=cmd_render)
    parse = _add(commands, "parse", "læs en udfyldt formular (Word eller PDF, eller en "
                 "scanning eller et foto af en udskrevet formular) og vis data og fund")
    parse.add_argument("file", metavar="FIL", help="den udfyldte .docx- eller .pdf-fil, eller en scanning (.pdf, .jpg, "
                            ".png)")
    parse.set_defaults(run=cmd_parse)
    batch = _add(commands, "batch", "lav mange formularer efter en plan (JSON eller CSV)")
    batch.add_argument("plan", metavar="PLAN", help="planen: en CSV-fil fra Excel eller en JSON-fil")
    batch.add_argument("-o", "--output", required=True, metavar="ZIP", help="ZIP-filen der skrives")
    batch.add_argument("--today", help=argparse.SUPPRESS)  # tests: the date "in the past" is judged by
    batch.set_defaults(run=cmd_batch)
    serve = _add(commands, "serve", "kør tjenesten (SQLite og ingen kø som standard)")
    serve.add_argument("--host", default="127.0.0.1", metavar="VÆRT",
                       help="adressen der lyttes på (standard 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, metavar="PORT",
                       help="porten (standard 8000)")
    serve.add_argument("--threads", type=int, default=8, metavar="ANTAL",
                       help="antal tråde til forespørgsler (standard 8)")
    serve.set_defaults(run=cmd_serve)
    users = _commands(_add(commands, "users", "brugere: opret, vis, stop, ny adgangskode, "
                                              "API-token"), "users")
    create = _add(users, "create", "opret en bruger")
    create.add_argument("username", metavar="BRUGERNAVN", help="det navn, brugeren logger ind med")
    create.add_argument("--name", metavar="NAVN", help="fulde navn")
    create.add_argument("--role", required=True, choices=("staff", "caseworker", "admin"),
                        help="staff (institutionens personale), caseworker (sagsbehandler) "
                             "eller admin (administrator)")
    create.add_argument("--institution", action="append", metavar="INSTITUTION",
                        help="institution (kan gentages); oprettes hvis den ikke findes")
    create.add_argument("--password-stdin", action="store_true",
                        help="læs adgangskoden fra standard input")
    create.set_defaults(run=cmd_users_create)
    token = _add(users, "token", "nyt personligt API-token til en bruger")
    token.add_argument("username", metavar="BRUGERNAVN", help="brugeren der får tokenet")
    token.add_argument("--name", default="cli", metavar="NAVN",
                       help="tokenets navn, så du kan kende det igen (standard cli)")
    token.set_defaults(run=cmd_users_token)
    _add(users, "list", "vis brugerne").set_defaults(run=cmd_users_list)
    for name, text in (("deactivate", "stop en bruger: login, sessioner og tokens virker ikke"),
                       ("activate", "giv en deaktiveret bruger adgang igen")):
        active = _add(users, name, text)
        active.add_argument("username", metavar="BRUGERNAVN", help="brugeren")
        active.set_defaults(run=cmd_users_active)
    password = _add(users, "set-password", "ny adgangskode til en bruger")
    password.add_argument("username", metavar="BRUGERNAVN", help="brugeren")
    password.add_argument("--password-stdin", action="store_true",
                          help="læs adgangskoden fra standard input")
    password.set_defaults(run=cmd_users_set_password)

    tokens = _commands(_add(commands, "tokens", "API-tokens: vis og tilbagekald"), "tokens")
    listing = _add(tokens, "list", "en brugers tokens: nummer, navn, oprettet, udløber, "
                                   "sidst brugt")
    listing.add_argument("username", metavar="BRUGERNAVN", help="brugeren")
    listing.set_defaults(run=cmd_tokens_list)
    revoke = _add(tokens, "revoke", "tilbagekald et token (straks)")
    revoke.add_argument("id", type=int, metavar="NUMMER", help="tokenets nummer (tokens list)")
    revoke.set_defaults(run=cmd_tokens_revoke)

    trail = _commands(_add(commands, "audit", "revisionsloggen"), "audit")
    export = _add(trail, "export", "alle opslag i ét barns data (GDPR art. 15)")
    export.add_argument("--case", type=int, required=True, metavar="SAG", help="sagens nummer")
    export.add_argument("--format", choices=audit.FORMATS, default="jsonl",
                        help="jsonl (standard) eller csv")
    export.set_defaults(run=cmd_audit_export)

    retention = _commands(_add(commands, "retention", "sletning efter opbevaringsperioden"),
                          "retention")
    run = _add(retention, "run", "slet data om sager lukket for længe siden og gamle "
                                 "logposter (prøvekørsel uden --apply)")
    run.add_argument("--apply", action="store_true", help="slet (ellers vises kun hvad)")
    run.add_argument("--days", type=int, metavar="DAGE",
                     help="sager lukket for mere end så mange dage siden "
                          "(standard FORMSERVICE_RETENTION_DAYS)")
    run.add_argument("--audit-days", type=int, metavar="DAGE",
                     help="logposter ældre end så mange dage "
                          "(standard FORMSERVICE_AUDIT_RETENTION_DAYS)")
    run.set_defaults(run=cmd_retention_run)

    database = _commands(_add(commands, "db", "databasen"), "db")
    _add(database, "migrate", "opdater skemaet (som DATABASE_OWNER_URL, hvis sat)") \
        .set_defaults(run=cmd_db_migrate)
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
    except accounts.AccountError as exc:
        print(f"formservice: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("formservice: afbrudt.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the database, not the input: still no traceback
        from sqlalchemy.exc import DBAPIError, OperationalError
        if isinstance(exc, OperationalError):
            print("formservice: databasen kan ikke nås (DATABASE_URL / DATABASE_OWNER_URL): "
                  f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}", file=sys.stderr)
            return 2
        if isinstance(exc, DBAPIError):
            print(f"formservice: databasen afviste handlingen: "
                  f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
