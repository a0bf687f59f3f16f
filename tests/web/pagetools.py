"""Reading pages in tests: the form a browser would submit, labels, links, anchors."""
from __future__ import annotations

import io
import json
from pathlib import Path

import lxml.html

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def sample(form_id: str) -> dict:
    return json.loads((SAMPLES / f"{form_id}.json").read_text())


def page(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.get_data(as_text=True))


def form_fields(response, form_id: str | None = None, index: int = -1) -> list[tuple[str, str]]:
    """What the browser sends for the page's form (the last one, or the one with id
    `form_id`): checked boxes only, selected options, textareas; no buttons."""
    root = page(response)
    form = root.get_element_by_id(form_id) if form_id else root.forms[index]
    return [(name, value) for name, value in form.form_values()]


def texts(response) -> str:
    return " ".join(page(response).text_content().split())


def ids(response) -> list[str]:
    return [element.get("id") for element in page(response).iter() if element.get("id")]


def upload_file(content: bytes, name: str):
    return (io.BytesIO(content), name)


def with_values(fields: list[tuple[str, str]], values: dict) -> list[tuple[str, str]]:
    """The page's fields with some typed in (each replacing what the page had)."""
    return [(k, v) for k, v in fields if k not in values] + list(values.items())
