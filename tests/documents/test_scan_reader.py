"""Paper read back (documents.scan.reader): the service's own PDFs rasterised at 150, 200
and 300 dpi, ticked with a pen stroke, written on in a handwriting font, signed with a
scrawl, then turned, seen in perspective, JPEG-compressed and noised — and read: the QR
found, every tick right or flagged (never wrong), printed values confirmed, handwriting
flagged with its crop, signatures seen, pages in any order and any way up, a missing page
reported, and files that are not one printed PDF refused in Danish."""
from __future__ import annotations

import io
import json
import random
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont

from formservice.documents import page_marks, sandbox
from formservice.documents.errors import DocumentError
from formservice.documents.page_layout import page_layouts
from formservice.documents.pdf_fill import render_pdf
from formservice.documents.scan.reader import ScanReading, identify, read_scan
from formservice.forms.record import load_data

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
HANDWRITING = "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf"
PEN = 30  # the gray of a pen's ink
PNG_MAGIC = b"\x89PNG"


# --- paper -------------------------------------------------------------------------------

class Printed:
    """A form as the service prints it: its data, PDF and page layouts."""

    def __init__(self, form_id: str, data: dict | None = None, document_id: str | None = None):
        if data is None:
            data, _ = load_data(form_id, {})
        self.form_id, self.data, self.document_id = form_id, data, document_id
        self.pdf = render_pdf(form_id, data, "Holbæk Kommune", document_id=document_id)[0]
        self.layouts = page_layouts(form_id, data)

    @classmethod
    def sample(cls, form_id: str, document_id: str = "DOC1", **changes) -> "Printed":
        data, _ = load_data(form_id, json.loads((SAMPLES / f"{form_id}.json").read_text()))
        for path, value in changes.items():
            section, name = path.split(".")
            data[section][name] = value
        return cls(form_id, data, document_id)

    def place(self, path: str):
        for layout in self.layouts:
            for place in (*layout.fields, *layout.signatures):
                if place.path == path:
                    return layout.number, place
        raise KeyError(path)

    def pages(self, dpi: float) -> list[np.ndarray]:
        """Every page as a printer prints it (the fields' appearances) at `dpi`, gray."""
        from formservice.documents.pdf_fill import flatten_pdf
        document = pdfium.PdfDocument(flatten_pdf(self.pdf))
        pages = []
        for page in document:
            pixels = page.render(scale=dpi / 72, grayscale=True).to_numpy()
            pages.append(np.ascontiguousarray(pixels[:, :, 0] if pixels.ndim == 3
                                              else pixels).copy())
        return pages


def _px(x: float, y: float, dpi: float) -> tuple[int, int]:
    return round(x * dpi / 72), round((page_marks.PAGE_H - y) * dpi / 72)


def tick(page: np.ndarray, rect, dpi: float, rng: random.Random, kind: str = "x",
         width: int = 3) -> None:
    """A pen stroke in a box's interior: a cross, a check mark or a slash."""
    x1, y1, x2, y2 = rect
    inset = 2.6

    def point(x, y):
        px, py = _px(x, y, dpi)
        return px + rng.randint(-1, 1), py + rng.randint(-1, 1)

    left, right, bottom, top = x1 + inset, x2 - inset, y1 + inset, y2 - inset
    if kind == "x":
        cv2.line(page, point(left, top), point(right, bottom), PEN, width)
        cv2.line(page, point(left, bottom), point(right, top), PEN, width)
    elif kind == "check":
        middle = ((left + right) / 2 - 1, bottom)
        cv2.line(page, point(left, (top + bottom) / 2), point(*middle), PEN, width)
        cv2.line(page, point(*middle), point(right, top), PEN, width)
    else:
        cv2.line(page, point(left, bottom), point(right, top), PEN, width)


def write(page: np.ndarray, rect, text: str, dpi: float, size_pt: float = 10.5) -> None:
    """Handwriting (DkgHandwriting) at the top left of a field."""
    x1, _, _, y2 = rect
    picture = Image.fromarray(page)
    font = ImageFont.truetype(HANDWRITING, round(size_pt * dpi / 72))
    ImageDraw.Draw(picture).text(_px(x1 + 4, y2 - 3, dpi), text, fill=PEN, font=font)
    page[:] = np.asarray(picture)


def sign(page: np.ndarray, rect, dpi: float, rng: random.Random) -> None:
    """A scrawl: a random polyline across a signature box."""
    x1, y1, x2, y2 = rect
    points = [_px(x1 + 8 + (x2 - x1 - 16) * i / 11, y1 + 8 + rng.uniform(0.1, 0.8) * (y2 - y1 - 14),
                  dpi) for i in range(12)]
    cv2.polylines(page, [np.int32(points)], False, PEN, 2)


def dot(page: np.ndarray, rect, dpi: float) -> None:
    """A pen that touched the box by accident: a small dot."""
    x1, y1, x2, y2 = rect
    cv2.circle(page, _px((x1 + x2) / 2, (y1 + y2) / 2, dpi), max(1, round(dpi / 150)), PEN, -1)


def capture(page: np.ndarray, *, angle: float = 0.0, perspective: float = 0.0,
            noise: float = 5.0, quality: int | None = 60, background: int | None = None,
            seed: int = 0) -> np.ndarray:
    """The page scanned or photographed: turned by `angle` degrees (anticlockwise), its
    corners moved by up to `perspective` of its size, on a `background` (a table) or
    white, noise, JPEG at `quality`."""
    rng = np.random.default_rng(seed)
    height, width = page.shape
    pad = int(0.05 * max(width, height)) if background is not None else 10
    src = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    jitter = perspective * min(width, height)
    dst = src + pad + rng.uniform(-jitter, jitter, size=(4, 2)).astype(np.float32)
    canvas = (width + 2 * pad, height + 2 * pad)
    turn = np.vstack([cv2.getRotationMatrix2D((canvas[0] / 2, canvas[1] / 2), angle, 1.0),
                      [0, 0, 1]])
    cos, sin = abs(np.cos(np.radians(angle))), abs(np.sin(np.radians(angle)))
    size = (int(canvas[0] * cos + canvas[1] * sin), int(canvas[0] * sin + canvas[1] * cos))
    turn[0, 2] += (size[0] - canvas[0]) / 2
    turn[1, 2] += (size[1] - canvas[1]) / 2
    matrix = turn @ cv2.getPerspectiveTransform(src, dst)
    shot = cv2.warpPerspective(page, matrix, size, flags=cv2.INTER_LINEAR,
                               borderValue=255 if background is None else background)
    if noise:
        shot = np.clip(shot + rng.normal(0, noise, shot.shape), 0, 255).astype(np.uint8)
    if quality:
        shot = cv2.imdecode(cv2.imencode(".jpg", shot, [cv2.IMWRITE_JPEG_QUALITY, quality])[1],
                            cv2.IMREAD_GRAYSCALE)
    return shot


def png(page: np.ndarray) -> bytes:
    return cv2.imencode(".png", page)[1].tobytes()


def jpeg(page: np.ndarray, quality: int = 80) -> bytes:
    return cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def scanner_pdf(pages: list[np.ndarray], dpi: float) -> bytes:
    """A scanner's PDF: one JPEG picture per page."""
    pictures = [Image.fromarray(page) for page in pages]
    out = io.BytesIO()
    pictures[0].save(out, "PDF", save_all=True, append_images=pictures[1:], resolution=dpi)
    return out.getvalue()


def _review(reading: ScanReading) -> dict[str, str]:
    return {f.path: f.code for f in reading.findings
            if f.code in ("scan.needs_review", "scan.uncertain")}


# --- reading -----------------------------------------------------------------------------

CONSENT_CASES = [
    pytest.param(150, dict(angle=2.0), id="150dpi-scan-turned-2deg"),
    pytest.param(200, dict(angle=181.0, noise=8), id="200dpi-scan-upside-down"),
    pytest.param(300, dict(angle=-4.0, perspective=0.04, background=70, noise=6),
                 id="300dpi-photo-perspective"),
]


@pytest.mark.parametrize("dpi,distortion", CONSENT_CASES)
def test_a_consent_ticked_written_and_signed_on_paper_is_read(dpi, distortion):
    printed = Printed.sample("consent", "C0NS3NT",
                             **{"who_consents.sole_signer_reason": None})
    page_number, _ = printed.place("child.anonymised")
    page = printed.pages(dpi)[page_number - 1]
    rng = random.Random(dpi)
    tick(page, printed.place("child.anonymised")[1].rect, dpi, rng, "x", 3)
    tick(page, printed.place("who_consents.both_parents_influence")[1].rect, dpi, rng,
         "check", 2)
    write(page, printed.place("who_consents.sole_signer_reason")[1].rect,
          "Mor har forældremyndigheden", dpi)
    write(page, printed.place("custody_holders.1.proxy_name")[1].rect, "Hanne Hansen", dpi)
    sign(page, printed.place("custody_holders.0")[1].rect, dpi, rng)
    upload = jpeg(capture(page, **distortion), 85)

    reading = read_scan(upload, {"C0NS3NT": printed.data})

    [info] = reading.pages
    assert info["mark"]["page"] == page_number and info["read"]
    assert len(info["marks_found"]) == 4
    assert reading.form_id == "consent" and reading.document_id == "C0NS3NT"
    data = reading.record["data"]
    assert data["child"]["anonymised"] is True  # ticked on paper
    assert data["who_consents"]["both_parents_influence"] is True
    assert data["household"]["parents_live_together"] is True  # printed ticked, confirmed
    assert [h["lives_with_child"] for h in data["custody_holders"]] == [True, True]
    for key in ("name", "birth_date", "institution", "group"):
        assert data["child"][key] == printed.data["child"][key]  # printed, confirmed
    assert data["purpose"] == printed.data["purpose"]
    assert _review(reading) == {"who_consents.sole_signer_reason": "scan.needs_review",
                                "custody_holders.1.proxy_name": "scan.needs_review"}
    for path in _review(reading):
        assert reading.crops[path].startswith(PNG_MAGIC)
    message = next(f.message for f in reading.findings
                   if f.path == "custody_holders.1.proxy_name")
    assert message.startswith("Håndskrevet: skriv, hvad der står i feltet")
    assert "Underskrevet med fuldmagt af" in message
    assert reading.signed == {"custody_holders.0": True, "custody_holders.1": False}
    assert reading.signatures["custody_holders.0"].startswith(PNG_MAGIC)
    missing = sorted(f.message for f in reading.findings if f.code == "scan.missing_page")
    assert len(missing) == 4 and missing[0].startswith("Side 1 af 5 er ikke med i filen")
    assert info["seconds"] < 1.5


def test_pages_shuffled_and_upside_down_are_read_in_one_file():
    printed = Printed.sample("first_meeting", "M33T1NG")
    dpi = 200
    pages = printed.pages(dpi)
    rng = random.Random(3)
    boxes = [place for layout in printed.layouts for place in layout.fields
             if place.kind == "bool" and printed.data[place.path.split(".")[0]].get(
                 place.path.split(".")[-1]) is False]
    ticked = set()
    for place in boxes[:3]:
        number, _ = printed.place(place.path)
        tick(pages[number - 1], place.rect, dpi, rng, rng.choice(("x", "check", "slash")), 2)
        ticked.add(place.path)
    order = [2, 0, 3, 1]
    turned = [capture(pages[i], angle=(180 if i % 2 else 0) + rng.uniform(-2, 2), seed=i)
              for i in order]
    upload = scanner_pdf(turned, dpi)

    marks = identify(upload)
    assert [mark.page for mark in marks] == [3, 1, 4, 2]
    assert {mark.document_id for mark in marks} == {"M33T1NG"}

    reading = read_scan(upload, {"M33T1NG": printed.data})
    expected = json.loads(json.dumps(printed.data))
    for path in ticked:
        section, name = path.split(".")
        expected[section][name] = True
    assert reading.record["data"] == expected
    assert reading.record["form"] == "first_meeting" and reading.findings == []
    for info, index in zip(reading.pages, order):  # odd pages were fed upside down
        assert abs(abs(info["rotation"]) - (180 if index % 2 else 0)) < 5, reading.pages
    seconds = [p["seconds"] for p in reading.pages]
    assert sum(seconds) / len(seconds) < 1.0, seconds


@pytest.mark.parametrize("covered", [("top_left",), ("top_left", "bottom_right"),
                                     tuple(page_marks.CORNER_MARKS)])
def test_a_page_whose_corner_marks_are_cut_off_is_laid_onto_the_print(covered):
    printed = Printed.sample("consent", "C0NS3NT")
    dpi = 200
    page_number, anonymised = printed.place("child.anonymised")
    page = printed.pages(dpi)[page_number - 1]
    tick(page, anonymised.rect, dpi, random.Random(4), "check", 3)
    half = round(page_marks.MARK_SIZE * dpi / 72)
    for name in covered:  # a thumb, or a photo cropped to the content
        x, y = _px(*page_marks.CORNER_MARKS[name], dpi)
        cv2.rectangle(page, (x - half, y - half), (x + half, y + half), 255, -1)
    photo = capture(page, angle=3, perspective=0.03, background=70, noise=5, seed=9)
    reading = read_scan(jpeg(photo, 85), {"C0NS3NT": printed.data})
    [info] = reading.pages
    assert len(info["marks_found"]) == 4 - len(covered) and info["registered"]
    assert info["read"], info
    assert reading.record["data"]["child"]["anonymised"] is True
    assert _review(reading) == {}
    assert reading.signed == {"custody_holders.0": False, "custody_holders.1": False}


def test_a_missing_page_and_an_unreadable_one_are_findings():
    printed = Printed.sample("consent", "C0NS3NT")
    pages = printed.pages(150)
    blank = np.full_like(pages[0], 255)  # a page that is no page of the form
    upload = scanner_pdf([capture(pages[0]), blank, capture(pages[2]), capture(pages[3]),
                          capture(pages[4])], 150)
    reading = read_scan(upload, {"C0NS3NT": printed.data})
    codes = sorted((f.code, f.message[:20].strip()) for f in reading.findings)
    assert codes == [("scan.missing_page", "Side 2 af 5 er ikke"),
                     ("scan.unrecognised_page", "Side 2 i filen kunne")]
    assert reading.record["data"] == printed.data  # page 2 as printed
    assert [p["mark"] and p["mark"]["page"] for p in reading.pages] == [1, None, 3, 4, 5]


def test_a_form_printed_blank_is_read_into_rows_and_fields():
    printed = Printed("first_meeting")
    dpi = 200
    pages = printed.pages(dpi)
    number, date = printed.place("meeting.date")
    write(pages[number - 1], date.rect, "12-03-2026", dpi)
    row_number, name = printed.place("participants.1.name")
    write(pages[row_number - 1], name.rect, "Søren Ærø", dpi)
    _, consent = printed.place("meeting.consent_on_file")
    tick(pages[number - 1], consent.rect, dpi, random.Random(1))
    upload = png(capture(pages[number - 1], angle=1.5, seed=5))

    reading = read_scan(upload, {})
    data = reading.record["data"]
    assert data["meeting"]["consent_on_file"] is True
    assert len(data["participants"]) == 1  # the row written in, the empty one left out
    assert set(_review(reading)) == {"meeting.date", "participants.0.name"}
    assert reading.crops["participants.0.name"].startswith(PNG_MAGIC)
    assert data["meeting"]["date"] in (None, "2026-03-12")  # Tesseract's, if it read it
    assert isinstance(data["participants"][0]["name"], (str, type(None)))


def test_without_tesseract_handwriting_is_flagged_without_a_suggestion(monkeypatch):
    from formservice.documents.scan import read_page
    monkeypatch.setattr(read_page._TESSERACT, "checked", True)
    monkeypatch.setattr(read_page._TESSERACT, "path", None)
    printed = Printed("first_meeting")
    dpi = 150
    number, place = printed.place("meeting.place")
    page = printed.pages(dpi)[number - 1]
    write(page, place.rect, "Børnehuset", dpi)
    reading = read_scan(png(capture(page)), {})
    assert reading.record["data"]["meeting"]["place"] is None
    [finding] = [f for f in reading.findings if f.code == "scan.needs_review"]
    assert finding.path == "meeting.place" and "Mødested" in finding.message
    assert "læser det som" not in finding.message


def test_an_unclear_box_is_flagged_and_never_guessed():
    printed = Printed.sample("consent", "C0NS3NT")
    dpi = 200
    page_number, anonymised = printed.place("child.anonymised")
    _, together = printed.place("household.parents_live_together")  # printed ticked
    page = printed.pages(dpi)[page_number - 1]
    dot(page, anonymised.rect, dpi)
    x1, y1, x2, y2 = together.rect
    cv2.rectangle(page, _px(x1 + 2, y2 - 2, dpi), _px(x2 - 2, y1 + 2, dpi), PEN, -1)  # filled in
    reading = read_scan(png(capture(page, angle=-1)), {"C0NS3NT": printed.data})
    data = reading.record["data"]
    review = _review(reading)
    # the dot: not ticked, or flagged; never ticked
    assert data["child"]["anonymised"] is False
    assert review.get("child.anonymised") in (None, "scan.uncertain")
    # the printed tick scribbled over: left as printed, flagged
    assert data["household"]["parents_live_together"] is True
    assert review["household.parents_live_together"] == "scan.uncertain"
    assert reading.crops["household.parents_live_together"].startswith(PNG_MAGIC)


def test_ticks_are_read_right_or_flagged_never_wrong():
    """The check boxes of a network map of 30 people (none invited when printed), about
    half ticked on paper, in three captures: no box may be read wrong."""
    data, _ = load_data("network_map", json.loads((SAMPLES / "network_map.json").read_text()))
    person = data["people"][0]
    data["people"] = [{**person, "name": f"Person {n}", "support": None, "invite": False}
                      for n in range(30)]
    printed = Printed("network_map", data, "N3TV")
    boxes = [(layout.number, place) for layout in printed.layouts for place in layout.fields
             if place.kind == "bool" and place.path.startswith("people.")]
    assert len(boxes) >= 30
    counts = {"right": 0, "flagged": 0, "wrong": 0}
    captures = [(150, dict(angle=1.0, noise=6)),
                (200, dict(angle=179.0, noise=4)),
                (300, dict(angle=3.0, perspective=0.03, background=60, noise=6))]
    for round_number, (dpi, distortion) in enumerate(captures):
        rng = random.Random(round_number)
        pages = printed.pages(dpi)
        truth = {}
        for number, place in boxes:
            truth[place.path] = rng.random() < 0.5
            if truth[place.path]:
                tick(pages[number - 1], place.rect, dpi, rng,
                     rng.choice(("x", "check", "slash")), rng.choice((2, 3)))
        wanted = sorted({number for number, _ in boxes})
        upload = scanner_pdf([capture(pages[n - 1], seed=n, **distortion) for n in wanted], dpi)
        reading = read_scan(upload, {"N3TV": data}, ocr=False)
        flagged = {f.path for f in reading.findings if f.code == "scan.uncertain"}
        for path, ticked in truth.items():
            value = reading.record["data"]
            for part in path.split("."):
                value = value[int(part)] if isinstance(value, list) else value[part]
            if path in flagged:
                counts["flagged"] += 1
            elif value is ticked:
                counts["right"] += 1
            else:
                counts["wrong"] += 1
    print("check boxes:", counts)
    assert counts["wrong"] == 0
    assert counts["right"] >= 0.97 * sum(counts.values())


# --- refusals ----------------------------------------------------------------------------

def test_pages_of_two_printed_documents_are_refused():
    consent = Printed.sample("consent", "C0NS3NT")
    meeting = Printed.sample("first_meeting", "M33T1NG")
    upload = scanner_pdf([capture(consent.pages(150)[0]), capture(meeting.pages(150)[0])],
                         150)
    with pytest.raises(DocumentError, match="flere forskellige udskrevne formularer"):
        read_scan(upload, {"C0NS3NT": consent.data, "M33T1NG": meeting.data})
    again = Printed.sample("consent", "AN0TH3R")
    twice = scanner_pdf([capture(consent.pages(150)[0]), capture(again.pages(150)[1])], 150)
    with pytest.raises(DocumentError, match="samme formular, udskrevet flere gange"):
        read_scan(twice, {"C0NS3NT": consent.data, "AN0TH3R": again.data})


def test_an_unknown_document_and_a_file_without_a_page_are_refused():
    printed = Printed.sample("consent", "C0NS3NT")
    upload = png(capture(printed.pages(150)[0]))
    with pytest.raises(DocumentError, match="findes ikke i tjenesten"):
        read_scan(upload, {"SOMETHING": printed.data})
    white = png(np.full((1754, 1240), 255, np.uint8))
    with pytest.raises(DocumentError, match="QR-koden nederst til højre"):
        read_scan(white, {})
    assert identify(white) == [None]


def test_a_page_printed_from_word_is_refused():
    printed = Printed.sample("consent", "C0NS3NT")
    dpi = 150
    page = printed.pages(dpi)[0]
    word = page_marks.PageMark("consent", 1, 0, 0, "C0NS3NT", "docx")
    x1, y1, x2, y2 = page_marks.QR_RECT
    left, top = _px(x1, y2, dpi)
    right, _ = _px(x2, y1, dpi)
    code = Image.open(io.BytesIO(page_marks.qr_png(word, right - left))).convert("L")
    picture = Image.fromarray(page)
    picture.paste(code, (left, top))
    with pytest.raises(DocumentError, match="Word-dokument"):
        read_scan(png(np.asarray(picture)), {"C0NS3NT": printed.data})


# --- in the sandbox ----------------------------------------------------------------------

def test_the_scan_worker_reads_what_the_process_reads():
    printed = Printed.sample("consent", "C0NS3NT")
    dpi = 200
    page_number, place = printed.place("custody_holders.1.proxy_name")
    page = printed.pages(dpi)[page_number - 1]
    write(page, place.rect, "Hanne Hansen", dpi)
    sign(page, printed.place("custody_holders.1")[1].rect, dpi, random.Random(2))
    upload = jpeg(capture(page, angle=2), 85)
    here = read_scan(upload, {"C0NS3NT": printed.data})
    there = sandbox.read_scan(upload, {"C0NS3NT": printed.data})
    assert there.record == here.record and there.findings == here.findings
    assert there.crops == here.crops and there.signatures == here.signatures
    assert there.signed == {"custody_holders.0": False, "custody_holders.1": True}
    assert [p["mark"] for p in there.pages] == [p["mark"] for p in here.pages]
    assert sandbox.identify_scan(upload) == identify(upload)
    with pytest.raises(DocumentError, match="findes ikke i tjenesten"):
        sandbox.read_scan(upload, {})
