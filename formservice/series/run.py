"""Produce a planned batch in this process, writing the ZIP as documents are made."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .. import records
from .batch import EntryReport, plan_jobs, read_plan
from .zipstream import ManifestZip


def produce(job, municipality: str) -> tuple[bytes, list[dict]]:
    content, checked = records.render(job.form_id, job.data, job.fmt, municipality=municipality)
    return content, [finding.as_dict() for finding in checked.findings]


def run_batch(plan: bytes, filename: str, target, *, municipality: str,
              today: dt.date | None = None,
              progress: Callable[[int, int], None] = lambda done, total: None) -> list[EntryReport]:
    """Read and check the plan, then write every document of the valid entries to the ZIP
    `target` (a path or a binary file). Returns the entry reports (bad entries included)."""
    reports = plan_jobs(read_plan(plan, filename), today or dt.date.today())
    jobs = [job for report in reports for job in report.jobs]
    archive = ManifestZip(target)
    for report in reports:
        if not report.ok:
            archive.report(report.entry, report.child, report.problems)
    progress(0, len(jobs))
    for done, job in enumerate(jobs, start=1):
        content, findings = produce(job, municipality)
        archive.add(job.entry, job.path, content, findings)
        progress(done, len(jobs))
    archive.close()
    return reports
