"""A scanned or photographed paper form read back into a record.

`identify(data)` says which printed page each page of the file is (its QR code).
`read_scan(data, printed)` reads the whole file: every page is found (QR, corner marks),
straightened and compared with the very page the service printed, which it renders again
from the data printed under the document's id (`printed`, looked up by the caller). The
record starts as what was printed; ticks read from the paper change it; handwriting on an
empty field is suggested (Tesseract) and always left to a person (`scan.needs_review`,
with the field's crop); a box that is not clearly ticked or clearly not is never guessed
(`scan.uncertain`). Pages may come in any order and any way up; a missing page or an
unreadable one is a finding, and the file is refused (DocumentError, Danish) when no page
is recognised, when it mixes forms or printed documents, when a page was printed from
Word (the service does not know where Word put the fields), or when the printed document
is unknown.
"""
from __future__ import annotations

import base64
import copy
import datetime as dt
import difflib
import re
import time
from dataclasses import dataclass, field

import numpy as np

from ...forms import danish, get_form
from ...forms import fields as kinds
from ...forms.layout import sections
from ...forms.record import Finding, load_data, make_record, warning
from ..errors import DocumentError
from ..page_layout import page_layouts
from ..page_marks import PageMark
from . import images, locate, read_page

SUGGESTED_YEARS_AHEAD = 5
# a page is read only when the printed page's ink is found on it (this share of it)
AGREEMENT = 0.75

NO_PAGE = ("Ingen side i filen kunne genkendes som en formular fra tjenesten: QR-koden "
           "nederst til højre på siden kunne ikke læses. Scan eller fotografér siderne "
           "igen, så hele siden med de fire sorte hjørnemærker er med, skarpt og uden "
           "skygger.")
WORD = ("Siderne er udskrevet fra formularens Word-dokument. Tjenesten kan kun læse "
        "papir, der er udskrevet fra formularens PDF, fordi Word selv bestemmer, hvor "
        "felterne står på siden. Udskriv formularen som PDF fra tjenesten, udfyld den på "
        "papir, og scan den.")
MIXED = ("Filen indeholder sider fra flere forskellige udskrevne formularer ({what}). "
         "Scan hver udfyldt formular for sig, og upload dem hver for sig.")
OLD_VERSION = ("Siderne er version {version} af formularen \"{title}\"; tjenesten læser "
               "version {current}. Udskriv formularen igen fra tjenesten, og udfyld den nye.")
UNKNOWN_DOCUMENT = ("Den udskrevne formular, siderne stammer fra (dokument {document_id}), "
                    "findes ikke i tjenesten, eller du har ikke adgang til den. Upload "
                    "scanningen under den sag, formularen blev udskrevet til, eller udskriv "
                    "formularen igen.")
LAYOUT_CHANGED = ("Formularen ser anderledes ud nu, end da den blev udskrevet (den havde "
                  "{printed} sider, nu {now}), så felterne kan ikke findes på siderne. "
                  "Udskriv formularen igen fra tjenesten.")

SEVERAL = ("Side {index} i filen viser mere end én side fra tjenesten; den er ikke læst. "
           "Scan eller fotografér én side ad gangen.")
UNRECOGNISED = ("Side {index} i filen kunne ikke genkendes (QR-koden nederst til højre "
                "kunne ikke læses) og er ikke læst. Scan eller fotografér siden igen, så "
                "hele siden er med, skarpt og uden skygger.")
UNREADABLE = ("Side {index} i filen (formularens side {page}) kunne ikke rettes op, så "
              "felterne ikke kan læses sikkert; den er ikke læst. Scan siden igen, eller "
              "fotografér den lige ovenfra, så alle fire hjørnemærker er med.")
MISSING = ("Side {page} af {pages} er ikke med i filen. Felterne på den side er ikke "
           "læst; det, der blev udskrevet på den, er beholdt. Scan siden, hvis der er "
           "skrevet på den.")
DUPLICATE = ("Formularens side {page} er med flere gange i filen (side {indices}); kun "
             "side {first} i filen er læst.")
UNCERTAIN_BOX = ("Afkrydsningsfeltet \"{label}\" (side {page}) kan ikke aflæses sikkert. "
                 "Se udsnittet, og sæt eller fjern krydset. Indtil da står det, som det "
                 "blev udskrevet ({printed}).")
HANDWRITTEN = ("Håndskrevet: skriv, hvad der står i feltet \"{label}\" (side {page}).")
SUGGESTED = " Tjenesten læser det som \"{suggestion}\"; ret det, hvis det er forkert."
CHANGED = ("Der er skrevet i eller rettet i feltet \"{label}\" på papiret (side {page}). "
           "Se udsnittet, og skriv, hvad der skal stå; indtil da står det, der blev "
           "udskrevet.")
UNCERTAIN_SIGNATURE = ("Det kan ikke ses sikkert, om {who} har skrevet under (side {page}). "
                       "Se udsnittet af underskriftsfeltet.")


@dataclass
class ScanReading:
    """What a scan of a printed form says.

    `record` is the form's record ({"form", "version", "data"}, data canonical): what was
    printed, with the ticks read from paper and the handwriting suggestions put in;
    `findings` the warnings (scan.uncertain, scan.needs_review, scan.missing_page,
    scan.unrecognised_page, scan.duplicate_page); `crops` the PNG of each field a person
    must look at (by record path); `signatures` the PNG of each signature box with ink
    and `signed` whether each signature box on the pages read is signed (by item path,
    e.g. "custody_holders.0"); `pages` one entry per page of the file."""
    form_id: str
    record: dict
    findings: list[Finding] = field(default_factory=list)
    crops: dict[str, bytes] = field(default_factory=dict)
    signatures: dict[str, bytes] = field(default_factory=dict)
    signed: dict[str, bool] = field(default_factory=dict)
    pages: list[dict] = field(default_factory=list)
    document_id: str | None = None

    def as_json(self) -> dict:
        """JSON-able (PNGs base64-encoded)."""
        return {"form_id": self.form_id, "record": self.record,
                "findings": [f.as_dict() for f in self.findings],
                "crops": {k: base64.b64encode(v).decode() for k, v in self.crops.items()},
                "signatures": {k: base64.b64encode(v).decode()
                               for k, v in self.signatures.items()},
                "signed": dict(self.signed), "pages": self.pages,
                "document_id": self.document_id}

    @classmethod
    def from_json(cls, data: dict) -> ScanReading:
        return cls(
            form_id=str(data["form_id"]), record=data["record"],
            findings=[Finding(str(f["code"]), str(f["severity"]), str(f["path"]),
                              str(f["message"])) for f in data["findings"]],
            crops={str(k): base64.b64decode(v) for k, v in data["crops"].items()},
            signatures={str(k): base64.b64decode(v) for k, v in data["signatures"].items()},
            signed={str(k): bool(v) for k, v in data["signed"].items()},
            pages=list(data["pages"]), document_id=data.get("document_id"))


def mark_as_dict(mark: PageMark | None) -> dict | None:
    if mark is None:
        return None
    return {"form_id": mark.form_id, "form_version": mark.form_version, "page": mark.page,
            "pages": mark.pages, "document_id": mark.document_id, "source": mark.source}


def mark_from_dict(data: dict | None) -> PageMark | None:
    if data is None:
        return None
    return PageMark(str(data["form_id"]), int(data["form_version"]), int(data["page"]),
                    int(data["pages"]), data.get("document_id"), str(data["source"]))


# --- which pages -------------------------------------------------------------------------

def identify(data: bytes) -> list[PageMark | None]:
    """The page mark of each page of the file, in file order (None: no readable QR).
    DocumentError (Danish) for a file that is no scan or photo we can open."""
    marks = []
    with images.open_pages(data) as pages:
        for page in pages:
            found, _ = locate.find_qr(page.pixels)
            marks.append(found.mark if found is not None else None)
    return marks


@dataclass
class _FilePage:
    index: int                  # 1-based, in the file
    located: locate.Located
    straight: np.ndarray | None
    seconds: float
    read: bool = False
    reason: str = ""
    agreement: float | None = None
    registered: bool = False


def _locate_all(pages: images.Pages, size: tuple[int, int]) -> list[_FilePage]:
    """Every page of the file found and straightened (its picture not kept: a page is
    decoded again in the rare case it is straightened again)."""
    found = []
    for index in range(len(pages)):
        started = time.monotonic()
        page = pages.page(index)
        located = locate.locate(page.pixels)
        straight = None
        if located.found:
            straight = locate.straighten(page.pixels, located.homography, size=size)
        del page
        found.append(_FilePage(index + 1, located, straight, time.monotonic() - started))
    return found


def _the_document(pages: list[_FilePage]) -> tuple[str, int, str | None, int]:
    """The one printed document the pages come from: form, version, id, page count."""
    marks = [page.located.mark for page in pages if page.located.mark is not None]
    if not marks:
        several = any(page.located.reason == "several_pages" for page in pages)
        raise DocumentError(SEVERAL.format(index=1) if several and len(pages) == 1
                            else NO_PAGE)
    if any(mark.source == "docx" for mark in marks):
        if all(mark.source == "docx" for mark in marks):
            raise DocumentError(WORD)
        raise DocumentError(MIXED.format(what="både fra Word-dokumentet og fra PDF'en"))
    documents = {(mark.form_id, mark.form_version, mark.document_id, mark.pages)
                 for mark in marks}
    if len(documents) > 1:
        forms = {mark.form_id for mark in marks}
        if len(forms) > 1:
            what = ", ".join(sorted(f"\"{get_form(form_id).title}\"" for form_id in forms))
        else:
            what = "samme formular, udskrevet flere gange"
        raise DocumentError(MIXED.format(what=what))
    form_id, version, document_id, count = documents.pop()
    form = get_form(form_id)
    if version != form.version:
        raise DocumentError(OLD_VERSION.format(version=version, title=form.title,
                                               current=form.version))
    return form_id, version, document_id, count


def _printed_data(form_id: str, document_id: str | None, printed: dict) -> dict:
    if document_id is None and None not in (printed or {}):
        blank, _ = load_data(form_id, {})
        return blank
    data = (printed or {}).get(document_id)
    if data is None:
        raise DocumentError(UNKNOWN_DOCUMENT.format(document_id=document_id))
    if isinstance(data, dict) and "data" in data and "form" in data:  # a record
        data = data["data"]
    if not isinstance(data, dict):
        raise DocumentError(UNKNOWN_DOCUMENT.format(document_id=document_id))
    return copy.deepcopy(data)


def _references(form_id: str, data: dict, contact: str | None, document_id: str | None,
                wanted: set[int], dpi: float):
    """The printed PDF again: its page count and the wanted pages rendered at `dpi` as a
    printer prints them — each field's appearance (pdf_fill.flatten_pdf burns them in) —
    and as a PDF viewer prints them (its own drawing of the form: a drop-down's button)."""
    import pypdfium2 as pdfium

    from ..pdf_fill import flatten_pdf, render_pdf
    document, _ = render_pdf(form_id, data, "", contact=contact, document_id=document_id)
    printed = _render(pdfium, flatten_pdf(document), wanted, dpi, forms=False)
    viewed = _render(pdfium, document, wanted, dpi, forms=True)
    return printed[0], printed[1], viewed[1]


def _render(pdfium, document: bytes, wanted: set[int], dpi: float, forms: bool):
    rendered = {}
    with images.PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(document)
        try:
            if forms:
                pdf.init_forms()
            count = len(pdf)
            for number in sorted(wanted):
                if not 1 <= number <= count:
                    continue
                page = pdf[number - 1]
                bitmap = page.render(scale=dpi / 72, grayscale=True, may_draw_forms=forms)
                pixels = bitmap.to_numpy()
                pixels = pixels[:, :, 0] if pixels.ndim == 3 else pixels
                rendered[number] = np.ascontiguousarray(pixels).copy()
                bitmap.close()
                page.close()
        finally:
            pdf.close()
    return count, rendered


def _size(dpi: float) -> tuple[int, int]:
    """The size PDFium gives an A4 page rendered at `dpi` (width, height)."""
    import math
    scale = dpi / 72
    return (math.ceil(locate.PAGE_W * scale - 1e-9), math.ceil(locate.PAGE_H * scale - 1e-9))


# --- the reading -------------------------------------------------------------------------

def read_scan(data: bytes, printed: dict[str, dict], *, contact: str | None = None,
              dpi: float = locate.SCAN_DPI, ocr: bool = True) -> ScanReading:
    """The record on a scanned printed form. `printed` maps each printed document's id to
    the canonical data printed under it; `contact` is the municipality's contact as the
    consent printed it. DocumentError (Danish) when the file cannot be read as one
    printed form."""
    with images.open_pages(data) as file:
        return _read(file, printed, contact, dpi, ocr)


def _read(file: images.Pages, printed: dict, contact: str | None, dpi: float,
          ocr: bool) -> ScanReading:
    pages = _locate_all(file, _size(dpi))
    form_id, _, document_id, count = _the_document(pages)
    printed_data = _printed_data(form_id, document_id, printed)
    layouts = page_layouts(form_id, printed_data, contact=contact)
    if len(layouts) != count:
        raise DocumentError(LAYOUT_CHANGED.format(printed=count, now=len(layouts)))
    findings: list[Finding] = []
    first: dict[int, _FilePage] = {}
    for page in pages:
        mark = page.located.mark
        if mark is None:
            reason = SEVERAL if page.located.reason == "several_pages" else UNRECOGNISED
            findings.append(warning("scan.unrecognised_page", "",
                                    reason.format(index=page.index)))
            page.reason = page.located.reason
        elif mark.page in first:
            page.reason = "duplicate"
        else:
            first[mark.page] = page
    for number in sorted({p.located.mark.page for p in pages
                          if p.reason == "duplicate"}):
        indices = [p.index for p in pages if p.located.mark is not None
                   and p.located.mark.page == number]
        findings.append(warning("scan.duplicate_page", "", DUPLICATE.format(
            page=number, indices=", ".join(map(str, indices)), first=indices[0])))
    wanted = {number for number in first if not layouts[number - 1].continuation}
    rendered_count, references, viewed = _references(form_id, printed_data, contact,
                                                      document_id, wanted, dpi)
    if rendered_count != count:
        raise DocumentError(LAYOUT_CHANGED.format(printed=count, now=rendered_count))
    builder = _RecordBuilder(form_id, printed_data)
    for number in range(1, count + 1):
        if number not in first:
            findings.append(warning("scan.missing_page", "",
                                    MISSING.format(page=number, pages=count)))
    for number, page in sorted(first.items()):
        layout = layouts[number - 1]
        if layout.continuation:
            page.read = True
            continue
        started = time.monotonic()
        if len(page.located.marks_found) < 4:  # straightened from the QR and fewer than
            # four marks: laid onto the printed page by its content, then straightened
            # again from its picture
            warp = read_page.register(page.straight, references[number], dpi)
            if warp is not None:
                to_page = locate.page_to_pixels(dpi)
                homography = page.located.homography @ to_page @ warp @ np.linalg.inv(to_page)
                picture = file.page(page.index - 1).pixels
                page.straight = locate.straighten(picture, homography, dpi,
                                                  size=page.straight.shape[::-1])
                del picture
                page.located.homography = homography
                page.registered = True
        scan_page = read_page.Page(page.straight, references[number], dpi, viewed[number],
                                   slack=1 if page.registered else 0)
        page.agreement = round(scan_page.agreement(), 3)
        if page.agreement < AGREEMENT:
            page.reason = "unreadable"
            findings.append(warning("scan.unrecognised_page", "",
                                    UNREADABLE.format(index=page.index, page=number)))
            page.seconds += time.monotonic() - started
            continue
        reading = read_page.read_page(page.straight, references[number], layout, dpi=dpi,
                                      ocr=ocr, page=scan_page)
        builder.apply(reading, number)
        page.read = True
        page.seconds += time.monotonic() - started
    record, crops, signatures, signed, read_findings = builder.result()
    return ScanReading(
        form_id=form_id, record=record, findings=findings + read_findings, crops=crops,
        signatures=signatures, signed=signed, document_id=document_id,
        pages=[{"index": page.index, "mark": mark_as_dict(page.located.mark),
                "rotation": page.located.rotation,
                "marks_found": list(page.located.marks_found),
                "read": page.read, "reason": page.reason, "agreement": page.agreement,
                "registered": page.registered,
                "seconds": round(page.seconds, 3)} for page in pages])


# --- the record --------------------------------------------------------------------------

class _RecordBuilder:
    def __init__(self, form_id: str, printed: dict):
        self.form_id = form_id
        self.printed = printed
        self.data = copy.deepcopy(printed)
        self.sections = {section.name: section for section in sections(form_id)}
        self.findings: list[tuple[str, Finding]] = []  # (path, finding)
        self.crops: dict[str, bytes] = {}
        self.signatures: dict[str, bytes] = {}
        self.signed: dict[str, bool] = {}
        self.touched_rows: set[tuple[str, int]] = set()

    # paths
    def _label(self, path: str, label: str) -> str:
        parts = path.split(".")
        section = self.sections.get(parts[0])
        if section is not None and section.is_group and len(parts) >= 2:
            return f"{section.label}, nr. {int(parts[1]) + 1}: {label}"
        return label

    def _get(self, path: str):
        node = self.data
        for part in path.split("."):
            if isinstance(node, list):
                index = int(part)
                if index >= len(node):
                    return None
                node = node[index]
            elif isinstance(node, dict):
                node = node.get(part)
            else:
                return None
        return node

    def _set(self, path: str, value) -> None:
        parts = path.split(".")
        node = self.data
        for depth, part in enumerate(parts[:-1]):
            if isinstance(node, list):
                index = int(part)
                section = self.sections[parts[0]]
                while len(node) <= index:
                    node.append(_empty_item(section))
                node = node[index]
            else:
                node = node.setdefault(part, [] if depth == 0 and self._is_group(part) else {})
        node[parts[-1]] = value

    def _is_group(self, name: str) -> bool:
        section = self.sections.get(name)
        return section is not None and section.is_group

    def _touch(self, path: str) -> None:
        """The row of `path` (a field's or an item's) has something to keep."""
        parts = path.split(".")
        if self._is_group(parts[0]) and len(parts) >= 2 and parts[1].isdigit():
            self.touched_rows.add((parts[0], int(parts[1])))
            self._set_row(parts[0], int(parts[1]))

    def _set_row(self, name: str, index: int) -> None:
        rows = self.data.setdefault(name, [])
        while len(rows) <= index:
            rows.append(_empty_item(self.sections[name]))

    # readings
    def apply(self, reading: read_page.PageReading, page: int) -> None:
        for result in reading.fields:
            self._field(result, page)
        for signature in reading.signatures:
            path = signature.path
            self.signed[path] = signature.signed
            if signature.crop is not None:
                self.signatures[path] = signature.crop
            if signature.signed or signature.uncertain:
                self._touch(path)
            if signature.uncertain:
                who = self._who(path)
                self.findings.append((path, warning(
                    "scan.uncertain", path, UNCERTAIN_SIGNATURE.format(who=who, page=page))))

    def _who(self, path: str) -> str:
        parts = path.split(".")
        section = self.sections.get(parts[0])
        if section is None:
            return "personen"
        title = section.label
        if len(parts) >= 2 and parts[1].isdigit():
            return f"{title.lower()} nr. {int(parts[1]) + 1}"
        return title.lower()

    def _field(self, result: read_page.FieldReading, page: int) -> None:
        place = result.place
        path, state = place.path, result.state
        label = self._label(path, place.label)
        printed = self._get(path)
        if place.kind == kinds.BOOL:
            if state == read_page.TICKED_STATE:
                if printed is not True:
                    self._touch(path)
                    self._set(path, True)
            elif state == read_page.UNTICKED_STATE:
                if printed is None:
                    self._set(path, False)
            elif state == read_page.UNCERTAIN:
                self._touch(path)
                if printed is None:
                    self._set(path, False)
                self.findings.append((path, warning("scan.uncertain", path, UNCERTAIN_BOX.format(
                    label=label, page=page,
                    printed="afkrydset" if printed is True else "ikke afkrydset"))))
                self.crops[path] = result.crop or b""
            return
        if state == read_page.HANDWRITTEN:
            self._touch(path)
            value = _value(place, result.suggestion)
            if value is not None:
                self._set(path, value)
            message = HANDWRITTEN.format(label=label, page=page)
            if result.suggestion:
                message += SUGGESTED.format(suggestion=_short(result.suggestion))
            self.findings.append((path, warning("scan.needs_review", path, message)))
            self.crops[path] = result.crop or b""
        elif state == read_page.CHANGED:
            self._touch(path)
            self.findings.append((path, warning("scan.needs_review", path,
                                                CHANGED.format(label=label, page=page))))
            self.crops[path] = result.crop or b""

    # the result
    def result(self):
        renumber = self._compact()

        def moved(path: str) -> str:
            parts = path.split(".")
            if len(parts) >= 2 and (parts[0], parts[1]) in renumber:
                parts[1] = renumber[(parts[0], parts[1])]
            return ".".join(parts)

        findings = [Finding(f.code, f.severity, moved(f.path), f.message)
                    for _, f in self.findings]
        crops = {moved(k): v for k, v in self.crops.items()}
        signatures = {moved(k): v for k, v in self.signatures.items()}
        signed = {moved(k): v for k, v in self.signed.items()}
        return make_record(self.form_id, self.data), crops, signatures, signed, findings

    def _compact(self) -> dict[tuple[str, str], str]:
        """Rows nobody wrote in are left out (as a parse leaves out empty rows); rows
        with something to review are kept. Returns old -> new row numbers (as text)."""
        renumber: dict[tuple[str, str], str] = {}
        printed_rows = {name: len(self.printed.get(name) or [])
                        for name, section in self.sections.items() if section.is_group}
        for name, section in self.sections.items():
            if not section.is_group:
                continue
            rows = self.data.get(name) or []
            kept = []
            for index, row in enumerate(rows):
                if (index < printed_rows[name] or (name, index) in self.touched_rows
                        or any(v not in (None, False, "") for v in row.values())):
                    renumber[(name, str(index))] = str(len(kept))
                    kept.append(row)
            self.data[name] = kept
        return renumber


def _empty_item(section) -> dict:
    return {spec.name: (False if spec.kind == kinds.BOOL else None) for spec in section.fields}


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _value(place, suggestion: str | None):
    """Tesseract's suggestion in the field's canonical shape, or None when it does not
    fit (a date that is no date stays empty; the finding asks a person)."""
    if not suggestion:
        return None
    text = suggestion.strip()
    if place.kind == kinds.TEXT:
        return text or None
    line = " ".join(text.split())
    try:
        if place.kind == kinds.DATE:
            day = danish.parse_date(line, today=dt.date.today())
            # a handwritten date on a form is of this century and not far ahead
            if not 1900 <= day.year <= dt.date.today().year + SUGGESTED_YEARS_AHEAD:
                return None
            return day.isoformat()
        if place.kind == kinds.TIME:
            return danish.parse_time(line)
    except ValueError:
        return None
    if place.kind == kinds.INTEGER:
        digits = line.replace(" ", "")
        return int(digits) if re.fullmatch(r"\d{1,6}", digits) else None
    if place.kind == kinds.CHOICE:
        return _choice(place.options, line)
    return None


def _choice(options, text: str):
    folded = text.casefold()
    best, score = None, 0.0
    for value, label in options:
        for candidate in (str(label), str(value)):
            ratio = difflib.SequenceMatcher(None, folded, candidate.casefold()).ratio()
            if ratio > score:
                best, score = value, ratio
    return best if score >= 0.85 else None


__all__ = ["ScanReading", "identify", "read_scan"]
