"""Render and parse speed of the Word forms, against naive docxtpl measured in the same run.

    python bench/word_bench.py [--seconds 3] [--parse-only]

The parse is also measured against the parser as it was before issue 11's reader rework
(split tables, tracked changes, typed ticks, stray text, relabelled documents): the modules
at BASELINE_COMMIT, loaded from git into a package of their own, reading the same document
in the same run, alternating with today's parser. Issue 11's goal was a parse under 2 ms
where the old one took 3.2 ms: today's parse must take under 2/3.2 = 0.625x the old one's
time. The bench says whether the goal is met and exits with 1 when it is not. (The old
parser reads today's document as it read its own: the same tables, only without what
issue 11 added; BASELINE_COMMIT is 510c443's parent, the last commit before the rework.)

"parse in the worker" is the parse every upload gets (services.forms.parse): the same
reading in a pre-started worker process with a memory ceiling; the difference is the
worker's overhead per document.

Workload: first_meeting with 8 participants and 10 actions. Baseline: plain docxtpl as
its documentation shows it — load the template, render with autoescape, save — each time.
"""
from __future__ import annotations

import argparse
import atexit
import importlib
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate

from formservice.documents.sandbox import read_document, start
from formservice.documents.word_parse import parse_docx
from formservice.documents.word_render import TEMPLATE_DIR, word_template
from formservice.forms.record import load_data


def workload() -> dict:
    roles = ["leader", "pedagogue", "parent_custody", "parent_custody", "psychologist",
             "health_visitor", "caseworker", "speech_consultant"]
    data, findings = load_data("first_meeting", {
        "meeting": {"meeting_type": "NM", "case_kind": "existing", "date": "2026-12-03",
                    "start_time": "09:00", "end_time": "10:30", "place": "Børnehuset Æblehaven",
                    "leader": "Hanne Øster", "note_taker": "Bo Ågård", "agenda_sent": "2026-11-24",
                    "consent_on_file": True, "consent_date": "2026-11-20",
                    "initiative_reason": "Bekymring for sprog og trivsel.\nForældrene ønsker hjælp."},
        "child": {"name": "Ida Sørensen", "birth_date": "2022-05-14",
                  "institution": "Børnehuset Æblehaven", "group": "Solstuen"},
        "participants": [{"name": f"Deltager {i} Ærø", "role": roles[i], "organisation": "Kommunen",
                          "contact": f"deltager{i}@kommune.dk", "attendance": "present"}
                         for i in range(8)],
        "discussion": {"child_perspective": "Ida fortæller, at hun helst leger med Liva.\nHun kan ikke lide larm.",
                       "method": "conversation", "parents_perspective": "Glade for børnehaven."},
        "actions": [{"description": f"Indsats {i}: sprogleg i lille gruppe\nto gange om ugen",
                     "goal": "Ida deltager i samlingen", "responsible": "Bo Ågård",
                     "deadline": "2027-01-31", "priority": i + 1} for i in range(10)],
        "welcome": {"notes": "Mødelederen bød velkommen."},
    })
    assert not findings, findings
    return data


REPO = Path(__file__).resolve().parents[1]
# the last commit before issue 11's reader rework (510c443, "Word reader follows the
# document"); word_parse.py and pdf_parse.py there are as 5ce4f80 left them
BASELINE_COMMIT = "4ddb720"
# the parser's own modules, taken from BASELINE_COMMIT; the rest is today's
_BASELINE_FILES = ("word_parse", "pdf_parse", "docx_package", "values", "word_xml")
_SHARED = ("errors", "other_files", "word_template", "pdf_template")


def baseline_module(name: str):
    """formservice.documents.<name> as it was at BASELINE_COMMIT, imported as
    formservice_baseline.documents.<name>: the parser's modules from git, the forms,
    errors and template constants today's (the same document is read by both)."""
    package = "formservice_baseline"
    if package not in sys.modules:
        for module in ("formservice.forms.layout", "formservice.forms.record",
                       *(f"formservice.documents.{shared}" for shared in _SHARED)):
            importlib.import_module(module)  # today's, shared
        root = Path(tempfile.mkdtemp(prefix="formservice_baseline_"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        documents = root / package / "documents"
        documents.mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
        (documents / "__init__.py").write_text("")
        for module in _BASELINE_FILES:
            source = subprocess.run(
                ["git", "show", f"{BASELINE_COMMIT}:formservice/documents/{module}.py"],
                cwd=REPO, check=True, capture_output=True).stdout
            (documents / f"{module}.py").write_bytes(source)
        for loaded in [m for m in sys.modules if m.startswith("formservice.forms")]:
            sys.modules[package + loaded[len("formservice"):]] = sys.modules[loaded]
        for module in _SHARED:
            sys.modules[f"{package}.documents.{module}"] = sys.modules[
                f"formservice.documents.{module}"]
        sys.path.insert(0, str(root))
    return importlib.import_module(f"{package}.documents.{name}")


def against_baseline(old, new, seconds: float, rounds: int = 15) -> tuple[float, float]:
    """ms per document of `old` and `new`, measured in alternating rounds (so a busy
    moment of the machine falls on both), the median round of each."""
    old(), new()  # warm up
    old_ms, new_ms = [], []
    for _ in range(rounds):
        for function, times in ((old, old_ms), (new, new_ms)):
            count, start = 0, time.perf_counter()
            while (elapsed := time.perf_counter() - start) < seconds / rounds / 2:
                function()
                count += 1
            times.append(elapsed / count * 1000)
    return statistics.median(old_ms), statistics.median(new_ms)


def report_goal(what: str, old_ms: float, new_ms: float, goal_ratio: float,
                goal_ms: float) -> bool:
    """Print today's parse against the old one and the goal; whether the goal is met."""
    ratio = new_ms / old_ms
    met = ratio < goal_ratio
    print(f"{what}: old parser ({BASELINE_COMMIT}) {old_ms:.2f} ms/doc, today {new_ms:.2f} "
          f"ms/doc = {ratio:.3f}x old; goal < {goal_ratio:.3f}x "
          f"({goal_ratio * old_ms:.2f} ms here; {goal_ms:g} ms on the issue's machine): "
          + ("goal met" if met else "goal NOT met"))
    return met


def per_second(function, seconds: float) -> tuple[float, float]:
    function()  # warm up
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        function()
        count += 1
    return count / elapsed, elapsed / count * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--parse-only", action="store_true",
                        help="only today's parse against the old parser")
    args = parser.parse_args()
    seconds = args.seconds
    data = workload()
    compiled = word_template("first_meeting", "Holbæk Kommune")
    template_bytes = (TEMPLATE_DIR / "first_meeting.docx").read_bytes()
    rows = {s: list(data[s]) + [{}] for s in ("participants", "ongoing_actions", "actions")}

    def naive():
        document = DocxTemplate(io.BytesIO(template_bytes))
        env = jinja2.Environment(autoescape=True)
        env.globals["field"] = compiled._field
        if hasattr(compiled, "_keep_row"):  # rows kept per group (word_render)
            env.globals["keep_row"] = compiled._keep_row
        document.render({"data": data, "rows": rows, "municipality": "Holbæk Kommune"}, env)
        document.save(io.BytesIO())

    rendered = compiled.render(data)
    old_parse = baseline_module("word_parse").parse_docx
    old_ms, new_ms = against_baseline(lambda: old_parse(rendered), lambda: parse_docx(rendered),
                                      2 * seconds)
    if args.parse_only:
        print(f"first_meeting, 8 participants, 10 actions; {len(rendered)} bytes per document")
        sys.exit(0 if report_goal("docx parse", old_ms, new_ms, 2 / 3.2, 2) else 1)
    try:
        naive()
    except jinja2.exceptions.UndefinedError as exc:  # the template wants more of the service
        print(f"naive docxtpl render: not comparable ({exc})")
        naive = None
    results = {
        "naive docxtpl render": per_second(naive, seconds) if naive else None,
        "formservice render": per_second(lambda: compiled.render(data), seconds),
        "formservice parse": per_second(lambda: parse_docx(rendered), seconds),
    }
    start(1)  # uploads are read in a bounded worker process (documents.sandbox)
    results["parse in the worker"] = per_second(lambda: read_document(rendered), seconds)
    print(f"first_meeting, 8 participants, 10 actions; {len(rendered)} bytes per document")
    baseline = (results["naive docxtpl render"] or results["formservice render"])[0]
    for name, result in results.items():
        if result is None:
            continue
        rate, ms = result
        versus = "naive" if results["naive docxtpl render"] else "render"
        print(f"{name:24s} {rate:8.1f} docs/s  {ms:7.2f} ms/doc  {rate / baseline:6.1f}x {versus}")
    overhead = results["parse in the worker"][1] - results["formservice parse"][1]
    print(f"worker overhead: {overhead:.2f} ms/doc")
    sys.exit(0 if report_goal("docx parse", old_ms, new_ms, 2 / 3.2, 2) else 1)


if __name__ == "__main__":
    main()
