"""Scans through the JSON API: a form printed for a case (its QR codes carry the print's
token), written on, photographed, read by POST /api/v1/parse with the pictures of what a
person must read, and stored with what they typed (`corrections`). Bad corrections and
another institution's print are refused in Danish; nothing is half-stored."""
from __future__ import annotations

import base64
import io
import json

from PIL import Image
from scan_photos import page_of, photographed, written_page
from test_robustness import assert_refused, parse, stored_counts, upload

import formtools as records
from formservice.documents.page_layout import page_layouts

API = "/api/v1"
NAME = "custody_holders.0.name"


def _printed_photo(client, world) -> bytes:
    response = client.get(f"{API}/cases/{world.cases['A']}/forms/consent?format=pdf",
                          headers=world.auth("staff_a"))
    assert response.status_code == 200
    pdf = response.data
    data = records.parse(pdf)[0]["data"]
    page = page_of(page_layouts("consent", data), NAME)
    return photographed(written_page(pdf, "consent", data, page, writing={NAME: "Mette Ørum"}))


def test_a_photo_is_parsed_with_its_pictures_and_stored_with_what_was_typed(client, world):
    photo = _printed_photo(client, world)
    read = parse(client, world.auth("staff_a"), photo, "foto.jpg")
    assert read.status_code == 200, read.get_data(as_text=True)[:500]
    body = read.get_json()
    assert body["form"] == "consent" and body["data"]["child"]["name"] == "Alma Nørgaard Sørensen"
    assert [f["path"] for f in body["findings"] if f["code"] == "scan.needs_review"] == [NAME]
    crop = Image.open(io.BytesIO(base64.b64decode(body["scan"]["crops"][NAME])))
    assert crop.format == "PNG" and crop.width > 100

    stored = client.post(f"{API}/cases/{world.cases['A']}/documents",
                         headers=world.auth("staff_a"),
                         data={"file": (io.BytesIO(photo), "foto.jpg"),
                               "corrections": json.dumps({NAME: "Mette Ørum"})},
                         content_type="multipart/form-data")
    assert stored.status_code == 201, stored.get_data(as_text=True)[:500]
    record = stored.get_json()["record"]
    assert record["data"]["custody_holders"][0]["name"] == "Mette Ørum"
    assert not [f for f in record["findings"] if f["path"] == NAME]
    document = client.get(f"{API}/documents/{record['document_id']}",
                          headers=world.auth("staff_a")).get_json()
    assert document["direction"] == "scanned" and document["content_type"] == "image/jpeg"
    original = client.get(f"{API}/documents/{record['document_id']}/download",
                          headers=world.auth("staff_a"))
    assert original.data == photo


def test_bad_corrections_and_a_foreign_print_are_refused_in_danish(app, client, world):
    photo = _printed_photo(client, world)
    before = stored_counts(app)
    for corrections, wanted in (("ikke json", "JSON-objekt"), ('["a"]', "JSON-objekt"),
                                (json.dumps({"child.name": "Anden"}), "ikke noget at gennemse"),
                                (json.dumps({NAME: 5}), "JSON-objekt")):
        refused = client.post(f"{API}/cases/{world.cases['A']}/documents",
                              headers=world.auth("staff_a"),
                              data={"file": (io.BytesIO(photo), "foto.jpg"),
                                    "corrections": corrections},
                              content_type="multipart/form-data")
        assert_refused(refused, 422, wanted)
    assert_refused(upload(client, world.auth("staff_a"), world.cases["B"], photo, "foto.jpg"),
                   404)  # case B is not staff A's
    assert_refused(upload(client, world.auth("staff_b"), world.cases["B"], photo, "foto.jpg"),
                   404, "ikke kan finde")  # nor is case A's print staff B's to use
    assert_refused(upload(client, world.auth("staff_ab"), world.cases["B"], photo, "foto.jpg"),
                   422, "anden sag")
    assert_refused(parse(client, world.auth("staff_b"), photo, "foto.jpg"), 404,
                   "ikke kan finde")
    assert stored_counts(app) == before
