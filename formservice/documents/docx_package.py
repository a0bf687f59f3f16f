"""Opening an uploaded .docx without trusting it.

Checks, in this order: it is a zip (not an old .doc, not an encrypted Office file, not a
PDF in disguise), the archive is not a bomb (entry count, declared and real sizes,
compression ratio), every part name is a plain relative name given once (no `../`, no
absolute or Windows path, no control characters, no duplicates), it has its
[Content_Types].xml, it carries no macros, and its XML declares no DTD or entities, is
not nested deeper than a form ever is and holds no more elements or content controls
than a form ever has. Parts are read with a hard cap whatever the zip headers claim.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from itertools import islice

from lxml import etree

from .errors import DocumentError

MAX_ENTRIES = 1000
MAX_PART_BYTES = 25 * 1024 * 1024    # any part, read or not (a pasted photo is big)
MAX_XML_BYTES = 10 * 1024 * 1024     # a part read as XML (1,000 rows are about 5 MB)
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_RATIO = 150  # uncompressed / compressed, for parts over 1 MB
MAX_MARKUP = 400_000       # '<' in one XML part: start and end tags (1,000 rows: ~300,000)
MAX_CONTROLS = 5_000       # content controls (w:sdt) in one XML part
MAX_NAME = 255             # characters in a part's name
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO_TYPES = (b"macroenabled", b"vbaproject", b"vnd.ms-office.vba")  # in lower case
CONTENT_TYPES = "[Content_Types].xml"
# a content control's start tag, whatever its namespace prefix
_SDT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sdt[\s/>]")

TOO_BIG = "Dokumentet pakker sig ud til en mistænkeligt stor størrelse og bliver ikke læst."
POLYGLOT = ("Filen er både et Word-dokument og en PDF på én gang (en såkaldt polyglot-fil). "
            "Sådan en fil er tvetydig og bliver ikke læst. Upload den udfyldte formular, "
            "som den blev gemt i Word eller i PDF-læseren.")

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False, remove_comments=True)


_DRIVE = re.compile(r"[A-Za-z]:")


def _bad_name(name: str) -> bool:
    """A part name no Word document has: absolute, a Windows path, `..`, control chars."""
    if not name or len(name) > MAX_NAME or name.startswith("/") or "\\" in name:
        return True
    if _DRIVE.match(name):
        return True
    parts = name.split("/")
    if ".." in parts or "." in parts:
        return True
    if name.isascii():  # (an ASCII character is a control character when not printable)
        return not name.isprintable()
    return any(unicodedata.category(ch)[0] == "C" for ch in name)


def _has_macro_type(content_types: bytes) -> bool:
    """Whether [Content_Types].xml names a macro type (in any case)."""
    lowered = content_types.lower()
    return any(name in lowered for name in MACRO_TYPES)


class DocxPackage:
    def __init__(self, data: bytes):
        if data[:8] == OLE_MAGIC:
            raise DocumentError(
                "Filen er enten beskyttet med adgangskode eller i det gamle Word-format "
                "(.doc). Fjern adgangskoden eller gem dokumentet som .docx, og prøv igen.")
        if data[:4] != b"PK\x03\x04":
            raise DocumentError("Filen er ikke et Word-dokument (.docx).")
        if b"%PDF-" in data[:1024]:  # PDF readers look for their header in the first 1 kB
            raise DocumentError(POLYGLOT)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, ValueError, EOFError) as exc:
            raise DocumentError("Filen er beskadiget og kan ikke åbnes som Word-dokument.") from exc
        if len(infos) > MAX_ENTRIES:
            raise DocumentError("Dokumentet indeholder for mange dele til at være en formular.")
        total = 0
        names: set[str] = set()
        for info in infos:
            total += info.file_size
            if (info.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES or (
                    info.file_size > 1024 * 1024
                    and info.file_size > MAX_RATIO * max(info.compress_size, 1))):
                raise DocumentError(TOO_BIG)
            if info.flag_bits & 0x1:
                raise DocumentError("Dokumentet er krypteret og kan ikke læses.")
            if _bad_name(info.filename):
                raise DocumentError(
                    "Dokumentet indeholder en del med et navn, som et Word-dokument aldrig "
                    f"har ({info.filename[:80]!r}), fx en sti med '../'. Det bliver ikke læst.")
            if info.filename.lower() in names:
                raise DocumentError(
                    f"Dokumentet indeholder delen {info.filename[:80]!r} to gange. Det er "
                    "tvetydigt, hvilken der gælder, så dokumentet bliver ikke læst.")
            names.add(info.filename.lower())
        self.names = {info.filename for info in infos}
        if any(name.lower().endswith("vbaproject.bin") for name in self.names) or (
                CONTENT_TYPES in self.names
                and _has_macro_type(self.read(CONTENT_TYPES))):
            raise DocumentError(
                "Dokumentet indeholder makroer (.docm). Gem det som et almindeligt "
                "Word-dokument (.docx) uden makroer, og prøv igen.")
        if "word/document.xml" not in self.names:
            from .other_files import refuse_other_file
            refuse_other_file(data)  # an .odt, a spreadsheet, ...: say what to do
            raise DocumentError("Filen er ikke et Word-dokument: dokumentets tekst "
                                "(word/document.xml) mangler.")
        if CONTENT_TYPES not in self.names:
            raise DocumentError(
                "Dokumentet er beskadiget: det mangler sin oversigt over indholdet "
                "([Content_Types].xml), som ethvert Word-dokument har. Word selv ville ikke "
                "åbne det, så det bliver ikke læst.")

    def read(self, name: str, limit: int = MAX_PART_BYTES) -> bytes:
        try:
            with self._zip.open(name) as part:
                data = part.read(limit + 1)
        # BadZipFile, zlib.error, EOFError, NotImplementedError (unknown compression), ...
        except Exception as exc:  # noqa: BLE001
            raise DocumentError(f"Dokumentet er beskadiget ({name} kan ikke læses).") from exc
        if len(data) > limit:
            raise DocumentError(TOO_BIG)
        return data

    def xml(self, name: str):
        return self.xml_and_bytes(name)[0]

    def xml_and_bytes(self, name: str):
        """The part parsed, and its bytes (for quick looks before walking the tree)."""
        data = self.read(name, MAX_XML_BYTES)
        if b"!" in data and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):  # (one byte first)
            raise DocumentError("Dokumentet indeholder XML-erklæringer (DOCTYPE/ENTITY), "
                                "som en formular aldrig har, og bliver ikke læst.")
        if data.count(b"sdt") > MAX_CONTROLS and sum(  # (a quick upper bound first)
                1 for _ in islice(_SDT.finditer(data), MAX_CONTROLS + 1)) > MAX_CONTROLS:
            raise DocumentError(f"Dokumentet har flere end {MAX_CONTROLS} udfyldningsfelter "
                                "(indholdskontrolelementer) – langt flere, end en formular "
                                "nogensinde har – og bliver ikke læst.")
        if len(data) > MAX_MARKUP and data.count(b"<") > MAX_MARKUP:
            raise DocumentError(f"Dokumentet ({name}) indeholder langt flere elementer, end "
                                "en formular nogensinde har, og bliver ikke læst.")
        try:
            return etree.fromstring(data, _PARSER), data
        except etree.XMLSyntaxError as exc:
            text = str(exc)
            if "Memory allocation failed" in text:
                raise MemoryError(text) from exc
            if "depth" in text.lower():
                raise DocumentError(f"Dokumentet ({name}) er indlejret dybere, end en formular "
                                    "nogensinde er, og bliver ikke læst.") from exc
            raise DocumentError(f"Dokumentet er beskadiget ({name} er ikke gyldig XML).") from exc
