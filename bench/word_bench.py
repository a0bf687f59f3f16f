"""Render and parse speed of the Word forms, against naive docxtpl measured in the same run.

    python bench/word_bench.py [--seconds 3]

"parse in the worker" is the parse every upload gets (services.forms.parse): the same
reading in a pre-started worker process with a memory ceiling; the difference is the
worker's overhead per document.

Workload: first_meeting with 8 participants and 10 actions. Baseline: plain docxtpl as
its documentation shows it — load the template, render with autoescape, save — each time.
"""
from __future__ import annotations

import argparse
import io
import time

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
    seconds = parser.parse_args().seconds
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


if __name__ == "__main__":
    main()
