"""Batch plans, pure: read a plan (JSON or CSV), check every entry, and list the documents.

A plan is a list of entries, one per child:

    {"entries": [{"child": {"name": "Alma Sørensen", "birth_date": "2021-11-23",
                            "institution": "Børnehuset Kløverengen", "group": "Solstuen"},
                  "forms": ["consent", "network_map", "first_meeting"],
                  "format": "docx",
                  "meetings": ["2026-12-03", "2027-02-10"],
                  "previous": {...}}]}

`forms` names what to produce (or objects {"form", "format"}); `meetings` gives the series'
dates: the first meeting's form for the first date and a follow-up for each later one
(unless `previous`, the data of the previous minutes, is given: then every date is a
follow-up pre-filled from it). A CSV plan has one child per row, with the columns
navn, fødselsdato, institution, stue, formularer (separated by ; or |), format, møder.

Every entry is checked on its own; a bad entry is reported with its reasons and the others
are still produced.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field

from ..forms import FORMS
from ..forms.record import load_data
from . import follow_up_prefill

FORMATS = ("docx", "pdf")
MAX_ENTRIES = 100_000
CSV_COLUMNS = {
    "navn": "name", "barnets navn": "name", "name": "name",
    "fødselsdato": "birth_date", "birth_date": "birth_date",
    "institution": "institution", "dagtilbud/skole": "institution",
    "stue": "group", "klasse": "group", "stue/klasse": "group", "group": "group",
    "formularer": "forms", "forms": "forms",
    "format": "format",
    "møder": "meetings", "mødedatoer": "meetings", "mødedato": "meetings", "meetings": "meetings",
}


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

    @property
    def ok(self) -> bool:
        return not self.problems


def read_plan(content: bytes, filename: str = "plan.json") -> list[dict]:
    """The plan's entries as dicts (CSV rows become entries); PlanError when unreadable."""
    if filename.lower().endswith(".csv") or not content.lstrip().startswith((b"{", b"[")):
        return _read_csv(content)
    try:
        plan = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PlanError("Planen er ikke UTF-8-kodet. Gem den som UTF-8, og prøv igen.") from None
    except json.JSONDecodeError as exc:
        raise PlanError(f"Planen er ikke gyldig JSON (linje {exc.lineno}, kolonne {exc.colno}: "
                        f"{exc.msg}).") from None
    entries = plan.get("entries") if isinstance(plan, dict) else plan
    if not isinstance(entries, list):
        raise PlanError('Planen skal være et JSON-objekt med en liste "entries".')
    if len(entries) > MAX_ENTRIES:
        raise PlanError(f"Planen har for mange rækker (højst {MAX_ENTRIES}).")
    return entries


def _read_csv(content: bytes) -> list[dict]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PlanError("CSV-filen er ikke UTF-8-kodet (måske gemt som Windows-1252 fra Excel). "
                        "Gem den som \"CSV UTF-8\", og prøv igen.") from None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise PlanError("CSV-filen er tom.")
    header = [CSV_COLUMNS.get(cell.strip().casefold()) for cell in rows[0]]
    if "name" not in header:
        raise PlanError("CSV-filen mangler kolonnen \"navn\" (barnets navn) i første række.")
    entries = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            entries.append({"_problem": f"Række {number} har {len(row)} felter, men overskriften "
                                        f"har {len(header)}."})
            continue
        values = {key: cell.strip() for key, cell in zip(header, row) if key}
        entries.append({
            "child": {k: values.get(k) or None for k in ("name", "birth_date", "institution", "group")},
            "forms": [f.strip() for f in re.split(r"[;|]", values.get("forms") or "") if f.strip()],
            "format": values.get("format") or "docx",
            "meetings": [d.strip() for d in re.split(r"[;| ]", values.get("meetings") or "") if d.strip()],
        })
        if len(entries) > MAX_ENTRIES:
            raise PlanError(f"Planen har for mange rækker (højst {MAX_ENTRIES}).")
    return entries


def plan_jobs(entries: list[dict], today: dt.date) -> list[EntryReport]:
    """Check every entry and list its documents; a bad entry gets its reasons instead."""
    return list(iter_plan(entries, today))


def iter_plan(entries: list[dict], today: dt.date, *, count_only: bool = False):
    """plan_jobs one entry at a time, so a large batch never holds all its documents' data.
    `count_only` skips checking each document's data (to count them quickly)."""
    used_folders: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        yield _plan_entry(number, entry, today, used_folders, count_only)


def _plan_entry(number, entry, today, used_folders, count_only=False) -> EntryReport:
    if not isinstance(entry, dict):
        return EntryReport(number, "", ["Rækken er ikke et JSON-objekt."])
    if "_problem" in entry:
        return EntryReport(number, "", [entry["_problem"]])
    child = entry.get("child") if isinstance(entry.get("child"), dict) else {}
    report = EntryReport(number, str(child.get("name") or ""))
    if not child.get("name") or not str(child["name"]).strip():
        report.problems.append("Barnets navn mangler.")
    default_format = entry.get("format") or "docx"
    forms = entry.get("forms") or []
    if not isinstance(forms, list) or not forms:
        report.problems.append("Der er ikke valgt nogen formularer.")
        forms = []
    requests = []
    for item in forms:
        form_id, fmt = (item.get("form"), item.get("format") or default_format) if isinstance(
            item, dict) else (item, default_format)
        if form_id not in FORMS:
            report.problems.append(f"Ukendt formular '{form_id}'. Brug en af: {', '.join(FORMS)}.")
        elif fmt not in FORMATS:
            report.problems.append(f"Ukendt format '{fmt}' for {form_id}; brug docx eller pdf.")
        else:
            requests.append((form_id, fmt, item.get("data") if isinstance(item, dict) else None))
    dates = []
    for value in entry.get("meetings") or []:
        try:
            day = dt.date.fromisoformat(str(value)) if re.match(r"^\d{4}-\d{2}-\d{2}$", str(value)) \
                else dt.datetime.strptime(str(value), "%d-%m-%Y").date()
        except ValueError:
            report.problems.append(f"Mødedatoen '{value}' er ikke en gyldig dato (ÅÅÅÅ-MM-DD).")
            continue
        if day < today:
            report.problems.append(f"Mødedatoen {day:%d-%m-%Y} er i fortiden.")
        dates.append(day)
    meeting_forms = [r for r in requests if r[0] in ("first_meeting", "follow_up_meeting")]
    if meeting_forms and not dates:
        report.problems.append("Der er valgt mødeformularer, men ingen mødedatoer.")
    previous = entry.get("previous") if isinstance(entry.get("previous"), dict) else None
    child_block = {k: child.get(k) for k in ("name", "birth_date", "institution", "group")}
    child_data, child_findings = load_data("consent", {"child": child_block})
    if child_data is None:
        report.problems.extend(f"{f.path}: {f.message}" for f in child_findings)
    if report.problems:
        return report
    folder = _folder(child_block, used_folders)
    counter = 0

    def add(form_id, fmt, data, suffix=""):
        nonlocal counter
        counter += 1
        if count_only:
            report.jobs.append(Job(number, folder, "", form_id, fmt, {}))
            return
        canonical, findings = load_data(form_id, data)
        if canonical is None:
            report.problems.extend(f"{form_id}: {f.path}: {f.message}" for f in findings)
            return
        report.jobs.append(Job(number, folder, f"{counter:02d}-{form_id}{suffix}.{fmt}",
                               form_id, fmt, canonical))

    for form_id, fmt, data in requests:
        base = {**(data or {}), "child": {**child_block, **((data or {}).get("child") or {})}}
        if form_id == "first_meeting":
            if previous is None and dates:
                add(form_id, fmt, {**base, "meeting": {**(base.get("meeting") or {}),
                                                       "date": dates[0].isoformat()}},
                    f"-{dates[0].isoformat()}")
        elif form_id == "follow_up_meeting":
            follow_dates = dates if previous is not None else dates[1:]
            if not follow_dates:
                report.problems.append("Et opfølgende møde kræver en dato efter det første møde "
                                       "eller referatet fra det forrige møde (previous).")
            source = previous or {**base, "meeting": {**(base.get("meeting") or {}),
                                                      "date": dates[0].isoformat() if dates else None}}
            open_actions = (source.get("actions") or []) + [
                row for row in source.get("reviewed_actions") or [] if row.get("decision") != "stop"]
            for day in follow_dates:
                prefill = follow_up_prefill(source, open_actions, meeting_date=day)
                prefill["child"] = {**prefill["child"], **child_block}
                add(form_id, fmt, prefill, f"-{day.isoformat()}")
        else:
            add(form_id, fmt, base)
    if report.problems:
        report.jobs = []
    return report


def _folder(child: dict, used: set[str]) -> str:
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", child["name"]).strip().strip(".") or "barn"
    folder = f"{name} ({child['birth_date']})" if child.get("birth_date") else name
    folder = folder[:120]
    candidate, n = folder, 2
    while candidate.casefold() in used:
        candidate, n = f"{folder} {n}", n + 1
    used.add(candidate.casefold())
    return candidate
