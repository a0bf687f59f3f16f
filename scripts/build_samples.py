"""Write samples/<form>.docx: each sample record as the Word form a person returns.

The values sit in the content controls exactly as if typed there (placeholders gone);
tests/test_samples_documents.py proves each document reads back to samples/<form>.json.
"""
import json
from pathlib import Path

from formservice.config import read_profile
from formservice.documents.word_render import render_docx
from formservice.forms import FORMS
from formservice.forms.record import load_data

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    profile = read_profile(ROOT / "profiles" / "holbaek.toml")
    for form_id in FORMS:
        data = json.loads((ROOT / "samples" / f"{form_id}.json").read_text("utf-8"))
        canonical, findings = load_data(form_id, data)
        if findings:
            raise SystemExit(f"samples/{form_id}.json: {findings}")
        (ROOT / "samples" / f"{form_id}.docx").write_bytes(
            render_docx(form_id, canonical, profile.name, profile.contact))
        print(f"samples/{form_id}.docx")
