"""Opening an uploaded .docx without trusting it.

Checks, in this order: it is a zip (not an old .doc, not an encrypted Office file), the
archive is not a bomb (entry count, declared and real sizes, compression ratio), it
carries no macros, and its XML declares no DTD or entities. Parts are read with a hard
cap whatever the zip headers claim.
"""
from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from .errors import DocumentError

MAX_ENTRIES = 1000
MAX_PART_BYTES = 25 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_RATIO = 150  # uncompressed / compressed, for parts over 1 MB
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO_TYPES = re.compile(rb"macroEnabled|vbaProject|vnd\.ms-office\.vba", re.I)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False, remove_comments=True)


class DocxPackage:
    def __init__(self, data: bytes):
        if data[:8] == OLE_MAGIC:
            raise DocumentError(
                "Filen er enten beskyttet med adgangskode eller i det gamle Word-format "
                "(.doc). Fjern adgangskoden eller gem dokumentet som .docx, og prøv igen.")
        if data[:4] != b"PK\x03\x04":
            raise DocumentError("Filen er ikke et Word-dokument (.docx).")
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, ValueError, EOFError) as exc:
            raise DocumentError("Filen er beskadiget og kan ikke åbnes som Word-dokument.") from exc
        if len(infos) > MAX_ENTRIES:
            raise DocumentError("Dokumentet indeholder for mange dele til at være en formular.")
        total = 0
        for info in infos:
            total += info.file_size
            if (info.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES or (
                    info.file_size > 1024 * 1024
                    and info.file_size > MAX_RATIO * max(info.compress_size, 1))):
                raise DocumentError("Dokumentet pakker sig ud til en mistænkeligt stor "
                                    "størrelse og bliver ikke læst.")
            if info.flag_bits & 0x1:
                raise DocumentError("Dokumentet er krypteret og kan ikke læses.")
        self.names = {info.filename for info in infos}
        if any(name.lower().endswith("vbaproject.bin") for name in self.names) or (
                "[Content_Types].xml" in self.names
                and MACRO_TYPES.search(self.read("[Content_Types].xml"))):
            raise DocumentError(
                "Dokumentet indeholder makroer (.docm). Gem det som et almindeligt "
                "Word-dokument (.docx) uden makroer, og prøv igen.")
        if "word/document.xml" not in self.names:
            from .other_files import refuse_other_file
            refuse_other_file(data)  # an .odt, a spreadsheet, ...: say what to do
            raise DocumentError("Filen er ikke et Word-dokument: dokumentets tekst "
                                "(word/document.xml) mangler.")

    def read(self, name: str) -> bytes:
        try:
            with self._zip.open(name) as part:
                data = part.read(MAX_PART_BYTES + 1)
        # BadZipFile, zlib.error, EOFError, NotImplementedError (unknown compression), ...
        except Exception as exc:  # noqa: BLE001
            raise DocumentError(f"Dokumentet er beskadiget ({name} kan ikke læses).") from exc
        if len(data) > MAX_PART_BYTES:
            raise DocumentError("Dokumentet pakker sig ud til en mistænkeligt stor "
                                "størrelse og bliver ikke læst.")
        return data

    def xml(self, name: str):
        return self.xml_and_bytes(name)[0]

    def xml_and_bytes(self, name: str):
        """The part parsed, and its bytes (for quick looks before walking the tree)."""
        data = self.read(name)
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise DocumentError("Dokumentet indeholder XML-erklæringer (DOCTYPE/ENTITY), "
                                "som en formular aldrig har, og bliver ikke læst.")
        try:
            return etree.fromstring(data, _PARSER), data
        except etree.XMLSyntaxError as exc:
            raise DocumentError(f"Dokumentet er beskadiget ({name} er ikke gyldig XML).") from exc
