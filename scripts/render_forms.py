"""Render every form, blank and filled with its sample, to PNG pages under docs/forms/.

    python3 scripts/render_forms.py [--dpi 60] [--out docs/forms]

The Word form goes through LibreOffice (one soffice run for all) to PDF, the PDF form is
the service's own; poppler's pdftoppm draws the pages. docs/forms/<form>/ gets
<blank|filled>-<word|pdf>-<page>.png, and docs/forms/README.md shows them side by side,
so a change of look is seen in review. Uses the Holbæk profile (name and contact).
Needs soffice and pdftoppm on PATH.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formservice.config import read_profile  # noqa: E402
from formservice.documents.pdf_fill import render_pdf  # noqa: E402
from formservice.documents.word_render import render_docx  # noqa: E402
from formservice.forms import FORMS  # noqa: E402
from formservice.forms.record import load_data  # noqa: E402

KINDS = ("blank", "filled")
WAYS = {"word": "Word (LibreOffice)", "pdf": "PDF (tjenesten)"}


def _data(form_id: str, kind: str) -> dict:
    raw = {} if kind == "blank" else json.loads(
        (ROOT / "samples" / f"{form_id}.json").read_text("utf-8"))
    data, findings = load_data(form_id, raw)
    if data is None:
        raise SystemExit(f"samples/{form_id}.json: {findings}")
    return data


def _pages(pdf: Path, stem: Path, dpi: int) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(stem)], check=True,
                   timeout=300)
    pages = sorted(stem.parent.glob(stem.name + "-*.png"),
                   key=lambda path: int(path.stem.rsplit("-", 1)[1]))
    out = []
    for number, page in enumerate(pages, start=1):
        target = stem.parent / f"{stem.name}-{number}.png"
        image = Image.open(page).convert("RGB").quantize(colors=64)
        page.unlink()
        image.save(target, optimize=True)
        out.append(target)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=60)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "forms")
    args = parser.parse_args(argv)
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} findes ikke på PATH")
    profile = read_profile(ROOT / "profiles" / "holbaek.toml")
    out = args.out
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for form_id in FORMS:
            for kind in KINDS:
                data = _data(form_id, kind)
                (scratch / f"{form_id}-{kind}.docx").write_bytes(
                    render_docx(form_id, data, profile.name, profile.contact))
                pdf, _ = render_pdf(form_id, data, profile.name, profile.contact)
                (scratch / f"{form_id}-{kind}.service.pdf").write_bytes(pdf)
        subprocess.run(["soffice", f"-env:UserInstallation=file://{scratch}/profile",
                        "--headless", "--convert-to", "pdf", "--outdir", str(scratch / "lo"),
                        *sorted(str(p) for p in scratch.glob("*.docx"))],
                       check=True, capture_output=True, timeout=600)
        listing = {}
        for form_id in FORMS:
            folder = out / form_id
            if folder.exists():
                for old in folder.glob("*.png"):
                    old.unlink()
            folder.mkdir(parents=True, exist_ok=True)
            for kind in KINDS:
                sources = {"word": scratch / "lo" / f"{form_id}-{kind}.pdf",
                           "pdf": scratch / f"{form_id}-{kind}.service.pdf"}
                for way, source in sources.items():
                    pages = _pages(source, folder / f"{kind}-{way}", args.dpi)
                    listing[(form_id, kind, way)] = pages
                    print(f"{folder.relative_to(ROOT)}/{kind}-{way}: {len(pages)} sider")
    _readme(out, listing)
    return 0


def _readme(out: Path, listing: dict) -> None:
    from formservice.forms import get_form
    lines = ["# Formularerne, som de ser ud",
             "",
             "Lavet af `python3 scripts/render_forms.py`: hver formular tom og udfyldt med sit",
             "eksempel (`samples/`), Word-formularen gennem LibreOffice og PDF-formularen fra",
             "tjenesten, med Holbæks profil. Kør scriptet igen, når formularernes udseende",
             "ændres, og commit billederne, så ændringen ses i review.", ""]
    for form_id in FORMS:
        lines += [f"## {get_form(form_id).title} (`{form_id}`)", ""]
        for kind in KINDS:
            lines.append(f"### {'Tom' if kind == 'blank' else 'Udfyldt'}")
            lines.append("")
            lines.append("| side | " + " | ".join(WAYS.values()) + " |")
            lines.append("| --- | " + " | ".join("---" for _ in WAYS) + " |")
            count = max(len(listing[(form_id, kind, way)]) for way in WAYS)
            for number in range(1, count + 1):
                cells = []
                for way in WAYS:
                    pages = listing[(form_id, kind, way)]
                    if number <= len(pages):
                        path = pages[number - 1].relative_to(out)
                        cells.append(f"![{WAYS[way]}, side {number}]({path.as_posix()})")
                    else:
                        cells.append("")
                lines.append(f"| {number} | " + " | ".join(cells) + " |")
            lines.append("")
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
