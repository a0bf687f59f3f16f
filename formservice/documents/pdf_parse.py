"""Read a filled PDF form back into its record.

Values are read from the fields' /V, whatever wrote them: our own fill, pdftk, a browser's
viewer, or a reader that writes only /V and no appearance. Check boxes count as ticked
for any "on" state name. The file is not trusted: encrypted files, files with JavaScript,
damaged files and PDFs without our form get a clear Danish reason, and nothing in the
file is ever run.
"""
from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from ..forms import FORMS
from ..forms import fields as kinds
from ..forms.layout import sections
from ..forms.record import Finding, make_record, warning
from .errors import DocumentError
from .pdf_template import PROP_FORM, PROP_VERSION
from .values import read_choice, read_date

MAX_FIELDS = 5000
_JS_KEYS = ("/JS", "/JavaScript")


def parse_pdf(data: bytes) -> tuple[dict, list[Finding]]:
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        return _parse(data)
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError) as exc:
        raise DocumentError("PDF'en er beskadiget og kan ikke læses.") from exc


def _parse(data: bytes):
    if not data.startswith(b"%PDF-"):
        raise DocumentError("Filen er ikke en PDF.")
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise DocumentError("PDF'en er krypteret eller beskyttet med adgangskode. Gem den "
                            "uden beskyttelse, og prøv igen.")
    root = reader.trailer["/Root"]
    if _has_javascript(root):
        raise DocumentError("PDF'en indeholder JavaScript og bliver derfor ikke læst. Udfyld "
                            "en ny formular fra tjenesten.")
    info = reader.trailer.get("/Info")
    info = info.get_object() if info is not None else {}
    form_id, version = info.get(PROP_FORM), info.get(PROP_VERSION)
    if form_id is None:
        raise DocumentError("PDF'en er ikke en formular fra formservice: den har intet "
                            "formular-id. Hent formularen fra tjenesten og udfyld den.")
    form = FORMS.get(str(form_id))
    if form is None:
        raise DocumentError(f"PDF'en er formularen '{form_id}', som tjenesten ikke kender.")
    if str(version) != str(form.version):
        raise DocumentError(f"PDF'en er version {version} af formularen '{form_id}'; "
                            f"tjenesten læser version {form.version}. Hent en ny formular.")
    acroform = root.get("/AcroForm")
    fields = acroform.get_object().get("/Fields") if acroform is not None else None
    if not fields:
        raise DocumentError("PDF'en har ingen formularfelter (den kan være gemt som "
                            "\"udskrevet\"/fladgjort). Udfyld den udfyldelige formular.")
    values = {}
    for name, field in _terminal_fields(fields):
        values[name] = field
    return _Reader(form.id).read(values)


def _has_javascript(root) -> bool:
    names = root.get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        return True
    for holder in (root.get("/OpenAction"), root.get("/AA")):
        if holder is not None and _mentions_js(holder.get_object()):
            return True
    acroform = root.get("/AcroForm")
    if acroform is not None:
        for _, field in _terminal_fields(acroform.get_object().get("/Fields") or []):
            if "/AA" in field or _mentions_js(field.get("/A")):
                return True
    return False


def _mentions_js(action) -> bool:
    if action is None:
        return False
    action = action.get_object()
    if isinstance(action, DictionaryObject):
        if action.get("/S") == "/JavaScript" or any(key in action for key in _JS_KEYS):
            return True
        return any(_mentions_js(value) for key, value in action.items() if key in ("/Next", "/D", "/O", "/C", "/K", "/F", "/V"))
    if isinstance(action, ArrayObject):
        return any(_mentions_js(item) for item in action)
    return False


def _terminal_fields(fields, prefix="", depth=0, seen=None):
    """(full name, merged field dictionary) of every terminal field, inherited keys included."""
    seen = set() if seen is None else seen
    if depth > 10:
        raise DocumentError("PDF'ens felter er indlejret for dybt til at være en formular.")
    for reference in fields:
        key = reference.idnum if isinstance(reference, IndirectObject) else id(reference)
        if key in seen:
            continue
        seen.add(key)
        if len(seen) > MAX_FIELDS:
            raise DocumentError("PDF'en har for mange felter til at være en formular.")
        field = reference.get_object()
        if not isinstance(field, DictionaryObject):
            continue
        partial = field.get("/T")
        name = prefix if partial is None else (f"{prefix}.{partial}" if prefix else str(partial))
        kids = [kid for kid in field.get("/Kids", []) if "/T" in kid.get_object()]
        if kids:
            yield from _terminal_fields(kids, name, depth + 1, seen)
        else:
            yield name, _inherited(field)


def _inherited(field) -> dict:
    merged = {}
    node, depth = field, 0
    while node is not None and depth < 12:
        for key in ("/FT", "/V", "/Ff", "/Opt", "/AS", "/A", "/AA"):
            if key not in merged and key in node:
                merged[key] = node[key]
        if "/AS" not in merged and "/Kids" in node:  # a check box whose widget is a kid
            for kid in node["/Kids"]:
                if "/AS" in kid.get_object():
                    merged["/AS"] = kid.get_object()["/AS"]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
        depth += 1
    return merged


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, ArrayObject):  # a multi-select list: not ours, read its first
        value = value[0] if value else None
        if value is None:
            return None
    text = str(value)[1:] if isinstance(value, NameObject) else str(value)
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
