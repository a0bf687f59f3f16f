"""Rebuild pdf_templates/<form>.pdf from the form definitions. Run after changing a form."""
from pathlib import Path

from formservice.documents.pdf_template import build_pdf_template
from formservice.forms import FORMS

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    target = ROOT / "pdf_templates"
    target.mkdir(exist_ok=True)
    for form_id in FORMS:
        (target / f"{form_id}.pdf").write_bytes(build_pdf_template(form_id))
        print(f"pdf_templates/{form_id}.pdf")
