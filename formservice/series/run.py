"""Produce a planned batch in this process, writing the ZIP as documents are made.

Making one document is the caller's (`produce(job) -> (bytes, findings)`): rendering
belongs to the layer above, series only plans and packs."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from .batch import EntryReport, Job, iter_plan, plural, read_plan
from .zipstream import ManifestZip

Produce = Callable[[Job], tuple[bytes, list[dict]]]


@dataclass
class BatchSummary:
    documents: int = 0
    invalid: list[EntryReport] = field(default_factory=list)

    def describe(self, target: str | None = None) -> str:
        """In Danish, counted right: "1 dokument skrevet til a.zip; 2 rækker kunne ikke
        bruges." """
        text = plural(self.documents, "dokument", "dokumenter")
        text += f" skrevet til {target}" if target else " lavet"
        if self.invalid:
            text += f"; {plural(len(self.invalid), 'række', 'rækker')} kunne ikke bruges"
        return text + "."


def run_batch(plan: bytes, filename: str, target, *, produce: Produce,
              today: dt.date | None = None,
              progress: Callable[[int, int], None] = lambda done, total: None) -> BatchSummary:
    """Read and check the plan, then write every document of the valid entries to the ZIP
    `target` (a path or a binary file), one entry at a time: memory stays flat however
    large the plan. The plan is read twice: first only to count, for the progress."""
    entries = read_plan(plan, filename)
    today = today or dt.date.today()
    total = sum(len(report.jobs) for report in iter_plan(entries, today, count_only=True))
    summary = BatchSummary()
    archive = ManifestZip(target)
    progress(0, total)
    for report in iter_plan(entries, today):
        if not report.ok:
            archive.report(report.entry, report.child, report.problems)
            summary.invalid.append(EntryReport(report.entry, report.child, report.problems,
                                               row=report.row))
            continue
        for job in report.jobs:
            content, findings = produce(job)
            archive.add(job.entry, job.path, content, findings)
            summary.documents += 1
            progress(summary.documents, total)
    archive.close()
    if summary.documents != total:  # a document whose data failed its check was not made
        progress(summary.documents, summary.documents)
    return summary
