"""Batch plans, pure: read a plan (JSON or CSV), check every entry, and list the documents.

A plan is a list of entries, one per child:

    {"entries": [{"child": {"name": "Alma Sørensen", "birth_date": "23-11-2021",
                            "institution": "Børnehuset Kløverengen", "group": "Solstuen"},
                  "forms": ["samtykke", "netværkskort", "første møde", "opfølgning"],
                  "format": "docx",
                  "meetings": ["03-12-2026", "10. februar 2027"],
                  "next_meeting": "12-04-2027",
                  "case_id": 17,
                  "previous": {...}}]}

Forms are named by their ids (consent, first_meeting, follow_up_meeting, network_map) or
their Danish names — samtykke; første møde (første); opfølgning (opfølgende møde,
opfølgningsmøde); netværkskort — in any case and with or without æøå (foerste moede,
forste mode); or objects {"form", "format", "data"}. `format` is docx (also "Word") or pdf.

Dates — the birth date and every meeting date — are written as Danes write them
(formservice.forms.danish.parse_date: 2026-03-10, 10-03-2026, 10.3.2026, 10/3 26,
10. marts 2026 …). **Several meeting dates in one cell** (or one string) are separated by
a comma, a semicolon (inside quotes in a ;-separated CSV), `|`, a line break (Alt+Enter in
Excel) or the word "og"; plain spaces separate them too when what is between the spaces is
not one date ("12-01-2027 16-03-2027" is two dates, "10. marts 2027" and "10/3 27" are one).
The dates are sorted; the same date twice counts once.

The entry's dates are `meetings` and `next_meeting` together; when it has neither, the date
of the next meeting written in the previous minutes (`previous`, closing/outcome
next_meeting_date) — so an institution batch dates each child's follow-up from that child's
own minutes, and a date given in the entry overrides it. The first meeting's form is made
for the first date and a follow-up for each later one; when there is no first meeting
(`previous` is given, or the first meeting's form is not asked for), every date gets a
follow-up, pre-filled from `previous` when given.

A CSV plan has one child per row; the header row names the columns, in any order and any
case, spaces ignored: navn (barnets navn), fødselsdato, institution (dagtilbud/skole),
stue (klasse, stue/klasse), formularer, format, møder (mødedatoer), and optionally
sag (the case's number) and næste møde; other columns are ignored. Formularer are
separated like dates (comma, `|`, line break, or `;` inside quotes). The file is what
Danish Excel saves: "CSV (semikolonsepareret)" in Windows-1252, or "CSV UTF-8" with its
BOM; UTF-16 with a BOM too. Valid UTF-8 is read as UTF-8, anything else as Windows-1252,
and a file that is neither is refused (never guessed). The separator is `;`, `,` or tab:
the one whose header row names the most known columns. Rows that Excel saved short (it
drops trailing empty cells) count as empty cells.

Every entry is checked on its own, and every problem of an entry is reported at once,
each beginning with the Danish label of its column ("Fødselsdato: …"); a bad entry is
reported with its reasons and the others are still produced.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field

from ..forms import FORMS
from ..forms.danish import document_name, json_problem, parse_date, plural
from ..forms.record import load_data
from . import follow_up_prefill

FORMATS = ("docx", "pdf")
MAX_ENTRIES = 100_000

# The Danish label of every column, as problems name it.
LABELS = {
    "name": "Navn", "birth_date": "Fødselsdato", "institution": "Institution", "group": "Stue",
    "forms": "Formularer", "format": "Format", "meetings": "Møder", "case_id": "Sag",
    "next_meeting": "Næste møde",
}
_HEADERS = {
    "name": ("navn", "barnets navn", "name"),
    "birth_date": ("fødselsdato", "født", "birth_date", "birth date"),
    "institution": ("institution", "dagtilbud/skole", "dagtilbud", "skole"),
    "group": ("stue", "klasse", "stue/klasse", "gruppe", "group"),
    "forms": ("formularer", "formular", "forms"),
    "format": ("format", "filformat"),
    "meetings": ("møder", "mødedatoer", "mødedato", "møde", "meetings"),
    "case_id": ("sag", "sagsnummer", "sagsnr", "sags id", "case_id", "case id"),
    "next_meeting": ("næste møde", "næste mødedato", "next_meeting", "next meeting"),
}
FORM_NAMES = {"consent": "samtykke", "first_meeting": "første møde",
              "follow_up_meeting": "opfølgning", "network_map": "netværkskort"}
_FORM_ALIASES = {
    "consent": ("samtykke", "samtykkeerklæring", "consent"),
    "first_meeting": ("første møde", "første", "første udviklingsmøde", "første netværksmøde",
                      "first meeting"),
    "follow_up_meeting": ("opfølgning", "opfølgende møde", "opfølgningsmøde", "follow up meeting",
                          "follow up"),
    "network_map": ("netværkskort", "network map"),
}
_FORMAT_NAMES = {"docx": "docx", "word": "docx", "pdf": "pdf"}
KNOWN_FORMS = "samtykke, første møde, opfølgning eller netværkskort"


def _loose(text: str) -> str:
    """A name compared loosely: case, accents, æøå spelled ae/oe/aa or a/o, spaces, - and _
    do not matter."""
    text = unicodedata.normalize("NFKC", text).casefold()
    for letter, spelled in (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("ä", "ae"), ("ö", "oe")):
        text = text.replace(letter, spelled)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace("oe", "o").replace("ae", "a").replace("aa", "a")
    return re.sub(r"[\s_\-.]+", "", text)


CSV_COLUMNS = {_loose(alias): key for key, aliases in _HEADERS.items() for alias in aliases}
_FORMS_BY_NAME = {_loose(alias): form_id for form_id, aliases in _FORM_ALIASES.items()
                  for alias in (*aliases, form_id)}


def form_id_of(name) -> str | None:
    """The form's id from its id or Danish name (None when unknown)."""
    if not isinstance(name, str):
        return None
    return name if name in FORMS else _FORMS_BY_NAME.get(_loose(name))


class PlanError(ValueError):
    """The plan as a whole cannot be read (the message is Danish)."""


@dataclass
class Job:
    entry: int           # 1-based, as people count rows
    folder: str
    filename: str
    form_id: str
    fmt: str
    data: dict

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.filename}"


@dataclass
class EntryReport:
    entry: int
    child: str
    problems: list[str] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    row: int | None = None          # the line in the CSV file (as Excel numbers it)
    case_id: int | None = None
    child_data: dict = field(default_factory=dict)   # name, birth_date (ISO), institution, group
    meetings: list[dt.date] = field(default_factory=list)  # the dates the documents got

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------------------- reading

def read_plan(content: bytes, filename: str = "plan.json") -> list[dict]:
    """The plan's entries as dicts (CSV rows become entries); PlanError when unreadable."""
    start = content.lstrip()
    if start.startswith(codecs.BOM_UTF8):
        start = start[len(codecs.BOM_UTF8):].lstrip()
    if filename.lower().endswith(".csv") or not start.startswith((b"{", b"[")):
        return _read_csv(content)
    try:
        plan = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PlanError("Planen er ikke UTF-8-kodet. Gem den som UTF-8, og prøv igen.") from None
    except json.JSONDecodeError as exc:
        raise PlanError(f"Planen er ikke gyldig JSON ({json_problem(exc)}).") from None
    entries = plan.get("entries") if isinstance(plan, dict) else plan
    if not isinstance(entries, list):
        raise PlanError('Planen skal være et JSON-objekt med en liste "entries".')
    if len(entries) > MAX_ENTRIES:
        raise PlanError(f"Planen har for mange rækker (højst {MAX_ENTRIES}).")
    return entries


_NEITHER = ("Filen kan ikke læses som tekst: den er hverken UTF-8 eller Windows-1252. Gem planen "
            "i Excel som \"CSV (semikolonsepareret)\" eller \"CSV UTF-8\", og prøv igen.")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode_text(content: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM) when it is valid UTF-8, UTF-16
    with its BOM, else Windows-1252; PlanError for what is none of them."""
    if content.startswith(b"PK\x03\x04") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise PlanError("Filen er en Excel-projektmappe, ikke en CSV-fil. Gem den i Excel som "
                        "\"CSV (semikolonsepareret)\", og prøv igen.")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = content.decode("utf-16")
        except UnicodeDecodeError:
            raise PlanError(_NEITHER) from None
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("cp1252")
            except UnicodeDecodeError:
                raise PlanError(_NEITHER) from None
    if _CONTROL.search(text):
        raise PlanError(_NEITHER)
    return text


def _header(cells: list[str]) -> list[str | None]:
    return [CSV_COLUMNS.get(_loose(cell)) if cell.strip() else None for cell in cells]


def _delimiter(text: str) -> str:
    """`;`, `,` or tab: the one whose header row names the most known columns."""
    first = text.split("\n", 1)[0]
    scores = {}
    for delimiter in (";", ",", "\t"):
        cells = next(csv.reader([first], delimiter=delimiter), [])
        scores[delimiter] = len({key for key in _header(cells) if key})
    best = max(scores.values())
    candidates = [d for d, score in scores.items() if score == best]
    if len(candidates) > 1 and best > 1:
        raise PlanError("Det kan ikke ses, om kolonnerne er adskilt med semikolon, komma eller "
                        "tabulator. Gem planen i Excel som \"CSV (semikolonsepareret)\".")
    if len(candidates) > 1:  # one column, or none known: the separator the row uses
        used = [d for d in candidates if d in first]
        candidates = used or [";"]
    return candidates[0]


def _read_csv(content: bytes) -> list[dict]:
    text = decode_text(content)
    if not text.strip():
        raise PlanError("CSV-filen er tom.")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header_cells = next(reader)
    except (StopIteration, csv.Error):
        raise PlanError("CSV-filens første række kan ikke læses.") from None
    header = _header(header_cells)
    if "name" not in header:
        raise PlanError("CSV-filen mangler kolonnen \"navn\" (barnets navn) i første række.")
    if "forms" not in header:
        raise PlanError("CSV-filen mangler kolonnen \"formularer\" i første række.")
    for key in set(header) - {None}:
        if header.count(key) > 1:
            raise PlanError(f"Kolonnen \"{LABELS[key].lower()}\" står mere end én gang i første "
                            "række.")
    entries = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise PlanError(f"Linje {reader.line_num} i CSV-filen kan ikke læses ({exc}).") from None
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(entries) >= MAX_ENTRIES:
            raise PlanError(f"Planen har for mange rækker (højst {MAX_ENTRIES}).")
        row = row + [""] * (len(header) - len(row))
        if any(cell.strip() for cell in row[len(header):]):
            entries.append({"_row": start, "child": {"name": row[header.index("name")].strip()},
                            "_problem": (
                f"Rækken har {plural(len(row), 'felt', 'felter')}, men overskriften har "
                f"{len(header)}. Står der et skilletegn ({_delimiter_name(delimiter)}) i et felt "
                "uden anførselstegn?")})
            continue
        values = {key: cell.strip() for key, cell in zip(header, row) if key}
        entry = {
            "_row": start,
            "child": {k: values.get(k) or None for k in ("name", "birth_date", "institution", "group")},
            "forms": split_list(values.get("forms") or ""),
            "format": values.get("format") or "docx",
            "meetings": split_dates(values.get("meetings") or ""),
        }
        if values.get("next_meeting"):
            entry["next_meeting"] = values["next_meeting"]
        if values.get("case_id"):
            entry["case_id"] = values["case_id"]
        entries.append(entry)
    return entries


def _delimiter_name(delimiter: str) -> str:
    return {";": "semikolon", ",": "komma", "\t": "tabulator"}[delimiter]


_SEPARATORS = re.compile(r"\s*(?:[;,|\n\r]|\bog\b)\s*", re.IGNORECASE)


def split_list(text: str) -> list[str]:
    """A cell's list: separated by comma, semicolon, `|` or line breaks."""
    return [part.strip() for part in re.split(r"[;,|\r\n]", text) if part.strip()]


def _is_date(text: str) -> bool:
    try:
        parse_date(text)
        return True
    except (ValueError, TypeError):
        return False


def split_dates(text: str) -> list[str]:
    """The dates written in one cell, each as written (see the module's docstring)."""
    found = []
    for part in _SEPARATORS.split(text):
        tokens = part.split()
        i = 0
        while i < len(tokens):
            for j in range(min(len(tokens), i + 4), i, -1):
                if _is_date(" ".join(tokens[i:j])):
                    found.append(" ".join(tokens[i:j]))
                    i = j
                    break
            else:  # not a date: kept whole, so the check says what is wrong with it
                found.append(" ".join(tokens[i:]))
                break
    return found


# ---------------------------------------------------------------------------- planning

def plan_jobs(entries: list[dict], today: dt.date) -> list[EntryReport]:
    """Check every entry and list its documents; a bad entry gets its reasons instead."""
    return list(iter_plan(entries, today))


def iter_plan(entries: list[dict], today: dt.date, *, count_only: bool = False):
    """plan_jobs one entry at a time, so a large batch never holds all its documents' data.
    `count_only` skips checking each document's data (to count them quickly)."""
    used_folders: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        yield _plan_entry(number, entry, today, used_folders, count_only)


def _dk(day: dt.date) -> str:
    return f"{day:%d-%m-%Y}"


def _date_problem(value: str, exc: ValueError) -> str:
    message = str(exc)
    if message.startswith("Datoen"):
        return message
    return f"»{value}« kan ikke læses som en dato. {message}"


def _text(value) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return " ".join(str(value).split()) or None


class _Problems(list):
    def add(self, key: str, message: str):
        self.append(f"{LABELS[key]}: {message}")


def _plan_entry(number, entry, today, used_folders, count_only=False) -> EntryReport:
    if not isinstance(entry, dict):
        return EntryReport(number, "", ["Rækken er ikke et JSON-objekt."])
    row = entry.get("_row") if isinstance(entry.get("_row"), int) else None
    raw_child = entry.get("child")
    child = raw_child if isinstance(raw_child, dict) else {}
    report = EntryReport(number, _text(child.get("name")) or "", row=row)
    if "_problem" in entry:
        report.problems.append(str(entry["_problem"]))
        return report
    problems = _Problems()

    # the child
    if raw_child is not None and not isinstance(raw_child, dict):
        problems.add("name", "barnet skal angives som et objekt med navn, fødselsdato osv.")
    for key in ("name", "institution", "group"):
        if isinstance(child.get(key), (dict, list, bool)):
            problems.add(key, "skal være tekst.")
    name = _text(child.get("name"))
    if not name and isinstance(raw_child, (dict, type(None))) \
            and not isinstance(child.get("name"), (dict, list, bool)):
        problems.add("name", "barnets navn mangler.")
    birth = None
    if _text(child.get("birth_date")):
        value = _text(child["birth_date"])
        try:
            birth = parse_date(value, today=today)
        except ValueError as exc:
            problems.add("birth_date", _date_problem(value, exc))
        else:
            if birth > today:
                problems.add("birth_date", f"{_dk(birth)} ligger i fremtiden.")
    child_block = {"name": name, "birth_date": birth.isoformat() if birth else None,
                   "institution": _text(child.get("institution")), "group": _text(child.get("group"))}
    report.child_data = child_block

    # the case
    case_id = entry.get("case_id")
    if case_id is not None and case_id != "":
        text = str(case_id).strip()
        if isinstance(case_id, bool) or not text.isdigit() or int(text) == 0:
            problems.add("case_id", f"»{case_id}« er ikke et sagsnummer. Skriv sagens nummer, fx 123.")
        else:
            report.case_id = int(text)

    # the forms and their formats
    default_format = _format(entry.get("format"))
    if default_format is None:
        problems.add("format", f"»{entry.get('format')}« kendes ikke. Skriv docx (Word) eller pdf.")
    forms = entry.get("forms")
    if isinstance(forms, str):
        forms = split_list(forms)
    if not isinstance(forms, list) or not forms:
        problems.add("forms", f"der er ikke valgt nogen formularer. Skriv fx {KNOWN_FORMS}.")
        forms = []
    requests, seen = [], set()
    for item in forms:
        name_given = item.get("form") if isinstance(item, dict) else item
        form_id = form_id_of(name_given)
        if form_id is None:
            problems.add("forms", f"Ukendt formular '{name_given}'. Brug {KNOWN_FORMS}.")
            continue
        fmt = default_format
        if isinstance(item, dict) and item.get("format"):
            fmt = _format(item["format"])
            if fmt is None:
                problems.add("format", f"»{item['format']}« kendes ikke for {FORM_NAMES[form_id]}. "
                                       "Skriv docx (Word) eller pdf.")
                continue
        data = item.get("data") if isinstance(item, dict) else None
        if data is not None and not isinstance(data, dict):
            problems.add("forms", f"data for {FORM_NAMES[form_id]} skal være et JSON-objekt.")
            continue
        if data is None and (form_id, fmt) in seen:
            continue
        seen.add((form_id, fmt))
        if fmt is not None:
            requests.append((form_id, fmt, data))

    # the dates
    previous = entry.get("previous") if isinstance(entry.get("previous"), dict) else None
    dates = set()
    given = {key: _date_texts(entry.get(key)) for key in ("meetings", "next_meeting")}
    for key, values in given.items():
        for value in values:
            try:
                day = parse_date(value, today=today)
            except (ValueError, TypeError) as exc:
                problems.add(key, _date_problem(value, exc) if isinstance(exc, ValueError)
                             else f"»{value}« er ikke en dato.")
                continue
            if day < today:
                problems.add(key, f"mødedatoen {_dk(day)} er i fortiden.")
            dates.add(day)
    requested = {form_id for form_id, _, _ in requests}
    has_first = "first_meeting" in requested and previous is None
    wants_meetings = bool(requested & {"first_meeting", "follow_up_meeting"})
    written = None
    if not any(given.values()) and previous is not None and "follow_up_meeting" in requested:
        written = ((previous.get("closing") or previous.get("outcome") or {})
                   .get("next_meeting_date"))
        if written:
            try:
                day = parse_date(str(written), today=today)
            except ValueError:
                problems.add("next_meeting", f"datoen for næste møde i referatet (»{written}«) "
                                             "kan ikke læses. Skriv datoen i planen.")
            else:
                if day < today:
                    problems.add("next_meeting", f"referatet siger {_dk(day)}, og den dato er "
                                                 "i fortiden. Skriv den nye dato i planen.")
                dates.add(day)
    dates = sorted(dates)
    report.meetings = dates
    if wants_meetings and not dates and not any(given.values()) and not written:
        where = " eller i referatet fra sidste møde" if previous is not None else ""
        problems.add("meetings", "der er valgt mødeformularer, men ingen mødedatoer. Skriv "
                                 f"datoerne i planen{where}, fx 12-01-2027, 16-03-2027.")
    elif "follow_up_meeting" in requested and has_first and len(dates) == 1:
        problems.add("meetings", "et opfølgende møde kræver en dato efter det første møde "
                                 f"({_dk(dates[0])}) eller referatet fra det forrige møde.")

    if not problems:  # a safety net: the child block as the forms check it
        child_data, findings = load_data("consent", {"child": child_block})
        if child_data is None:
            problems.extend(_finding_text("consent", f) for f in findings)
    report.problems.extend(problems)
    if report.problems:
        return report

    folder = _folder(child_block, used_folders)
    used_names: set[str] = set()

    def add(form_id, fmt, data, day=None):
        if count_only:
            report.jobs.append(Job(number, folder, "", form_id, fmt, {}))
            return
        canonical, findings = load_data(form_id, data)
        if canonical is None:
            report.problems.extend(f"{FORM_NAMES[form_id].capitalize()}: "
                                   + _finding_text(form_id, f) for f in findings)
            return
        # "Dagsorden første møde – Alma Sørensen – 12-01-2027.docx": a batch pre-fills agendas
        report.jobs.append(Job(number, folder, _unique(document_name(
            form_id, fmt, who=name, day=day, today=today, stage="agenda"), used_names),
            form_id, fmt, canonical))

    for form_id, fmt, data in requests:
        base = {**(data or {}), "child": {**child_block, **((data or {}).get("child") or {})}}
        if form_id == "first_meeting":
            if has_first:
                add(form_id, fmt, {**base, "meeting": {**(base.get("meeting") or {}),
                                                       "date": dates[0].isoformat()}},
                    dates[0])
        elif form_id == "follow_up_meeting":
            follow_dates = dates[1:] if has_first else dates
            source = previous or {**base, "meeting": {**(base.get("meeting") or {}),
                                                      "date": dates[0].isoformat() if has_first else None}}
            open_actions = (source.get("actions") or []) + [
                row for row in source.get("reviewed_actions") or [] if row.get("decision") != "stop"]
            for day in follow_dates:
                index = dates.index(day)
                before = dates[index - 1].isoformat() if index > 0 else None
                prefill = follow_up_prefill(source, open_actions, meeting_date=day,
                                            previous_date=before)
                prefill["child"] = {**prefill["child"], **child_block}
                add(form_id, fmt, prefill, day)
        else:
            add(form_id, fmt, base)
    if report.problems:
        report.jobs = []
    return report


def _format(value) -> str | None:
    if value is None or value == "":
        return "docx"
    if not isinstance(value, str):
        return None
    return _FORMAT_NAMES.get(_loose(value).lstrip("."))


def _date_texts(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, dt.date):
        return [value.isoformat()]
    if isinstance(value, str):
        return split_dates(value)
    if isinstance(value, list):
        found = []
        for item in value:
            found.extend(_date_texts(item) if isinstance(item, (str, dt.date)) else [item])
        return found
    return [value]


@functools.lru_cache(maxsize=None)
def _labels(form_id: str) -> dict:
    from ..forms.layout import all_sections
    return {(f"{section.name}.*.{spec.name}" if section.is_group else
             f"{section.name}.{spec.name}"): spec.label
            for section in all_sections(form_id) for spec in section.fields}


_CHILD_PATHS = {"child.name": "name", "child.birth_date": "birth_date",
                "child.institution": "institution", "child.group": "group"}


def _finding_text(form_id: str, finding) -> str:
    """A finding of a form's data check in plan words: the column's or field's label, never
    its path."""
    if finding.path in _CHILD_PATHS:
        return f"{LABELS[_CHILD_PATHS[finding.path]]}: {finding.message}"
    label = _labels(form_id).get(re.sub(r"\.\d+(?=\.|$)", ".*", finding.path))
    return f"{label}: {finding.message}" if label else finding.message


def _folder(child: dict, used: set[str]) -> str:
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", child["name"]).strip().strip(".") or "barn"
    birth = child.get("birth_date")
    folder = f"{name} ({_dk(dt.date.fromisoformat(birth))})" if birth else name
    folder = folder[:120]
    candidate, n = folder, 2
    while candidate.casefold() in used:
        candidate, n = f"{folder} {n}", n + 1
    used.add(candidate.casefold())
    return candidate


def _unique(filename: str, used: set[str]) -> str:
    """`filename`, or "… (2).docx" when the child's folder has it already."""
    stem, dot, suffix = filename.rpartition(".")
    candidate, n = filename, 2
    while candidate.casefold() in used:
        candidate, n = f"{stem} ({n}){dot}{suffix}", n + 1
    used.add(candidate.casefold())
    return candidate
