"""schemas/<form>.json is exactly what the marshmallow schema exports."""
import json
from pathlib import Path

import pytest

from formservice.forms import FORMS
from formservice.forms.jsonschema import form_json_schema

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


@pytest.mark.parametrize("form_id", list(FORMS))
def test_committed_schema_matches_marshmallow(form_id):
    committed = json.loads((SCHEMAS / f"{form_id}.json").read_text("utf-8"))
    assert committed == form_json_schema(form_id), (
        f"schemas/{form_id}.json is out of date: run python3 scripts/export_schemas.py")


@pytest.mark.parametrize("form_id", list(FORMS))
def test_every_field_has_a_danish_label(form_id):
    def walk(schema):
        for name, prop in schema.get("properties", {}).items():
            assert prop.get("title"), name
            walk(prop)
            walk(prop.get("items", {}))
    walk(form_json_schema(form_id))


def test_schema_describes_choices_with_labels():
    role = form_json_schema("first_meeting")["properties"]["participants"]["items"][
        "properties"]["role"]
    assert "caseworker" in role["enum"] and None in role["enum"]
    assert role["x-labels"]["caseworker"].startswith("Socialrådgiver")
