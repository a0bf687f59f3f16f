"""Rebuild word_templates/<form>.docx from the form definitions. Run after changing a form."""
from pathlib import Path

from formservice.documents.word_template import build_template
from formservice.forms import FORMS

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    target = ROOT / "word_templates"
    target.mkdir(exist_ok=True)
    for form_id in FORMS:
        (target / f"{form_id}.docx").write_bytes(build_template(form_id))
        print(f"word_templates/{form_id}.docx")
