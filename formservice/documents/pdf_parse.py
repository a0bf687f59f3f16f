"""Read a filled PDF form back into its record.

Values are read from the fields' /V, whatever wrote them: our own fill, pdftk, a browser's
viewer, or a reader that writes only /V and no appearance. Check boxes count as ticked
for any "on" state name. The file is not trusted: encrypted files, files with JavaScript,
damaged files (no repair is attempted: a repaired file could silently lose values) and
PDFs without our form get a clear Danish reason, and nothing in the file is ever run.
The file is read with qpdf (pikepdf), which resolves a form's few hundred objects about
ten times faster than a pure-Python reader.
"""
from __future__ import annotations

import io

import pikepdf

from ..forms import FORMS
from ..forms import fields as kinds
from ..forms.layout import sections
from ..forms.record import Finding, make_record, warning
from .errors import DocumentError
from .other_files import FLATTENED_PDF, SCANNED_PDF, refuse_other_file
from .pdf_template import PROP_FORM, PROP_VERSION
from .values import read_choice, read_date

MAX_FIELDS = 5000
MAX_DEPTH = 10
_ACTION_KEYS = ("/A", "/AA", "/OpenAction")


def parse_pdf(data: bytes) -> tuple[dict, list[Finding]]:
    if not data.startswith(b"%PDF-"):
        refuse_other_file(data)
        raise DocumentError("Filen er ikke en PDF.")
    try:
        pdf = pikepdf.open(io.BytesIO(data), attempt_recovery=False)
    except pikepdf.PasswordError as exc:
        raise DocumentError("PDF'en er krypteret eller beskyttet med adgangskode. Gem den "
                            "uden beskyttelse, og prøv igen.") from exc
    except (pikepdf.PdfError, ValueError, OSError) as exc:
        raise DocumentError("PDF'en er beskadiget og kan ikke læses.") from exc
    try:
        with pdf:
            return _parse(pdf)
    except DocumentError:
        raise
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError) as exc:
        raise DocumentError("PDF'en er beskadiget og kan ikke læses.") from exc


def _parse(pdf):
    if pdf.is_encrypted:
        raise DocumentError("PDF'en er krypteret eller beskyttet med adgangskode. Gem den "
                            "uden beskyttelse, og prøv igen.")
    root = pdf.Root
    if _has_javascript(root):
        raise DocumentError(_JAVASCRIPT)
    info = pdf.trailer.get("/Info")
    form_id = info.get(PROP_FORM) if info is not None else None
    version = info.get(PROP_VERSION) if info is not None else None
    if form_id is None:
        if _scanned(pdf):
            raise DocumentError(SCANNED_PDF)
        raise DocumentError("PDF'en er ikke en formular fra formservice: den har intet "
                            "formular-id. Hent formularen fra tjenesten og udfyld den.")
    form = FORMS.get(str(form_id))
    if form is None:
        raise DocumentError(f"PDF'en er formularen '{form_id}', som tjenesten ikke kender.")
    if str(version) != str(form.version):
        raise DocumentError(f"PDF'en er version {version} af formularen '{form_id}'; "
                            f"tjenesten læser version {form.version}. Hent en ny formular.")
    acroform = root.get("/AcroForm")
    fields = acroform.get("/Fields") if acroform is not None else None
    if not fields:
        raise DocumentError(FLATTENED_PDF)
    found: dict[str, dict] = {}
    _collect(fields, "", {}, found, set(), 0)
    return _Reader(form.id).read(found)


MAX_SCAN_PAGES = 20
_SHOW_TEXT = {"Tj", "TJ", "'", '"'}


def _scanned(pdf) -> bool:
    """Every page is a picture: an image and no visible text (an OCR layer is drawn
    invisibly, text render mode 3). Looks at the first pages only."""
    pages = pdf.pages
    if len(pages) == 0:
        return False
    for page in list(pages)[:MAX_SCAN_PAGES]:
        resources = page.obj.get("/Resources")
        xobjects = resources.get("/XObject") if resources is not None else None
        if not xobjects or not any(
                isinstance(x, pikepdf.Stream) and x.get("/Subtype") == "/Image"
                for x in xobjects.values()):
            return False
        fonts = resources.get("/Font")
        if fonts and _visible_text(page):
            return False
    return True


def _visible_text(page) -> bool:
    mode = 0
    for operands, operator in pikepdf.parse_content_stream(page, "Tr Tj TJ ' \""):
        name = str(operator)
        if name == "Tr" and operands:
            mode = int(operands[0])
        elif name in _SHOW_TEXT and mode != 3:
            return True
    return False


_JAVASCRIPT = ("PDF'en indeholder JavaScript og bliver derfor ikke læst. Udfyld en ny "
               "formular fra tjenesten.")


def _has_javascript(root) -> bool:
    names = root.get("/Names")
    if names is not None and "/JavaScript" in names:
        return True
    return any(_is_script(root.get(key)) for key in _ACTION_KEYS)


def _is_script(action, depth=0) -> bool:
    """An action, or a dictionary of actions, that runs JavaScript anywhere in its chain."""
    if action is None or depth > MAX_DEPTH:
        return False
    if isinstance(action, pikepdf.Array):
        return any(_is_script(item, depth + 1) for item in action)
    if not isinstance(action, pikepdf.Dictionary):
        return False
    if action.get("/S") == "/JavaScript" or "/JS" in action:
        return True
    return any(_is_script(value, depth + 1) for key, value in action.items()
               if isinstance(value, (pikepdf.Dictionary, pikepdf.Array)) and key != "/Parent"
               and key != "/P")


def _collect(fields, prefix, inherited, found, seen, depth):
    """Every terminal field by full name, with /FT, /V, /AS inherited from its parents."""
    if depth > MAX_DEPTH:
        raise DocumentError("PDF'ens felter er indlejret for dybt til at være en formular.")
    for field in fields:
        if not isinstance(field, pikepdf.Dictionary):
            continue
        key = field.objgen
        if key != (0, 0):
            if key in seen:
                continue
            seen.add(key)
        if len(seen) > MAX_FIELDS:
            raise DocumentError("PDF'en har for mange felter til at være en formular.")
        if ("/A" in field or "/AA" in field) and (
                _is_script(field.get("/A")) or _is_script(field.get("/AA"))):
            raise DocumentError(_JAVASCRIPT)
        own = dict(inherited)
        for name in ("/FT", "/V", "/AS"):
            value = field.get(name)
            if value is not None:
                own[name] = value
        partial = field.get("/T")
        name = prefix if partial is None else (f"{prefix}.{partial}" if prefix else str(partial))
        terminal = True
        for kid in field.get("/Kids") or ():
            if "/T" in kid:  # a field below this one
                terminal = False
                _collect((kid,), name, own, found, seen, depth + 1)
            elif "/AS" not in own and "/AS" in kid:  # this field's widget, a check box state
                own["/AS"] = kid.AS
        if terminal:
            found[name] = own


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, pikepdf.Array):  # a multi-select list: not ours, read its first
        if len(value) == 0:
            return None
        value = value[0]
    text = str(value)[1:] if isinstance(value, pikepdf.Name) else str(value)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _checked(field) -> bool:
    value = field.get("/V")
    if value is None:
        value = field.get("/AS")
    return value is not None and str(value) not in ("/Off", "Off", "")


class _Reader:
    def __init__(self, form_id: str):
        self.form_id = form_id
        self.sections = sections(form_id)

    def read(self, fields: dict) -> tuple[dict, list[Finding]]:
        findings = []
        known = set()
        data = {}
        for section in self.sections:
            if section.is_group:
                rows = {}
                for name in fields:
                    parts = name.split(".")
                    if len(parts) == 3 and parts[0] == section.name and parts[1].isdigit():
                        rows.setdefault(int(parts[1]), None)
                items = []
                for index in sorted(rows):
                    item = {}
                    for spec in section.fields:
                        path = f"{section.name}.{index}.{spec.name}"
                        known.add(path)
                        item[spec.name] = _value(spec, fields.get(path))
                    if any(value not in (None, False) for value in item.values()):
                        items.append(item)
                data[section.name] = items
            else:
                block = {}
                for spec in section.fields:
                    path = f"{section.name}.{spec.name}"
                    known.add(path)
                    if path not in fields:
                        findings.append(warning(
                            "pdf.field_missing", path,
                            f"Feltet \"{spec.label}\" mangler i PDF'en; det er læst som tomt."))
                    block[spec.name] = _value(spec, fields.get(path))
                data[section.name] = block
        for name in sorted(set(fields) - known):
            findings.append(warning("pdf.field_unknown", name,
                                    f"PDF'en har et felt, formularen ikke kender ({name}); "
                                    "det er ikke læst."))
        return make_record(self.form_id, data), findings


def _value(spec, field):
    if field is None:
        return False if spec.kind == kinds.BOOL else None
    if spec.kind == kinds.BOOL:
        return _checked(field)
    text = _text(field.get("/V"))
    if text is None or text == "":
        return None
    if spec.kind == kinds.TEXT:
        return text
    stripped = text.strip()
    if not stripped:
        return None
    if spec.kind == kinds.DATE:
        return read_date(stripped)
    if spec.kind == kinds.INTEGER:
        return int(stripped) if stripped.lstrip("+-").isdigit() else stripped
    if spec.kind == kinds.CHOICE:
        return read_choice(spec, stripped)
    return stripped
