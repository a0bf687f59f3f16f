"""Files built to hurt a form reader, shared by the document, service and page tests."""
from __future__ import annotations

import io
import zipfile

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"""


def zip_replace(docx: bytes, replacements: dict[str, bytes | None], extra=()) -> bytes:
    """The package with some parts replaced (None: removed) and `extra` parts added."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name in replacements:
                if replacements[name] is not None:
                    target.writestr(name, replacements[name])
            else:
                target.writestr(name, source.read(name))
        for name, content in extra:
            target.writestr(name, content)
    return out.getvalue()


def zip_bomb(megabytes: int = 40) -> bytes:
    """A .docx-looking zip whose document.xml unpacks to `megabytes` of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        with target.open("word/document.xml", "w") as part:
            block = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                part.write(block)
    return out.getvalue()


def entity_bomb(docx: bytes) -> bytes:
    return zip_replace(docx, {"word/document.xml": BILLION_LAUGHS})


def docm(docx: bytes) -> bytes:
    return zip_replace(docx, {}, [("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 60)])


def foreign_docx() -> bytes:
    from docx import Document
    document = Document()
    document.add_paragraph("Referat fra forældremøde")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rewritten_pdf(pdf: bytes, change) -> bytes:
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(pdf: bytes) -> bytes:
    return rewritten_pdf(pdf, lambda writer: writer.encrypt("hemmelig"))


def javascript_pdf(pdf: bytes) -> bytes:
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def add(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hej')")})
    return rewritten_pdf(pdf, add)


def foreign_pdf() -> bytes:
    from reportlab.pdfgen import canvas
    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    sheet.drawString(72, 720, "Referat")
    sheet.save()
    return out.getvalue()


# --- the corpus of issue 12: every kind of file that was accepted or hurt the service ---------
#
# `corpus()` gives each file with the name it is uploaded under and a word of the Danish
# reason it must be refused with. Built once per test session (the 1 GB flate bomb is 1 MB).

import json  # noqa: E402
import warnings  # noqa: E402
import zlib  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import lru_cache  # noqa: E402
from pathlib import Path  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
GIGABYTE = 1_000_000_000


@dataclass(frozen=True)
class Hostile:
    content: bytes
    filename: str
    reason: str  # a word of the Danish reason
    ceiling: bool = False  # refused by the worker's memory ceiling, not by a reader's limit


@lru_cache(maxsize=None)
def ours_docx() -> bytes:
    """A filled first_meeting (rows in every group) as the service renders it."""
    from formservice.documents.word_render import render_docx
    from formservice.forms.record import load_data
    data, _ = load_data("first_meeting", json.loads((SAMPLES / "first_meeting.json").read_text()))
    return render_docx("first_meeting", data)


@lru_cache(maxsize=None)
def ours_pdf() -> bytes:
    from formservice.documents.pdf_fill import render_pdf
    from formservice.forms.record import load_data
    data, _ = load_data("first_meeting", json.loads((SAMPLES / "first_meeting.json").read_text()))
    return render_pdf("first_meeting", data, "Kommunen")[0]


# -- deflate data that unpacks ~1000:1, made without compressing a gigabyte

def _bomb_block(repeats4: int) -> tuple[bytes, int]:
    """A final dynamic-Huffman deflate block: one space, then 2 + 4*repeats4 matches of
    258 bytes at distance 1 (two bits each), then its end. (bytes, how many it unpacks to)"""
    out, state = bytearray(), [0, 0]  # bit accumulator, bits in it

    def bits(value, count):  # deflate packs bits from the least significant
        state[0] |= value << state[1]
        state[1] += count
        while state[1] >= 8:
            out.append(state[0] & 0xFF)
            state[0] >>= 8
            state[1] -= 8

    def code(value, length):  # ... and Huffman codes from their first bit
        bits(int(f"{value:0{length}b}"[::-1], 2), length)

    def zeros(count):  # code length symbol 18: `count` (11-138) unused symbols
        code(0, 1)
        bits(count - 11, 7)

    bits(1, 1)    # the last block
    bits(2, 2)    # dynamic Huffman codes
    bits(29, 5)   # 286 literal/length codes
    bits(0, 5)    # 1 distance code
    bits(15, 4)   # 19 code length codes
    lengths = {18: 1, 1: 2, 2: 2}  # canonical: 18 -> 0, 1 -> 10, 2 -> 11
    for symbol in (16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15):
        bits(lengths.get(symbol, 0), 3)
    zeros(32)
    code(0b11, 2)  # literal 32 (space): 2 bits
    zeros(138)
    zeros(85)
    code(0b11, 2)  # 256 (end of block): 2 bits
    zeros(28)
    code(0b10, 2)  # 285 (a match of 258): 1 bit
    code(0b10, 2)  # distance code 0 (distance 1): 1 bit
    # the codes: 285 -> 0, space -> 10, end -> 11; distance 1 -> 0
    code(0b10, 2)  # one space
    bits(0, 4)     # two matches; now on a byte boundary
    out += bytes(repeats4)  # a zero byte is four matches
    code(0b11, 2)  # end of block
    if state[1]:
        bits(0, 8 - state[1])
    return bytes(out), 1 + 258 * (2 + 4 * repeats4)


@lru_cache(maxsize=None)
def flate_bomb(size: int, prefix: bytes = b"") -> bytes:
    """zlib data that unpacks to `prefix` followed by about `size` spaces."""
    compressor = zlib.compressobj(9)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_SYNC_FLUSH)
    block, spaces = _bomb_block(max(0, (size - 1) // 1032))
    adler, chunk = zlib.adler32(prefix), b" " * (1 << 20)
    while spaces:
        piece = chunk if spaces >= len(chunk) else b" " * spaces
        adler = zlib.adler32(piece, adler)
        spaces -= len(piece)
    return head + block + adler.to_bytes(4, "big")


# -- PDFs

def pdf_edit(pdf: bytes, change) -> bytes:
    """The PDF changed by `change(pikepdf.Pdf)`, its streams written as they are."""
    import pikepdf
    with pikepdf.open(io.BytesIO(pdf)) as document:
        change(document)
        out = io.BytesIO()
        document.save(out, compress_streams=False, fix_metadata_version=False,
                      stream_decode_level=pikepdf.StreamDecodeLevel.none)
        return out.getvalue()


def pdf_field(document, path: str):
    """The field of a full name ("child.name") in a pikepdf.Pdf."""
    nodes = document.Root.AcroForm.Fields
    found = None
    for part in path.split("."):
        found = next(node for node in nodes if str(node.get("/T")) == part)
        nodes = found.get("/Kids") or []
    return found


def object_stream_pdf(pdf: bytes, padding: int = 0, filters=("/FlateDecode",),
                      kind: str = "/ObjStm") -> bytes:
    """The PDF written again with every object but the streams in one object stream and
    a cross-reference stream, as Acrobat saves. `padding` spaces after the objects make
    the object stream a flate bomb (1 GB unpacks from about 1 MB)."""
    import pikepdf
    source = pikepdf.open(io.BytesIO(pdf))
    objects = [obj for obj in source.objects if obj.objgen != (0, 0)]
    streams = [obj for obj in objects if isinstance(obj, pikepdf.Stream)]
    others = [obj for obj in objects if not isinstance(obj, pikepdf.Stream)]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets, compressed = {}, {}
    for stream in streams:
        number = stream.objgen[0]
        offsets[number] = len(out)
        raw = stream.read_raw_bytes()
        dictionary = pikepdf.Dictionary(stream.stream_dict)
        dictionary.Length = len(raw)
        out += (f"{number} 0 obj\n".encode() + dictionary.unparse() + b"\nstream\n" + raw
                + b"\nendstream\nendobj\n")
    header, body = [], bytearray()
    for index, obj in enumerate(others):
        compressed[obj.objgen[0]] = index
        header.append(f"{obj.objgen[0]} {len(body)}")
        body += obj.unparse(resolved=True) + b"\n"
    first = (" ".join(header) + "\n").encode()
    content = first + bytes(body)
    data = flate_bomb(padding, content) if padding else zlib.compress(content)
    if len(filters) == 2:
        data = zlib.compress(data)
    container = max(obj.objgen[0] for obj in objects) + 1
    offsets[container] = len(out)
    out += (f"{container} 0 obj\n<< /Type {kind} /N {len(others)} /First {len(first)} "
            f"/Filter [{' '.join(filters)}] /Length {len(data)} >>\nstream\n").encode()
    out += data + b"\nendstream\nendobj\n"
    xref = container + 1
    offsets[xref] = len(out)
    rows = bytearray()
    for number in range(xref + 1):
        if number in offsets:
            rows += b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00"
        elif number in compressed:
            rows += b"\x02" + container.to_bytes(4, "big") + compressed[number].to_bytes(2, "big")
        else:
            rows += b"\x00" + bytes(4) + b"\xff\xff"
    root, info = source.trailer.Root.objgen[0], source.trailer.Info.objgen[0]
    out += (f"{xref} 0 obj\n<< /Type /XRef /Size {xref + 1} /W [1 4 2] /Root {root} 0 R "
            f"/Info {info} 0 R /Length {len(rows)} >>\nstream\n").encode()
    out += rows + f"\nendstream\nendobj\nstartxref\n{offsets[xref]}\n%%EOF\n".encode()
    return bytes(out)


def incremental_root(pdf: bytes, extra: bytes, new: bytes | None = None) -> bytes:
    """The PDF with an incremental update (as a PDF reader's "Save" writes it) that adds
    `extra` (PDF syntax) to its catalog and, given `new`, one more object, numbered
    {new} in `extra` (bytes written exactly as given, e.g. a stream)."""
    import pikepdf
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        number = root.objgen[0]
        body = root.unparse(resolved=True)
        info = document.trailer.Info.objgen[0]
        size = int(document.trailer.Size)
    startxref = int(pdf[pdf.rindex(b"startxref") + 9:].split()[0])
    out = bytearray(pdf + b"\n")
    entries = []
    if new is not None:
        entries.append((size, len(out)))
        out += f"{size} 0 obj\n".encode() + new + b"\nendobj\n"
        extra = extra.replace(b"{new}", str(size).encode())
        size += 1
    entries.append((number, len(out)))
    out += f"{number} 0 obj\n".encode() + body[:-2] + b" " + extra + b" >>\nendobj\n"
    xref_at = len(out)
    out += b"xref\n"
    for obj, offset in sorted(entries):
        out += f"{obj} 1\n{offset:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {size} /Root {number} 0 R /Info {info} 0 R /Prev {startxref} >>"
            f"\nstartxref\n{xref_at}\n%%EOF\n").encode()
    return bytes(out)


def _xmp_flate_bomb(pdf: bytes) -> bytes:
    data = flate_bomb(GIGABYTE // 4, b'<x:xmpmeta xmlns:x="adobe:ns:meta/">')
    stream = (f"<< /Type /Metadata /Subtype /XML /Filter /FlateDecode /Length {len(data)} >>"
              "\nstream\n").encode() + data + b"\nendstream"
    return incremental_root(pdf, b"/Metadata {new} 0 R", stream)


def _set(path: str, key: str, value):
    def change(document):
        pdf_field(document, path)[key] = value(document) if callable(value) else value
    return change


def _xmp(data: bytes):
    def change(document):
        import pikepdf
        stream = pikepdf.Stream(document, data)
        stream.Type, stream.Subtype = pikepdf.Name.Metadata, pikepdf.Name.XML
        document.Root.Metadata = document.make_indirect(stream)
    return change


def _many_fields(count: int):
    def change(document):
        import pikepdf
        fields = document.Root.AcroForm.Fields
        for index in range(count):
            fields.append(document.make_indirect(pikepdf.Dictionary(
                T=pikepdf.String(f"ekstra{index}"), FT=pikepdf.Name.Tx)))
    return change


def _kids_loop(document):
    name = pdf_field(document, "child.name")
    name.Kids = [pdf_field(document, "child")]


def _parent_loop(document):
    top = pdf_field(document, "meeting")
    top.Parent = pdf_field(document, "meeting.meeting_type")


def _scan_with_content_bomb() -> bytes:
    """A 'scan' (a page that is one picture, no form id) whose page content is a bomb."""
    from PIL import Image
    picture = io.BytesIO()
    Image.new("RGB", (595, 842), "white").save(picture, "PDF", resolution=72)

    def change(document):
        import pikepdf
        stream = pikepdf.Stream(document, b"")
        stream.write(flate_bomb(GIGABYTE // 2, b"q 595 0 0 842 0 0 cm /image Do Q\n"),
                     filter=pikepdf.Name.FlateDecode)
        page = document.pages[0].obj
        page.Contents = document.make_indirect(stream)
        page.Resources.Font = pikepdf.Dictionary(F1=pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    return pdf_edit(picture.getvalue(), change)


def _zip_with_pdf_first() -> bytes:
    """A zip (our .docx's parts) whose first entry is a PDF stored as is: the PDF's header
    is in the first kilobyte, where PDF readers look for it."""
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(ours_docx()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr(zipfile.ZipInfo("a.pdf"), ours_pdf(), compress_type=zipfile.ZIP_STORED)
        for name in source.namelist():
            target.writestr(name, source.read(name))
    return out.getvalue()


# -- Word documents

def _document_xml() -> bytes:
    return zipfile.ZipFile(io.BytesIO(ours_docx())).read("word/document.xml")


def _with_document(xml: bytes) -> bytes:
    return zip_replace(ours_docx(), {"word/document.xml": xml})


def _in_body(markup: bytes) -> bytes:
    xml = _document_xml()
    at = xml.rindex(b"<w:sectPr")
    return _with_document(xml[:at] + markup + xml[at:])


def _words(count: int) -> bytes:
    """A paragraph of `count` two-letter words (9 MB for 3 million): within every limit
    of the Word reader, but splitting it into words takes over 250 MB."""
    import random
    rng = random.Random(12)
    pairs = [a + b for a in "abcdefghijklmnopqrstuvwxyz" for b in "abcdefghijklmnopqrstuvwxyz"]
    text = " ".join(rng.choices(pairs, k=count)).encode()
    return _in_body(b"<w:p><w:r><w:t>" + text + b"</w:t></w:r></w:p>")


def _duplicate_part() -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: that's the point
        return zip_replace(ours_docx(), {}, [("word/document.xml", b"<w:document/>")])


@lru_cache(maxsize=None)
def corpus() -> dict[str, Hostile]:
    docx, pdf = ours_docx(), ours_pdf()
    xml = _document_xml()
    tag = b'w:val="child.name"'
    assert tag in xml and b'w:val="participants.0.name"' in xml
    controls = b"".join(b'<w:sdt><w:sdtPr><w:id w:val="%d"/></w:sdtPr><w:sdtContent/></w:sdt>'
                        % index for index in range(100_000))
    filled = b"".join(b'<w:sdt><w:sdtPr><w:tag w:val="child.name"/><w:id w:val="%d"/></w:sdtPr>'
                      b"<w:sdtContent><w:r><w:t>%d</w:t></w:r></w:sdtContent></w:sdt>"
                      % (index, index) for index in range(100_000))
    elements = b"".join(b"<v%x/>" % index for index in range(500_000))
    polyglot = pdf + docx
    zip_first = _zip_with_pdf_first()
    bomb_pdf = object_stream_pdf(pdf, padding=GIGABYTE)
    files = {
        # Word
        "docx: zip bomb (40 MB of zeros)": Hostile(zip_bomb(), "formular.docx", "mistænkeligt stor"),
        "docx: XML entity bomb": Hostile(entity_bomb(docx), "formular.docx", "DOCTYPE"),
        "docx: macros (.docm)": Hostile(docm(docx), "formular.docx", "makroer"),
        "docx: no [Content_Types].xml": Hostile(
            zip_replace(docx, {"[Content_Types].xml": None}), "formular.docx", "Content_Types"),
        "docx: ../ entry": Hostile(zip_replace(docx, {}, [("../../../tmp/ond.xml", b"<x/>")]),
                                   "formular.docx", "../"),
        "docx: absolute entry": Hostile(zip_replace(docx, {}, [("/etc/ond.xml", b"<x/>")]),
                                        "formular.docx", "../"),
        "docx: a part twice": Hostile(_duplicate_part(), "formular.docx", "to gange"),
        "docx: 100,000 content controls": Hostile(
            _in_body(b"<w:p>" + controls + b"</w:p>"), "formular.docx", "udfyldningsfelter"),
        "docx: 100,000 filled content controls (15 MB)": Hostile(
            _in_body(b"<w:p>" + filled + b"</w:p>"), "formular.docx", "mistænkeligt stor"),
        "docx: 500,000 elements": Hostile(_in_body(b"<w:p>" + elements + b"</w:p>"),
                                          "formular.docx", "elementer"),
        "docx: 10,000-character tag": Hostile(
            _with_document(xml.replace(tag, b'w:val="child.' + b"n" * 10_000 + b'"', 1)),
            "formular.docx", "tegn"),
        "docx: 10,000-digit row number": Hostile(
            _with_document(xml.replace(b'w:val="participants.0.name"',
                                       b'w:val="participants.' + b"1" * 10_000 + b'.name"', 1)),
            "formular.docx", "rækkenummeret"),
        "docx: row number 5000": Hostile(
            _with_document(xml.replace(b'w:val="participants.0.name"',
                                       b'w:val="participants.5000.name"', 1)),
            "formular.docx", "rækkenummeret"),
        "docx: 3 million words in one paragraph (ceiling)": Hostile(
            _words(3_000_000), "formular.docx", "hukommelse", ceiling=True),
        "docx: nested 3,000 deep": Hostile(
            _in_body(b"<w:sdt><w:sdtContent>" * 3000 + b"</w:sdtContent></w:sdt>" * 3000),
            "formular.docx", "dybere"),
        "docx: zip with a PDF first (polyglot) as .docx": Hostile(zip_first, "formular.docx",
                                                                  "polyglot"),
        "docx: zip with a PDF first (polyglot) as .pdf": Hostile(zip_first, "formular.pdf",
                                                                 "polyglot"),
        # PDF
        "pdf: flate bomb in an object stream (1 GB from 1 MB)": Hostile(
            bomb_pdf, "formular.pdf", "komprimeringsbombe"),
        "pdf: flate bomb in an object stream typed /Obj#53tm": Hostile(
            object_stream_pdf(pdf, padding=GIGABYTE // 2, kind="/Obj#53tm"), "formular.pdf",
            "komprimeringsbombe"),
        "pdf: object stream compressed twice": Hostile(
            object_stream_pdf(pdf, filters=("/FlateDecode", "/FlateDecode")), "formular.pdf",
            "komprimeret"),
        "pdf: flate bomb in a scanned page's content": Hostile(
            _scan_with_content_bomb(), "scanning.pdf", "komprimeringsbombe"),
        "pdf: field tree loop (Kids)": Hostile(pdf_edit(pdf, _kids_loop), "formular.pdf", "ring"),
        "pdf: field tree loop (Parent)": Hostile(pdf_edit(pdf, _parent_loop), "formular.pdf",
                                                 "overordnet"),
        "pdf: 6,000 fields": Hostile(pdf_edit(pdf, _many_fields(6000)), "formular.pdf",
                                     "felter"),
        "pdf: value is an array": Hostile(pdf_edit(pdf, _set(
            "meeting.meeting_type", "/V", lambda d: __import__("pikepdf").Array(
                [__import__("pikepdf").String("NM")]))), "formular.pdf", "en liste"),
        "pdf: value is a number": Hostile(pdf_edit(pdf, _set("child.name", "/V", 42)),
                                          "formular.pdf", "et tal"),
        "pdf: value is a dictionary": Hostile(pdf_edit(pdf, _set(
            "meeting.place", "/V", lambda d: __import__("pikepdf").Dictionary(
                A=__import__("pikepdf").String("x")))), "formular.pdf", "en ordbog"),
        "pdf: check box value is a dictionary": Hostile(pdf_edit(pdf, _set(
            "meeting.consent_on_file", "/V", lambda d: __import__("pikepdf").Dictionary(
                A=__import__("pikepdf").String("x")))), "formular.pdf", "en ordbog"),
        "pdf: ../ field name": Hostile(pdf_edit(pdf, _set(
            "child.name", "/T", lambda d: __import__("pikepdf").String("../../etc/passwd"))),
            "formular.pdf", "navnet"),
        "pdf: 10,000-character field name": Hostile(pdf_edit(pdf, _set(
            "child.name", "/T", lambda d: __import__("pikepdf").String("n" * 10_000))),
            "formular.pdf", "200 tegn"),
        "pdf: row number 99999": Hostile(pdf_edit(pdf, _set(
            "participants.0", "/T", lambda d: __import__("pikepdf").String("99999"))),
            "formular.pdf", "rækkenummeret"),
        "pdf: damaged XMP": Hostile(pdf_edit(pdf, _xmp(
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF')), "formular.pdf", "XMP"),
        "pdf: XMP entity bomb": Hostile(pdf_edit(pdf, _xmp(BILLION_LAUGHS)), "formular.pdf",
                                        "XMP"),
        "pdf: XMP flate bomb": Hostile(_xmp_flate_bomb(pdf), "formular.pdf", "XMP"),
        "pdf: huge XMP (2 MB)": Hostile(pdf_edit(pdf, _xmp(
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + b" " * 2_000_000 + b"</x:xmpmeta>")),
            "formular.pdf", "XMP"),
        "pdf: arrays nested 10,000 deep": Hostile(incremental_root(
            pdf, b"/Dyb " + b"[" * 10_000 + b"]" * 10_000), "formular.pdf", "beskadiget"),
        "pdf: PDF + ZIP polyglot as .pdf": Hostile(polyglot, "formular.pdf", "polyglot"),
        "pdf: PDF + ZIP polyglot as .docx": Hostile(polyglot, "formular.docx", "polyglot"),
    }
    return files
