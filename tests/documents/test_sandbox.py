"""The bounded reader (documents.sandbox): the same results as reading in the process, a
memory ceiling and a time limit that turn into Danish refusals, workers that come back."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import hostile_files
import pytest

from formservice.documents import sandbox
from formservice.documents.errors import DocumentError
from formservice.documents.pdf_fill import render_pdf
from formservice.forms import options
from formservice.forms.record import load_data

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FORMS = ("first_meeting", "follow_up_meeting", "consent", "network_map")


@pytest.fixture
def limits():
    """Restore the default limits after a test that changes them."""
    saved = dict(workers=sandbox.WORKERS, memory_limit=sandbox.MEMORY_LIMIT,
                 cpu_seconds=sandbox.CPU_SECONDS, wall_seconds=sandbox.WALL_SECONDS,
                 documents_per_worker=sandbox.DOCUMENTS_PER_WORKER)
    yield
    sandbox.configure(**saved)


def _pdf(form_id: str) -> bytes:
    data, _ = load_data(form_id, json.loads((SAMPLES / f"{form_id}.json").read_text()))
    return render_pdf(form_id, data, "Holbæk Kommune")[0]


def _documents() -> dict[str, bytes]:
    found = {f"{form_id}.docx": (SAMPLES / f"{form_id}.docx").read_bytes() for form_id in FORMS}
    found.update({f"{form_id}.pdf": _pdf(form_id) for form_id in FORMS})
    found["first_meeting.pdf with object streams"] = hostile_files.object_stream_pdf(
        found["first_meeting.pdf"])
    return found


def test_the_worker_reads_exactly_what_the_process_reads():
    for name, document in _documents().items():
        record, findings = sandbox.read_document(document)
        assert (record, findings) == sandbox.read_in_process(document), name
        assert record["data"]["child"]["name"], name


def test_the_worker_follows_the_profiles_options():
    document = (SAMPLES / "first_meeting.docx").read_bytes()
    try:
        options.configure(meeting_types=(("UM", "Udviklingsmøde"), ("NM", "Netværksmøde"),
                                         ("SM", "Samarbejdsmøde")), cpr_enabled=True)
        assert sandbox.read_document(document) == sandbox.read_in_process(document)
    finally:
        options.reset()
    assert sandbox.read_document(document) == sandbox.read_in_process(document)


def test_a_document_past_the_ceiling_is_refused_and_the_next_one_read():
    hostile = next(h for h in hostile_files.corpus().values() if h.ceiling)
    outcome = sandbox.run(hostile.content)
    assert outcome.fate == "memory"
    assert outcome.refusal.startswith("Filen kræver for meget hukommelse")
    assert 0 < outcome.peak_rss < sandbox.MEMORY_LIMIT
    document = (SAMPLES / "consent.docx").read_bytes()
    assert sandbox.read_document(document) == sandbox.read_in_process(document)


def test_a_lower_ceiling_is_kept(limits):
    sandbox.configure(memory_limit=150 * 1024 * 1024)
    document = hostile_files.object_stream_pdf(_pdf("first_meeting"))
    assert sandbox.run(document).fate == "ok"
    words = hostile_files._words(1_000_000)  # 3 MB of words: about 100 MB to split
    outcome = sandbox.run(words)
    assert outcome.fate == "memory", outcome
    with pytest.raises(DocumentError, match="for meget hukommelse"):
        sandbox.read_document(words)


def test_a_document_past_the_time_limit_is_refused(limits):
    sandbox.configure(wall_seconds=0.05)
    slow = hostile_files._words(1_000_000)  # takes about half a second
    outcome = sandbox.run(slow)
    assert outcome.fate == "time", outcome
    assert outcome.refusal.startswith("Filen kræver for lang tid")
    sandbox.configure(wall_seconds=20)
    document = (SAMPLES / "consent.docx").read_bytes()
    assert sandbox.read_document(document) == sandbox.read_in_process(document)


def test_concurrent_uploads_share_the_workers(limits):
    sandbox.configure(workers=2, documents_per_worker=3)  # workers retire along the way
    documents = list(_documents().values())
    expected = [sandbox.read_in_process(document) for document in documents]
    results: dict[int, object] = {}

    def read(index):
        try:
            results[index] = sandbox.read_document(documents[index % len(documents)])
        except Exception as exc:  # noqa: BLE001 - reported below
            results[index] = exc

    threads = [threading.Thread(target=read, args=(index,)) for index in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(results) == 12
    for index, result in results.items():
        assert result == expected[index % len(documents)], (index, result)


def test_refusals_keep_the_worker():
    """A refused file is an answer, not a failure: the worker reads the next one."""
    first = sandbox.run(b"%PDF-1.7\nnot really")
    second = sandbox.run(b"%PDF-1.7\nnot really either")
    assert first.fate == second.fate == "refused"
    assert "beskadiget" in first.refusal


@pytest.mark.parametrize("form_id", FORMS)
def test_the_largest_form_a_person_may_send_is_read(form_id):
    """200 rows in every group (the input limit) stays well inside the readers' limits
    (5,000 content controls or fields) and the worker's ceiling."""
    from formservice.documents.word_render import render_docx
    raw = json.loads((SAMPLES / f"{form_id}.json").read_text())
    for key, value in list(raw.items()):
        if isinstance(value, list) and value:
            raw[key] = (value * 200)[:200]
    data, findings = load_data(form_id, raw)
    assert data is not None, findings
    for document in (render_docx(form_id, data), render_pdf(form_id, data, "Kommunen")[0]):
        outcome = sandbox.run(document)
        assert outcome.fate == "ok", outcome.refusal
        groups = [value for value in outcome.record["data"].values() if isinstance(value, list)]
        assert groups and all(len(group) == 200 for group in groups)
        assert outcome.peak_rss < 150 * 1024 * 1024
