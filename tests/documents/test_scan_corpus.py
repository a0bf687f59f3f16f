"""The scan corpus (bench/scan_corpus.py) draws what its ground truth says, where the page
layout says, reproducibly; and the scan reader reads a few of its pages without a silent
mistake (bench/scan_bench.py's scoring)."""
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from formservice.documents.page_marks import decode
from formservice.documents.pdf_fill import render_pdf
from formservice.forms.record import load_data

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))  # bench/ is no package, and pytest's pythonpath is tests/
import scan_bench
import scan_corpus
from scan_corpus import PAGE_H, PAGE_W, Job, make_corpus, make_document

DPI = 150


@pytest.fixture(scope="module")
def clean_consent(tmp_path_factory):
    """The pre-filled consent's pages 3 and 4 (check boxes, text, signatures), written on
    but not distorted, at 150 dpi."""
    out = tmp_path_factory.mktemp("clean")
    truths = make_document(out, 0, Job("consent", True, "clean", DPI), seed=7)
    return out, [t for t in truths if t["pages"][0]["mark"]["page"] in (3, 4)]


def _printed_pages(truth: dict) -> list[np.ndarray]:
    """The document's pages as printed, before anyone wrote on them."""
    document = truth["document"]
    data = document["printed"] or load_data(document["form_id"], {})[0]
    pdf, _ = render_pdf(document["form_id"], data, scan_corpus.MUNICIPALITY,
                        document_id=document["document_id"])
    return [np.asarray(page) for page in scan_corpus.rasterise(pdf, DPI, document["printer"])]


def _ink_in(image: np.ndarray, printed: np.ndarray, rect, dpi: int) -> int:
    """Pixels inside `rect` (PDF points) that are clearly darker than as printed."""
    x1, y1, x2, y2 = rect
    s = dpi / 72
    window = (slice(round((PAGE_H - y2) * s), round((PAGE_H - y1) * s)),
              slice(round(x1 * s), round(x2 * s)))
    darker = printed[window].astype(int).sum(axis=2) - image[window].astype(int).sum(axis=2)
    return int((darker > 150).sum())


def test_ground_truth_is_inside_the_page_and_matches_the_ink(clean_consent):
    out, truths = clean_consent
    sources = set()
    printed = _printed_pages(truths[0])
    for truth in truths:
        page = truth["pages"][0]
        image = np.asarray(Image.open(out / truth["file"]).convert("RGB"))
        before = printed[page["mark"]["page"] - 1]
        assert [image.shape[1], image.shape[0]] == page["page_size_px"] == page["image_size_px"]
        assert np.allclose(page["page_to_image"], np.eye(3))
        for path, field in list(page["fields"].items()) + list(page["signatures"].items()):
            x1, y1, x2, y2 = field["rect"]
            assert 0 <= x1 < x2 <= PAGE_W and 0 <= y1 < y2 <= PAGE_H, path
            source = field.get("source") or ("signed" if field["signed"] else "unsigned")
            sources.add(source)
            ink = _ink_in(image, before, field["rect"], DPI)
            if source in ("hand", "handwritten", "signed"):
                assert ink > 20, (path, source, ink)
            elif source in ("empty", "unsigned"):
                assert ink == 0, (path, source, ink)
        for path, field in page["fields"].items():
            if field["kind"] == "bool":
                assert field["expected"] == (field["source"] in ("printed", "hand")), path
            if field["source"] == "handwritten":
                assert field["text"] and field["value"] not in (None, ""), path
    assert {"printed", "hand", "handwritten", "empty"} <= sources


def test_qr_decodes_to_the_ground_truth_mark_on_an_undistorted_page(clean_consent):
    out, truths = clean_consent
    for truth in truths:
        image = Image.open(out / truth["file"])
        marks = [decode(code.text) for code in zxingcpp.read_barcodes(image)]
        assert [asdict(mark) for mark in marks] == [truth["pages"][0]["mark"]]
        assert marks[0].document_id == truth["document"]["document_id"]


def test_corpus_is_reproducible_and_consistent(tmp_path):
    first = make_corpus(tmp_path / "a", pages=5, seed=3)
    second = make_corpus(tmp_path / "b", pages=5, seed=3)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert sum(len(t["pages"]) for t in first) == 5 == json.loads(
        (tmp_path / "a" / "corpus.json").read_text())["pages"]
    printed = json.loads((tmp_path / "a" / "printed.json").read_text())
    for truth in first:
        path = tmp_path / "a" / truth["file"]
        document = truth["document"]
        assert (document["document_id"] in printed) == document["prefilled"]
        if truth["format"] == "pdf":
            import pypdfium2 as pdfium
            assert len(pdfium.PdfDocument(path.read_bytes())) == len(truth["pages"])
        for page in truth["pages"]:
            mark = page["mark"]
            assert (mark["form_id"], mark["pages"], mark["document_id"]) == (
                document["form_id"], document["pages"], document["document_id"])
            # the page's corners land inside the image
            w, h = page["page_size_px"]
            matrix = np.array(page["page_to_image"])
            for x, y in ((0, 0), (w, 0), (0, h), (w, h)):
                u, v, z = matrix @ (x, y, 1)
                assert -2 <= u / z <= page["image_size_px"][0] + 2
                assert -2 <= v / z <= page["image_size_px"][1] + 2
    assert second == first


reader = pytest.importorskip("formservice.documents.scan.reader")


def _read(out: Path, truths: list[dict]) -> scan_bench.Tally:
    from formservice.documents.page_layout import page_layouts
    from formservice.forms.record import load_data
    tally = scan_bench.Tally()
    for truth in truths:
        document = truth["document"]
        printed = {document["document_id"]: document["printed"]} if document["prefilled"] else {}
        data = document["printed"] or load_data(document["form_id"], {})[0]
        reading = reader.read_scan((out / truth["file"]).read_bytes(), printed)
        scan_bench.score_file(truth, reading, page_layouts(document["form_id"], data), data,
                              tally, None)
    return tally


def test_reader_reads_clean_pages_right(clean_consent):
    out, truths = clean_consent
    tally = _read(out, truths)
    c = tally.counts
    assert c["pages"] == c["qr_found"] == 2 and c["page_unread"] == 0
    assert c["boxes"] and c["boxes_right"] == c["boxes"], tally.failures
    assert c["prefilled"] and c["prefilled_matched"] == c["prefilled"], tally.failures
    assert c["handwritten_flagged"] == c["handwritten"], tally.failures
    assert c["signed_detected"] == c["signed"], tally.failures


def test_reader_makes_no_silent_mistake_on_scanned_pages(tmp_path):
    """A scanner's PDF and a photo: whatever the reader cannot read it must say so."""
    truths = (make_document(tmp_path, 0, Job("consent", True, "scanner", 200), seed=11,
                            keep_pages=2)
              + make_document(tmp_path, 1, Job("network_map", False, "photo", 150), seed=11,
                              keep_pages=1))
    c = _read(tmp_path, truths).counts
    assert c["pages"] == c["qr_found"] == 3
    assert c["boxes_silent"] == c["prefilled_silent"] == c["empty_silent"] == 0
    assert c["handwritten_flagged"] == c["handwritten"]


def test_written_values_are_canonical():
    place = type("Place", (), {"kind": "date", "options": ()})
    assert scan_corpus.written_value(place, "3/4-2026") == "2026-04-03"
