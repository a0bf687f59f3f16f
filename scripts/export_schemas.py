"""Write schemas/<form>.json from the marshmallow schemas. Run after changing a form."""
import json
from pathlib import Path

from formservice.forms import FORMS
from formservice.forms.jsonschema import form_json_schema

ROOT = Path(__file__).resolve().parents[1]


def schema_text(form_id: str) -> str:
    return json.dumps(form_json_schema(form_id), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    (ROOT / "schemas").mkdir(exist_ok=True)
    for form_id in FORMS:
        (ROOT / "schemas" / f"{form_id}.json").write_text(schema_text(form_id), encoding="utf-8")
        print(f"schemas/{form_id}.json")
