"""A specific Danish answer for files that are not a filled form, by what they are.

The parsers call `refuse_other_file` before they try to read a file as a .docx or a PDF,
so a photo, a scan, an .odt or an old .doc gets a message that says what to do instead of
"not a form". Recognised by their first bytes (and for zips and OLE files by their parts),
never by the file name, which an upload may not have.
"""
from __future__ import annotations

import io
import zipfile

from .errors import DocumentError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

FILL_IN_INSTEAD = ("Hent formularen fra tjenesten som Word-dokument eller udfyldelig PDF, "
                   "udfyld den på computeren, og upload den udfyldte fil – eller udfyld "
                   "formularen direkte i browseren.")

PHOTO = ("Filen er et billede ({kind}). Tjenesten læser fotos og scanninger af formularer, "
         "der er udskrevet herfra, som JPEG, PNG, TIFF eller PDF: gem billedet i et af de "
         "formater (på en telefon fx som JPEG i stedet for HEIC), og upload det igen. "
         "Andre billeder end udskrevne formularer kan tjenesten ikke læse. " + FILL_IN_INSTEAD)
SCANNED_PDF = ("Det ser ud til at være en scannet formular: PDF'en indeholder kun billeder "
               "af sider og ingen udfyldelige felter, så tjenesten kan ikke læse, hvad der "
               "står. " + FILL_IN_INSTEAD)
FLATTENED_PDF = ("PDF'en er en formular fra tjenesten, men den er gemt som \"udskrevet\" "
                 "(fladgjort), så felterne og det, der er skrevet i dem, ikke længere kan "
                 "læses. Åbn den udfyldelige PDF, du hentede, gem den med \"Gem\" (ikke "
                 "\"Udskriv til PDF\"), og upload den – eller hent en ny fra tjenesten.")
ODT = ("Filen er et OpenDocument-dokument (.odt), fx fra LibreOffice. Åbn det, vælg "
       "Filer > Gem som, og gem det som Word-dokument (.docx); upload så .docx-filen.")
LEGACY_DOC = ("Filen er i det gamle Word-format (.doc). Åbn den i Word, vælg Filer > Gem "
              "som, og gem den som Word-dokument (.docx); upload så .docx-filen.")
ENCRYPTED_OFFICE = ("Word-dokumentet er beskyttet med adgangskode. Fjern adgangskoden "
                    "(Filer > Oplysninger > Beskyt dokument), gem det, og prøv igen.")
OLE_UNKNOWN = ("Filen er enten beskyttet med adgangskode eller i det gamle Word-format "
               "(.doc). Fjern adgangskoden eller gem dokumentet som .docx, og prøv igen.")
RTF = ("Filen er et RTF-dokument. Åbn det i Word, vælg Filer > Gem som, og gem det som "
       "Word-dokument (.docx); upload så .docx-filen.")
OTHER_OFFICE = ("Filen er {kind}, ikke en formular. " + FILL_IN_INSTEAD)

_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)


def refuse_other_file(data: bytes, *, zips: bool = True) -> None:
    """Raise DocumentError with what to do when `data` is a kind of file we know but that
    holds no form we can read: an image, an .odt, an old .doc, an RTF file, a spreadsheet.
    With `zips` False a zip is left alone (the .docx reader asks again when a zip turns
    out to hold no Word document)."""
    head = data[:16]
    for magic, kind in _IMAGES:
        if head.startswith(magic):
            raise DocumentError(PHOTO.format(kind=kind))
    if head[:4] == b"RIFF" and data[8:12] == b"WEBP":
        raise DocumentError(PHOTO.format(kind="WebP"))
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        raise DocumentError(PHOTO.format(kind="HEIC"))
    if head.startswith(b"{\\rtf"):
        raise DocumentError(RTF)
    if head.startswith(OLE_MAGIC):
        raise DocumentError(_ole_message(data))
    if zips and head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data)
        if kind == "odt":
            raise DocumentError(ODT)
        if kind is not None:
            raise DocumentError(OTHER_OFFICE.format(kind=kind))


def _ole_message(data: bytes) -> str:
    """An OLE compound file: an encrypted .docx keeps its package in "EncryptedPackage",
    a Word 97-2003 document its text in "WordDocument" (directory names are UTF-16)."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return ENCRYPTED_OFFICE
    if "WordDocument".encode("utf-16-le") in data:
        return LEGACY_DOC
    return OLE_UNKNOWN


def _zip_kind(data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist()[:2000])
        mimetype = b""
        if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
            mimetype = archive.read("mimetype").strip()
    except Exception:  # noqa: BLE001 - a damaged zip is the .docx reader's to explain
        return None
    if mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
        return "odt"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "et OpenDocument-dokument (regneark eller præsentation)"
    if "word/document.xml" in names:
        return None
    if "xl/workbook.xml" in names:
        return "et Excel-regneark"
    if "ppt/presentation.xml" in names:
        return "en PowerPoint-præsentation"
    return None
