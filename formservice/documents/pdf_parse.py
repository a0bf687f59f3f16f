"""Read a filled PDF form back into its record.

Values are read from the fields' /V, whatever wrote them: our own fill, pdftk, a browser's
viewer, or a reader that writes only /V and no appearance. Check boxes count as ticked
for any "on" state name. The file is not trusted: encrypted files, files with JavaScript,
damaged files (no repair is attempted: a repaired file could silently lose values) and
PDFs without our form get a clear Danish reason, and nothing in the file is ever run.
The file is read with qpdf (pikepdf), which resolves a form's few hundred objects about
ten times faster than a pure-Python reader.

Before qpdf sees the file, its compressed streams are measured by inflating them piece by
piece without keeping the output (a flate bomb in an object stream is refused in
milliseconds instead of taking gigabytes), a PDF that is also a ZIP is refused, and the
counts of streams and objects are bounded. Then: the XMP metadata must be small,
well-formed XML without DTD; the field tree must be a tree (no field reached twice, each
kid's /Parent its parent), at most 5,000 fields, names at most 200 characters without
`.`/`/`/`\\` or control characters inside a part, row numbers 1-4 digits up to 1,000; a
value where text is expected must be text (an array, a number or a dictionary refuses
the file: it is no form a PDF reader filled in, and no repr of it is ever stored).
"""
from __future__ import annotations

import base64
import io
import os
import re
import unicodedata
import zipfile
import zlib
from contextlib import contextmanager
from decimal import Decimal

import pikepdf
from lxml import etree

from ..forms import FORMS
from ..forms import fields as kinds
from ..forms.layout import sections
from ..forms.record import Finding, make_record, warning
from .errors import DocumentError
from .other_files import FLATTENED_PDF, SCANNED_PDF, refuse_other_file
from .pdf_template import PROP_FORM, PROP_VERSION
from .values import read_choice, read_date, read_integer

MAX_FIELDS = 5000           # fields and widgets in the field tree
MAX_DEPTH = 10
MAX_NAME = 200              # characters in a field's full name
MAX_ROWS = 1000             # the highest row number in a group's field names
MAX_OBJECTS = 50_000        # objects in the file (a form with 200 rows has under 5,000)
MAX_STREAM_BYTES = 32 * 1024 * 1024    # a page's content, inflated
MAX_OBJECT_STREAM_BYTES = 16 * 1024 * 1024  # an object or cross-reference stream, inflated
MAX_INFLATED_BYTES = 96 * 1024 * 1024  # every stream together, inflated
MAX_XMP_BYTES = 1024 * 1024  # the XMP metadata (a PDF reader writes a few kB)
_ACTION_KEYS = ("/A", "/AA", "/OpenAction")
_ROW = re.compile(r"[0-9]{1,4}")
_ODD_ASCII = re.compile(r"[\x00-\x1f\x7f./\\]")  # in a part of a field's name

TOO_MANY_PARTS = "PDF'en har langt flere dele, end en formular har, og bliver ikke læst."
TOO_BIG = ("PDF'en pakker sig ud til en mistænkeligt stor størrelse (en såkaldt "
           "komprimeringsbombe) og bliver ikke læst.")
POLYGLOT = ("Filen er både en PDF og et ZIP-arkiv (fx et Word-dokument) på én gang – en "
            "såkaldt polyglot-fil. Sådan en fil er tvetydig og bliver ikke læst. Upload den "
            "udfyldte formular, som PDF-læseren eller Word gemte den.")
DAMAGED = "PDF'en er beskadiget og kan ikke læses."
TREE = ("PDF'ens felter hænger ikke sammen som i en formular ({why}). Filen er beskadiget "
        "eller lavet til at forvirre, og den bliver ikke læst.")


def parse_pdf(data: bytes) -> tuple[dict, list[Finding]]:
    if not data.startswith(b"%PDF-"):
        refuse_other_file(data)
        raise DocumentError("Filen er ikke en PDF.")
    if _is_zip(data):
        raise DocumentError(POLYGLOT)
    check_streams(data)
    with _in_memory(data) as (stream, access):
        try:
            pdf = pikepdf.open(stream, attempt_recovery=False, **access)
        except pikepdf.PasswordError as exc:
            raise DocumentError("PDF'en er krypteret eller beskyttet med adgangskode. Gem den "
                                "uden beskyttelse, og prøv igen.") from exc
        except (pikepdf.PdfError, ValueError, OSError) as exc:
            raise DocumentError(DAMAGED) from exc
        try:
            with pdf:
                return _parse(pdf)
        except DocumentError:
            raise
        except (pikepdf.PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
                RecursionError) as exc:
            raise DocumentError(DAMAGED) from exc


@contextmanager
def _in_memory(data: bytes):
    """The file for qpdf, and how it reads it: an anonymous in-memory file (memfd) that
    qpdf maps, or where the system has none a BytesIO. Through a BytesIO qpdf calls
    back into Python for every read, which doubles the time a form takes to read."""
    fd = None
    try:
        fd = os.memfd_create("upload.pdf", os.MFD_CLOEXEC)
        view, written = memoryview(data), 0
        while written < len(view):
            written += os.write(fd, view[written:])
    except (AttributeError, OSError):  # no memfd here (not Linux, or not allowed)
        if fd is not None:
            os.close(fd)
        fd = None
    if fd is None:
        yield io.BytesIO(data), {}
        return
    try:
        with open(fd, "rb", buffering=0, closefd=False) as stream:
            yield stream, {"access_mode": pikepdf.AccessMode.mmap}
    finally:
        os.close(fd)


# --- before qpdf: what the bytes are and how far they unpack --------------------------------

def _is_zip(data: bytes) -> bool:
    """A ZIP archive in the file (at its end, as ZIP readers look): its end record, a
    central directory that opens and a first entry whose local header is where it says."""
    if b"PK\x05\x06" not in data[-(65536 + 22):]:
        return False
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        if not infos:
            return False
        with archive.open(infos[0]) as _:
            return True
    except Exception:  # noqa: BLE001 - not a zip that opens: no zip reader takes it either
        return False


_KEYWORD = re.compile(rb"stream")
_AFTER_KEYWORD = re.compile(rb"[ \t]*(?:\r\n|\n|\r)")
_DECODERS = re.compile(rb"/(\w*Decode|Fl|LZW|RL|AHx|A85|CCF|DCT)(?![\w])")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_OBJECT_COUNT = re.compile(rb"/N\s+(\d{1,12})")
_CHUNK = 64 * 1024


def _name(text: str) -> bytes:
    """A pattern for a PDF name whose characters may each be written #xx."""
    pattern = b"/"
    for char in text:
        high, low = f"{ord(char):02X}"
        pattern += b"(?:%s|#%s[%s%s])" % (re.escape(char).encode(), high.encode(),
                                          low.upper().encode(), low.lower().encode())
    return pattern


_NAME_END = rb"(?![^\s/<>\[\]()%{}])"
# what marks an object or cross-reference stream: its /Type, or a /Type given elsewhere
# (the names' common "/" first: the regex engine then skips to each "/" quickly)
_STRUCTURAL = re.compile(b"/(?:" + _name("ObjStm")[1:] + _NAME_END + b"|" + _name("XRef")[1:]
                         + _NAME_END + b"|" + _name("Type")[1:] + rb"\s*\d+\s+\d+\s+R)")


def check_streams(data: bytes) -> None:
    """Refuse a PDF whose object or cross-reference streams unpack too far, before qpdf
    unpacks any of them (it does so to find the objects, as soon as the file is opened).

    Such a stream is found by its type (/ObjStm, /XRef, however its name is written, or a
    /Type that points elsewhere) and the `stream` keyword after it in the same object (a
    stream never sits inside another object, so its dictionary is plain text); it may only
    be Flate-compressed, once, and is inflated piece by piece, counting the bytes and
    keeping none of them. Other streams (fonts, images, pages) are decoded only on demand,
    and the readers bound those they decode.

    The file is walked from keyword to keyword: a stream's type is looked for only between
    the keyword and the one before it (or the last `endobj` between them), so the data of
    the streams (between `stream` and `endstream`, most of a file) is never searched."""
    view = memoryview(data)
    total = 0
    checked = 0
    rfind, search = data.rfind, _STRUCTURAL.search
    start = 0
    for match in _KEYWORD.finditer(data):
        keyword = match.start()
        low, start = start, keyword + 6
        if data[keyword - 3:keyword] == b"end":  # the end of a stream's data, no keyword
            continue
        ends = rfind(b"endobj", low, keyword)  # the object before this one ends there
        found = search(data, low if ends < 0 else ends + 6, keyword + 1)
        after = _AFTER_KEYWORD.match(data, keyword + 6) if found is not None else None
        if after is None:  # no stream of a structural type
            continue
        checked += 1
        if checked > MAX_OBJECTS:
            raise DocumentError(TOO_MANY_PARTS)
        opened = data.rfind(b"obj", max(0, found.start() - 4096), found.start())
        dictionary = data[opened + 3 if opened >= 0 else found.start():keyword]
        if b"#" in dictionary:  # /Flate#44ecode is /FlateDecode
            dictionary = _NAME_ESCAPE.sub(lambda m: bytes((int(m.group(1), 16),)), dictionary)
        if _DECODERS.findall(dictionary) not in ([], [b"FlateDecode"]):
            raise DocumentError("PDF'en er komprimeret på en måde, som en formular aldrig er "
                                "(flere lag eller en usædvanlig metode), og bliver ikke læst.")
        count = _OBJECT_COUNT.search(dictionary)
        if count and int(count.group(1)) > MAX_OBJECTS:
            raise DocumentError(TOO_MANY_PARTS)
        size = _inflated_size(view, after.end(), min(MAX_OBJECT_STREAM_BYTES,
                                                     MAX_INFLATED_BYTES - total))
        if size > MAX_OBJECT_STREAM_BYTES or total + size > MAX_INFLATED_BYTES:
            raise DocumentError(TOO_BIG)
        total += size


def _inflated_size(view: memoryview, start: int, limit: int) -> int:
    """How many bytes the zlib data at `start` inflates to, counted up to just past
    `limit` (0 when it is no zlib data; what a damaged stream gave before its damage)."""
    if start + 2 > len(view):
        return 0
    first, second = view[start], view[start + 1]
    if first & 0x0F != 8 or first >> 4 > 7 or ((first << 8) | second) % 31:
        return 0
    inflater = zlib.decompressobj()
    total, position = 0, start
    try:
        while position < len(view) and not inflater.eof:
            piece = view[position:position + _CHUNK]
            position += len(piece)
            total += len(inflater.decompress(piece, _CHUNK))
            while inflater.unconsumed_tail and not inflater.eof and total <= limit:
                total += len(inflater.decompress(inflater.unconsumed_tail, _CHUNK))
            if total > limit:
                break
    except zlib.error:
        pass
    return total


# --- the document ----------------------------------------------------------------------------

def _parse(pdf):
    if pdf.is_encrypted:
        raise DocumentError("PDF'en er krypteret eller beskyttet med adgangskode. Gem den "
                            "uden beskyttelse, og prøv igen.")
    size = pdf.trailer.get("/Size")
    if isinstance(size, int) and size > MAX_OBJECTS:
        raise DocumentError(TOO_MANY_PARTS)
    root = pdf.Root
    _check_metadata(root)
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
        raise DocumentError(f"PDF'en er formularen '{str(form_id)[:80]}', som tjenesten ikke "
                            "kender.")
    if str(version) != str(form.version):
        raise DocumentError(f"PDF'en er version {str(version)[:20]} af formularen '{form_id}'; "
                            f"tjenesten læser version {form.version}. Hent en ny formular.")
    acroform = root.get("/AcroForm")
    fields = acroform.get("/Fields") if isinstance(acroform, pikepdf.Dictionary) else None
    if not fields:
        raise DocumentError(FLATTENED_PDF)
    if not isinstance(fields, pikepdf.Array):
        raise DocumentError(TREE.format(why="listen over felter er ikke en liste"))
    found: dict[str, dict] = {}
    _collect(fields, "", {}, found, set(), 0, None)
    return _Reader(form.id).read(found)


_XMP_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                              huge_tree=False)
XMP_DAMAGED = ("PDF'ens metadata (XMP) er beskadiget eller usædvanlig ({why}). En PDF-læser "
               "skriver aldrig sådan metadata, så filen bliver ikke læst. Gem formularen igen "
               "i en almindelig PDF-læser, og prøv igen.")


def _check_metadata(root) -> None:
    """The document's XMP metadata, if any: a small stream of well-formed XML without DTD."""
    metadata = root.get("/Metadata")
    if metadata is None:
        return
    if not isinstance(metadata, pikepdf.Stream):
        raise DocumentError(XMP_DAMAGED.format(why="den er ikke en datastrøm"))
    names = _filters(metadata)
    if names not in ([], ["/FlateDecode"]):
        raise DocumentError(XMP_DAMAGED.format(why="den er komprimeret på en usædvanlig måde"))
    raw = metadata.read_raw_bytes()
    if len(raw) > MAX_XMP_BYTES:
        raise DocumentError(XMP_DAMAGED.format(why="den er alt for stor"))
    if names:
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(raw, MAX_XMP_BYTES + 1)
        except zlib.error:
            raise DocumentError(XMP_DAMAGED.format(why="den kan ikke pakkes ud")) from None
        if len(raw) > MAX_XMP_BYTES or inflater.unconsumed_tail:
            raise DocumentError(XMP_DAMAGED.format(why="den pakker sig ud til en mistænkeligt "
                                                       "stor størrelse"))
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise DocumentError(XMP_DAMAGED.format(why="den indeholder XML-erklæringer "
                                                   "(DOCTYPE/ENTITY)"))
    try:
        etree.fromstring(raw.strip(b"\0 \t\r\n"), _XMP_PARSER)
    except etree.XMLSyntaxError as exc:
        if "Memory allocation failed" in str(exc):
            raise MemoryError(str(exc)) from exc
        raise DocumentError(XMP_DAMAGED.format(why="den er ikke gyldig XML")) from exc


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
    _check_contents(page)
    mode = 0
    for operands, operator in pikepdf.parse_content_stream(page, "Tr Tj TJ ' \""):
        name = str(operator)
        if name == "Tr" and operands:
            mode = int(operands[0])
        elif name in _SHOW_TEXT and mode != 3:
            return True
    return False


def _check_contents(page) -> None:
    """A page's content streams may be ASCII-armoured and Flate-compressed once, and
    unpack to at most MAX_STREAM_BYTES together: measured before qpdf decodes them."""
    contents = page.obj.get("/Contents")
    streams = contents if isinstance(contents, pikepdf.Array) else [contents]
    total = 0
    for stream in list(streams)[:1000]:
        if not isinstance(stream, pikepdf.Stream):
            continue
        names = _filters(stream)
        armour = names[0] if names and names[0] in _ARMOUR else None
        rest = names[1:] if armour else names
        if rest not in ([], ["/FlateDecode"]):
            raise DocumentError("PDF'en er komprimeret på en måde, som en formular aldrig er "
                                "(flere lag eller en usædvanlig metode), og bliver ikke læst.")
        raw = _unarmour(stream.read_raw_bytes(), armour)
        total += _inflated_size(memoryview(raw), 0, MAX_STREAM_BYTES) if rest else len(raw)
        if total > MAX_STREAM_BYTES:
            raise DocumentError(TOO_BIG)


_ARMOUR = ("/ASCII85Decode", "/ASCIIHexDecode")


def _unarmour(raw: bytes, armour: str | None) -> bytes:
    """The bytes under ASCII85 or hex armour (the armour only ever makes data bigger)."""
    if armour is None:
        return raw
    try:
        if armour == "/ASCII85Decode":
            body = raw.strip()
            body = body[:-2] if body.endswith(b"~>") else body
            return base64.a85decode(body, ignorechars=b" \t\n\r\x0b\x0c\x00")
        body = bytes(ch for ch in raw.split(b">")[0] if ch not in b" \t\n\r\x0c\x00")
        return bytes.fromhex((body + b"0" if len(body) % 2 else body).decode("ascii"))
    except ValueError as exc:
        raise DocumentError(DAMAGED) from exc


def _filters(stream) -> list[str]:
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        return [str(f) for f in filters]
    return [] if filters is None else [str(filters)]


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


def _collect(fields, prefix, inherited, found, seen, depth, parent, parent_id=None):
    """Every terminal field by full name, with /FT, /V, /AS inherited from its parents.

    The tree must be one: a field or widget reached twice (a Kids loop, a field in two
    places), a kid whose /Parent is another field or a top-level field with a /Parent is
    refused, as are names no form has and more than MAX_FIELDS fields and widgets.

    Each node's keys are asked once (a set) and only the keys it has are read: asking
    pikepdf for a key a dictionary lacks costs several times more than reading one."""
    if depth > MAX_DEPTH:
        raise DocumentError("PDF'ens felter er indlejret for dybt til at være en formular.")
    for field in fields:
        if not isinstance(field, pikepdf.Dictionary):
            raise DocumentError(TREE.format(why="et felt er ikke et felt"))
        _field(field, field.keys(), prefix, inherited, found, seen, depth, parent, parent_id)


def _field(field, keys, prefix, inherited, found, seen, depth, parent, parent_id):
    """One field (a dictionary with the keys `keys`) and the fields below it."""
    field_id = _visit(field, keys, parent, parent_id, seen)
    if ("/A" in keys or "/AA" in keys) and (
            _is_script(field.get("/A")) or _is_script(field.get("/AA"))):
        raise DocumentError(_JAVASCRIPT)
    own = dict(inherited)
    if "/FT" in keys:
        own["/FT"] = field["/FT"]
    if "/V" in keys:
        own["/V"] = field["/V"]
    if "/AS" in keys:
        own["/AS"] = field["/AS"]
    name = _full_name(prefix, field["/T"]) if "/T" in keys else prefix
    terminal = True
    if "/Kids" in keys:
        kids = field["/Kids"]
        if not isinstance(kids, pikepdf.Array):
            raise DocumentError(TREE.format(why="et felts underfelter er ikke en liste"))
        for kid in kids:
            if not isinstance(kid, pikepdf.Dictionary):
                raise DocumentError(TREE.format(why="et underfelt er ikke et felt"))
            kid_keys = kid.keys()
            if "/T" in kid_keys:  # a field below this one
                terminal = False
                if depth + 1 > MAX_DEPTH:
                    raise DocumentError("PDF'ens felter er indlejret for dybt til at være en "
                                        "formular.")
                _field(kid, kid_keys, name, own, found, seen, depth + 1, field, field_id)
            else:  # this field's widget
                _visit(kid, kid_keys, field, field_id, seen)
                if "/AS" not in own and "/AS" in kid_keys:  # a check box state
                    own["/AS"] = kid["/AS"]
    if terminal:
        if name in found:
            raise DocumentError(TREE.format(why=f"feltet «{name}» findes to gange"))
        found[name] = own


def _visit(node, keys, parent, parent_id, seen: set):
    """Count a field or widget once, and check it hangs where it is listed; its objgen."""
    key = node.objgen
    if key != (0, 0):
        if key in seen:
            raise DocumentError(TREE.format(why="felttræet går i ring, eller et felt står "
                                                "flere steder"))
        seen.add(key)
    else:
        seen.add(("direct", len(seen)))
    if len(seen) > MAX_FIELDS:
        raise DocumentError(f"PDF'en har flere end {MAX_FIELDS} felter – langt flere, end en "
                            "formular har – og bliver ikke læst.")
    if "/Parent" not in keys:
        return key
    owner = node["/Parent"]
    if parent is None:
        if owner is not None:
            raise DocumentError(TREE.format(why="et felt øverst i træet har et overordnet felt"))
    elif owner is not None and (not isinstance(owner, pikepdf.Dictionary) or (
            parent_id != (0, 0) and owner.objgen not in ((0, 0), parent_id))):
        raise DocumentError(TREE.format(why="et underfelt peger på et andet overordnet felt "
                                            "end det, det står under"))
    return key


def _full_name(prefix: str, partial) -> str:
    """A field's full name, refused when it is no form's: not text, empty, too long, a
    part with `.`, `/`, `\\` or control characters, a row number that is no row number."""
    if not isinstance(partial, pikepdf.String):
        raise DocumentError(TREE.format(why="et feltnavn er ikke tekst"))
    text = str(partial)
    if len(prefix) + 1 + len(text) > MAX_NAME:
        raise DocumentError(f"PDF'en har et feltnavn på over {MAX_NAME} tegn; en formulars "
                            "feltnavne er korte. Filen bliver ikke læst.")
    if not text or _ODD_ASCII.search(text) or (not text.isascii() and any(
            unicodedata.category(ch)[0] == "C" for ch in text)):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise DocumentError(f"PDF'en har et felt med navnet «{shown}», som ingen formular har "
                            "(tomt, med '.', '/', '\\' eller styretegn). Filen bliver ikke "
                            "læst.")
    name = f"{prefix}.{text}" if prefix else text
    parts = name.split(".")
    if len(parts) == 3 and parts[1].isdigit() and not (
            _ROW.fullmatch(parts[1]) and int(parts[1]) <= MAX_ROWS):
        raise DocumentError(f"PDF'en har et felt med rækkenummeret «{parts[1][:12]}»; en "
                            f"formular har højst {MAX_ROWS} rækker i en tabel. Filen bliver "
                            "ikke læst.")
    return name


def _not_text(value) -> str:
    if isinstance(value, pikepdf.Array):
        return "en liste"
    if isinstance(value, bool):
        return "en sandhedsværdi"
    if isinstance(value, (int, float, Decimal)):
        return "et tal"
    if isinstance(value, pikepdf.Stream):
        return "en datastrøm"
    if isinstance(value, pikepdf.Dictionary):
        return "en ordbog"
    return "en ukendt type"


def _refuse_value(path: str, value):
    raise DocumentError(f"Feltet «{path}» i PDF'en har som værdi {_not_text(value)}, hvor "
                        "der skal stå tekst. Sådan udfylder ingen PDF-læser en formular, så "
                        "filen bliver ikke læst.")


def _text(value, path: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, pikepdf.String):
        text = str(value)
    elif isinstance(value, pikepdf.Name):
        text = str(value)[1:]
    else:
        _refuse_value(path, value)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _checked(field, path: str) -> bool:
    value = field.get("/V")
    if value is None:
        value = field.get("/AS")
    if value is None:
        return False
    if not isinstance(value, (pikepdf.Name, pikepdf.String)):
        _refuse_value(path, value)
    return str(value) not in ("/Off", "Off", "")


class _Reader:
    def __init__(self, form_id: str):
        self.form_id = form_id
        self.sections = sections(form_id)

    def read(self, fields: dict) -> tuple[dict, list[Finding]]:
        findings = []
        known = set()
        data = {}
        rows: dict[str, dict[int, None]] = {}  # each group's row numbers
        for name in fields:
            parts = name.split(".")
            if len(parts) == 3 and _ROW.fullmatch(parts[1]):
                rows.setdefault(parts[0], {}).setdefault(int(parts[1]), None)
        for section in self.sections:
            if section.is_group:
                items = []
                for index in sorted(rows.get(section.name, ())):
                    item = {}
                    for spec in section.fields:
                        path = f"{section.name}.{index}.{spec.name}"
                        known.add(path)
                        item[spec.name] = _value(spec, fields.get(path), path)
                    # a typed 0 is a value (0 == False: `in (None, False)` would drop it)
                    if any(value is not None and value is not False for value in item.values()):
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
                    block[spec.name] = _value(spec, fields.get(path), path)
                data[section.name] = block
        for name in sorted(set(fields) - known):
            findings.append(warning("pdf.field_unknown", name,
                                    f"PDF'en har et felt, formularen ikke kender ({name}); "
                                    "det er ikke læst."))
        return make_record(self.form_id, data), findings


def _value(spec, field, path):
    if field is None:
        return False if spec.kind == kinds.BOOL else None
    if spec.kind == kinds.BOOL:
        return _checked(field, path)
    text = _text(field.get("/V"), path)
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
        return read_integer(stripped)
    if spec.kind == kinds.CHOICE:
        return read_choice(spec, stripped)
    return stripped
