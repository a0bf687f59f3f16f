"""Issue 12's hostile corpus (tests/hostile_files.py): every file is refused with a Danish
reason — by the bounded reader every upload goes through (services.forms.parse) — while
the worker that reads it stays under 300 MB and the service's own memory barely moves.

The worker's peak is its resident high-water mark while it read that one file (VmHWM,
reset before each document); the service's is measured the same way around the call."""
from __future__ import annotations

import hostile_files
import pytest

from formservice.config import Profile
from formservice.documents import sandbox
from formservice.documents.errors import DocumentError
from formservice.documents.sandbox import reset_peak_memory, status_bytes
from formservice.services import forms

CEILING = 300 * 1024 * 1024
SERVICE_GROWTH = 16 * 1024 * 1024  # the service holds the upload (already held) and an answer
CORPUS = hostile_files.corpus()
# Words that give away an English (library) message or a stack trace.
ENGLISH = ("invalid", "error", "exception", "traceback", "unable", "memory", "failed",
           "cannot", "file \"", "object", "stream ", "pikepdf", "qpdf", "lxml", "zipfile")


def assert_danish(message: str):
    assert isinstance(message, str) and message.strip(), message
    lowered = message.lower()
    for word in ENGLISH:
        assert word not in lowered, f"not Danish ({word!r}): {message}"
    assert any(word in lowered for word in (" og ", " ikke ", " er ", " en ")), message


@pytest.fixture(scope="module", autouse=True)
def warm_worker():
    sandbox.start(1)


def test_the_corpus_has_every_kind_of_issue_12():
    names = " ".join(CORPUS)
    for kind in ("flate bomb in an object stream", "[Content_Types]", "../ entry",
                 "100,000 content controls", "10,000-character tag", "10,000-digit row",
                 "field tree loop (Kids)", "field tree loop (Parent)", "value is an array",
                 "value is a number", "value is a dictionary", "../ field name",
                 "10,000-character field name", "damaged XMP", "XMP flate bomb",
                 "XMP entity bomb", "PDF + ZIP polyglot as .pdf", "PDF + ZIP polyglot as .docx"):
        assert kind in names, kind
    assert len(CORPUS[next(n for n in CORPUS if "object stream (1 GB" in n)].content) < 1_300_000


@pytest.mark.parametrize("name", list(CORPUS))
def test_refused_with_a_danish_reason_under_the_ceiling(name):
    hostile = CORPUS[name]
    measured = reset_peak_memory()
    before = status_bytes("VmRSS")
    outcome = sandbox.run(hostile.content)
    peak = status_bytes("VmHWM")
    assert outcome.refusal is not None, f"{name} was read as a form"
    assert hostile.reason in outcome.refusal, outcome.refusal
    assert_danish(outcome.refusal)
    assert outcome.fate == ("memory" if hostile.ceiling else "refused"), outcome
    assert 0 < outcome.peak_rss < CEILING, f"the worker peaked at {outcome.peak_rss >> 20} MB"
    if measured and before and peak:
        assert peak - before < SERVICE_GROWTH, f"the service grew {(peak - before) >> 20} MB"


@pytest.mark.parametrize("name", list(CORPUS))
def test_the_service_refuses_it_the_same_way(name):
    hostile = CORPUS[name]
    with pytest.raises(DocumentError) as caught:
        forms.parse(Profile(), hostile.content)
    assert hostile.reason in str(caught.value)


@pytest.mark.parametrize("name", [name for name in CORPUS if not CORPUS[name].ceiling])
def test_the_readers_refuse_it_in_process_too(name):
    """The readers' own limits refuse every file but the one only the ceiling stops."""
    hostile = CORPUS[name]
    with pytest.raises(DocumentError) as caught:
        sandbox.read_in_process(hostile.content)
    assert hostile.reason in str(caught.value)
