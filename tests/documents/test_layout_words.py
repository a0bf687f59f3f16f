"""Documents a leader is proud to send: every sample rendered both ways — the Word form
through LibreOffice to PDF, and the service's own PDF — read back with pdftotext.

- Every word of four or more letters of the sample's values and of the form's labels is
  whole in the text (a Danish hyphenation at a line end is allowed), and no piece of a
  broken word appears anywhere.
- No "Skriv her", no product name, no English form id: the footer reads
  "<titel> · version N · side x af y".
- The consent: the guidance before the form, one signature line per custody holder, the
  young person's section only where it applies, the municipality's contact.
- The PDF: one font size per table, never below 8 pt; text too long for its box continues
  on a continuation page instead of shrinking.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from documents.external_tools import required_tool

from formservice.config import read_profile
from formservice.documents import text_layout
from formservice.documents.pdf_fill import render_pdf
from formservice.documents.word_render import render_docx
from formservice.forms import FORMS, get_form
from formservice.forms.layout import sections
from formservice.forms.record import load_data

ROOT = Path(__file__).resolve().parents[2]
PROFILE = read_profile(ROOT / "profiles" / "holbaek.toml")
CONTACT = PROFILE.contact + " Telefon 72 36 36 36, boernogunge@holbaek.dk."
WORD = re.compile(r"[^\W\d_]{4,}")


_tool = required_tool


def _sample(form_id):
    data, findings = load_data(form_id, json.loads((ROOT / "samples" / f"{form_id}.json")
                                                   .read_text("utf-8")))
    assert findings == []
    return data


def _text(pdf: Path) -> str:
    return subprocess.run([_tool("pdftotext"), "-raw", str(pdf), "-"], check=True,
                          capture_output=True, timeout=120).stdout.decode("utf-8")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """{(form, "filled"|"blank"): {"word": text of LibreOffice's PDF, "pdf": text of the
    service's PDF, "pdf_bytes": the service's PDF}}, LibreOffice run once for all."""
    folder = tmp_path_factory.mktemp("rendered")
    soffice = _tool("soffice")
    out = {}
    pushed = _sample("consent")  # the parties' table pushed towards the end of a page
    pushed["information"]["other"] = ("Ekstra linje med oplysninger. " * 12 + "\n") * 6
    cases = [(form_id, kind, data) for form_id in FORMS for kind, data in (
        ("filled", _sample(form_id)), ("blank", load_data(form_id, {})[0]))]
    for form_id, kind, data in cases + [("consent", "pushed", pushed)]:
        name = f"{form_id}-{kind}"
        (folder / f"{name}.docx").write_bytes(render_docx(form_id, data, PROFILE.name, CONTACT))
        pdf, findings = render_pdf(form_id, data, PROFILE.name, CONTACT)
        (folder / f"{name}.service.pdf").write_bytes(pdf)
        out[(form_id, kind)] = {"pdf_bytes": pdf, "findings": findings, "data": data}
    subprocess.run([soffice, f"-env:UserInstallation=file://{folder}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder / "lo"),
                    *sorted(str(p) for p in folder.glob("*.docx"))],
                   check=True, capture_output=True, timeout=600)
    for (form_id, kind), entry in out.items():
        name = f"{form_id}-{kind}"
        entry["word"] = _text(folder / "lo" / f"{name}.pdf")
        entry["pdf"] = _text(folder / f"{name}.service.pdf")
    return out


# ------------------------------------------------------------------- what is expected

def _shown(spec, value):
    if value is None or isinstance(value, bool):
        return None
    if spec.kind == "choice":
        return spec.option_label(value)
    if spec.kind == "date":
        return None
    return str(value)


def _expected_words(form_id, data) -> set[str]:
    """The words of 4+ letters of the values and the labels the document shows."""
    from formservice.documents import form_layout
    form = get_form(form_id)
    texts = [form.title]
    for section in sections(form_id):
        if not section.is_group and not form_layout.shows_section(form_id, section.name, data):
            continue
        texts.append(section.label)
        rows = data[section.name] if section.is_group else [data[section.name]]
        for spec in section.fields:
            texts.append(spec.label)
            for row in rows:
                shown = _shown(spec, row.get(spec.name))
                if shown:
                    texts.append(shown)
    return {word for text in texts for word in WORD.findall(text)}


def _vocabulary(form_id, data) -> set[str]:
    """Every word the document may show (casefolded): anything else is a broken piece."""
    form = get_form(form_id)
    texts = [form.title, form.intro, PROFILE.name, CONTACT, "side af version",
             "Underskrift forældremyndighedsindehaver Indsats Fortsættelse fortsat lange "
             "tekster fra"]
    for title, paragraphs in form.guidance:
        texts += [title, *paragraphs]
    for section in sections(form_id):
        texts += [section.label, section.help or ""]
        rows = data[section.name] if section.is_group else [data[section.name]]
        for spec in section.fields:
            texts += [spec.label, spec.help or ""] + [str(label) for _, label in spec.options]
            texts += [str(row.get(spec.name)) for row in rows if row.get(spec.name)]
    if form_id == "network_map":
        from formservice.documents.network_map_picture import describe_network_map
        texts.append(describe_network_map(data))
    return {word.casefold() for text in texts for word in WORD.findall(text)}


def _joined(text: str, vocabulary: set[str]) -> str:
    """Line ends joined: "Ansvar-\\nlig" is one word where the dictionary knows it (a
    hyphenation), "tale-\\nhørelærer" keeps its hyphen."""
    def join(match):
        head, tail = match.group(1), match.group(2)
        return head + tail if (head + tail).casefold() in vocabulary else head + "- " + tail
    return re.sub(r"(\w+)-\n(\w+)", join, text)


def broken_words(form_id, data, text) -> tuple[list[str], list[str]]:
    """(expected words not found whole, pieces of broken words found)."""
    vocabulary = _vocabulary(form_id, data)
    joined = _joined(text, vocabulary)
    found = set(WORD.findall(joined))
    missing = sorted(word for word in _expected_words(form_id, data) if word not in found)
    pieces = sorted({word for word in WORD.findall(joined) if word.casefold() not in vocabulary})
    return missing, pieces


# ------------------------------------------------------------------------- the tests

@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", list(FORMS))
@pytest.mark.parametrize("way", ["word", "pdf"])
def test_every_word_of_values_and_labels_is_whole(rendered, form_id, way):
    entry = rendered[(form_id, "filled")]
    missing, pieces = broken_words(form_id, entry["data"], entry[way])
    assert missing == [] and pieces == [], (missing, pieces)


@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", list(FORMS))
@pytest.mark.parametrize("kind", ["filled", "blank"])
def test_no_placeholder_product_name_or_english_id_is_printed(rendered, form_id, kind):
    form = get_form(form_id)
    for way in ("word", "pdf"):
        text = rendered[(form_id, kind)][way]
        assert "Skriv her" not in text and "Vælg dato" not in text
        assert "formservice" not in text.casefold()
        assert f" {form_id} " not in text and f"{form_id}\n" not in text
        pages = len(re.findall(rf"{re.escape(form.title)} · version {form.version} · side \d+ af",
                               text))
        assert pages >= 2, way  # the footer, on every page


@pytest.mark.libreoffice
def test_consent_guidance_first_a_signature_line_per_custody_holder_and_the_contact(rendered):
    for kind, holders in (("filled", 2), ("blank", 2)):
        entry = rendered[("consent", kind)]
        word, pdf = entry["word"], entry["pdf"]
        for text in (word, pdf):
            assert text.index("Vejledning om samtykke") < text.index("Forældremyndighedsindehavere")
            assert "kontakt lederen af dagtilbuddet eller skolen" in " ".join(text.split())
        signatures = re.findall(r"Underskrift – forældremyndighedsindehaver (\d)", word)
        assert signatures == [str(n) for n in range(1, holders + 1)], (kind, signatures)
        assert len(re.findall(r"\bUnderskrift\b(?! med)", pdf)) == holders
    assert "Den unges stemme" not in rendered[("consent", "filled")]["word"]  # a 4-year-old
    assert "Den unges stemme" not in rendered[("consent", "filled")]["pdf"]
    assert "Den unges stemme" in rendered[("consent", "blank")]["word"]
    assert "Den unges stemme" in rendered[("consent", "blank")]["pdf"]


def _sizes_by_section(pdf: bytes) -> dict[str, set[float]]:
    import io

    import pikepdf
    sizes: dict[str, set[float]] = {}
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for annotation in page.obj.get("/Annots", []):
                appearance = annotation.get("/AP", {}).get("/N")
                if annotation.get("/FT") != "/Tx" and annotation.get("/Parent", {}).get(
                        "/FT") != "/Tx" and annotation.get("/FT") != "/Ch":
                    continue
                if not isinstance(appearance, pikepdf.Stream):
                    continue
                found = re.findall(rb"/FS ([\d.]+) Tf", appearance.read_bytes())
                name = []
                node = annotation
                while node is not None:
                    if "/T" in node:
                        name.append(str(node.T))
                    node = node.get("/Parent")
                section = name[-1]
                sizes.setdefault(section, set()).update(float(size) for size in found)
    return sizes


@pytest.mark.parametrize("form_id", list(FORMS))
def test_pdf_one_font_size_per_table_never_below_8pt(form_id):
    pdf, findings = render_pdf(form_id, _sample(form_id), PROFILE.name, CONTACT)
    assert findings == []  # nothing shrunk, nothing continued
    sizes = _sizes_by_section(pdf)
    assert sizes
    for section, found in sizes.items():
        assert len(found) == 1 and min(found) >= 8.0, (section, found)


def test_pdf_text_too_long_continues_on_a_continuation_page():
    import io

    from pypdf import PdfReader
    note = ("Forældrene fortalte om en svær periode med mange skift i hverdagen. " * 30).strip()
    data, _ = load_data("first_meeting", {"welcome": {"notes": note},
                                          "participants": [{"name": "Mette Nørgaard"}]})
    pdf, findings = render_pdf("first_meeting", data, PROFILE.name)
    assert [f.code for f in findings] == ["pdf.text_overflow"]
    pages = PdfReader(io.BytesIO(pdf)).pages
    blank, _ = render_pdf("first_meeting", load_data("first_meeting", {})[0], PROFILE.name)
    assert len(pages) > len(PdfReader(io.BytesIO(blank)).pages)
    last = " ".join(pages[-1].extract_text().split())
    assert "Fortsættelse af lange tekster" in last
    assert "1. Velkomst – Referat" in last
    assert note[-60:] in " ".join(" ".join(p.extract_text().split()) for p in pages[-2:])
    sizes = _sizes_by_section(pdf)
    assert sizes["welcome"] == {10.0}  # continued, not shrunk
    total = len(pages)
    assert f"side {total} af {total}" in pages[-1].extract_text()
    from formservice.documents.pdf_parse import parse_pdf
    record, reading = parse_pdf(pdf)
    assert reading == [] and record["data"]["welcome"]["notes"] == note


# -------------------------------------------------------------- the wrapping itself

@pytest.mark.parametrize("text, width, expected", [
    ("Ansvarlig for indsatsen", 40, ["Ansvar-", "lig for", "indsat-", "sen"]),
    ("Sprogkonsulent/tale-hørelærer", 75, ["Sprogkonsulent/", "tale-hørelærer"]),
    ("bmk@holbaek.dk", 40, ["bmk@", "holbaek.", "dk"]),
    ("https://www.holbaek.dk/boern", 70, ["https://www.", "holbaek.dk/", "boern"]),
    ("Fælles forældremyndighed", 60, ["Fælles", "forældre-", "myndighed"]),
])
def test_wrapping_breaks_between_words_then_danish_syllables_and_addresses(text, width,
                                                                           expected):
    lines = [line.text for line in text_layout.wrap(text, width, 9)]
    assert lines == expected
    assert all(text_layout.measure(line, 9) <= width for line in lines)


def test_a_word_that_fits_is_never_hyphenated_and_a_line_never_splits_a_syllable():
    words = "Sundhedsplejersken drøftede sprogvurderingen med forældremyndighedsindehaverne"
    for width in range(60, 400, 7):
        lines = text_layout.wrap(words, width, 9)
        rebuilt, breaks = "", []
        for line in lines:
            if line.hyphenated:
                rebuilt += line.text[:-1]
                breaks.append(len(rebuilt))
            else:
                rebuilt += line.text + " "
        assert rebuilt.split() == words.split()
        for at in breaks:  # each hyphen at a Danish syllable break of a word wider than a line
            start = rebuilt.rfind(" ", 0, at) + 1
            end = rebuilt.find(" ", at)
            word = rebuilt[start:end if end >= 0 else None]
            assert text_layout.measure(word, 9) > width, (width, word)
            assert at - start in text_layout.hyphenation_points(word), (width, word)


def test_column_widths_give_every_column_its_longest_word_when_there_is_room():
    columns = [text_layout.Column(least=70, most=300), text_layout.Column(least=120, most=130),
               text_layout.Column(least=40, most=40)]
    widths = text_layout.column_widths(columns, 400)
    assert sum(widths) == pytest.approx(400)
    assert all(w >= c.least for w, c in zip(widths, columns))


@pytest.mark.libreoffice
@pytest.mark.parametrize("way", ["word", "pdf"])
def test_a_table_is_never_split_to_leave_a_row_alone(rendered, way):
    """The consent's five parties, pushed towards a page's end, stay with their heading."""
    for kind in ("filled", "pushed"):
        pages = rendered[("consent", kind)][way].split("\f")
        on = [index for index, page in enumerate(pages) for _ in
              re.findall(r"Begge dele", page)]
        heading = next(index for index, page in enumerate(pages)
                       if "Parter oplysningerne" in page)
        assert len(on) == 5
        assert set(on) == {heading} or min(on.count(page) for page in set(on)) >= 2, (kind, on)

