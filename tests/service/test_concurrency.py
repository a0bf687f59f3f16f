"""Many clients at once against a real `formservice serve` process (waitress), on SQLite and
on PostgreSQL: 20 clients each render forms and upload a distinct filled form, while several
more upload the same document at the same moment. Every answer must be a 2xx, every
distinct document stored exactly once with one record, and the simultaneous copies of one
document must all point to the same record.

Users and tokens are made with the `formservice users` CLI against the server's database,
as an operator would.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from conftest import SAMPLES
from running_server import running_server
from sqlalchemy import create_engine, text

import formtools as records

PASSWORD = "en-lang-adgangskode-til-samtidighed"
INSTITUTION = "Børnehuset Kløverengen"
CHILDREN = ("Alma Nørgaard Sørensen", "Bo Bæk", "Carl Østergaard", "Dagny Ærø Holm")
FORMS = ("first_meeting", "consent", "follow_up_meeting", "network_map")
DISTINCT_CLIENTS = 20
SAME_DOCUMENT_CLIENTS = 6
REQUEST_TIMEOUT = 30  # seconds, each request
TEST_BUDGET = 60  # seconds, the whole parallel phase must stay well under this


def _data(form_id: str, child: str, n: int) -> dict:
    """The sample of `form_id` for `child`, made distinct by `n` (date and a text)."""
    data = json.loads((SAMPLES / f"{form_id}.json").read_text())
    data["child"]["name"] = child
    day = dt.date(2026, 1, 5) + dt.timedelta(days=7 * n)
    if form_id in ("first_meeting", "follow_up_meeting"):
        data["meeting"]["date"] = day.isoformat()
        data["meeting"]["place"] = f"Mødelokale {n}"
    elif form_id == "consent":
        data["purpose"]["purpose"] = f"{data['purpose']['purpose']} (nr. {n})"
    else:
        data["map"]["date"] = day.isoformat()
    return data


def _check(response, step, failures):
    if not 200 <= response.status_code < 300:
        failures.append((step, response.status_code, response.text[:300]))
    return response


def test_parallel_clients(database_url, tmp_path):
    with running_server(tmp_path, database_url=database_url, threads=8) as server:
        started = time.monotonic()
        server.cli("users", "create", "paedagog", "--name", "Søren Ågaard Holm", "--role", "staff",
                   "--institution", INSTITUTION, "--password-stdin", input=PASSWORD + "\n")
        token = server.cli("users", "token", "paedagog", "--name", "samtidighed").stdout.strip()
        assert token.startswith("fs_")
        auth = {"Authorization": f"Bearer {token}"}
        me = requests.get(server.url("/api/v1/me"), headers=auth, timeout=REQUEST_TIMEOUT).json()
        institution_id = me["institutions"][0]["id"]
        second_token = requests.post(server.url("/api/v1/tokens"), headers=auth, json={"name": "to"},
                                     timeout=REQUEST_TIMEOUT).json()["token"]
        tokens = (token, second_token)
        cases = []
        for child in CHILDREN:
            response = requests.post(server.url("/api/v1/cases"), headers=auth, timeout=REQUEST_TIMEOUT,
                                     json={"institution_id": institution_id, "child_name": child})
            assert response.status_code == 201, response.text
            cases.append(response.json()["id"])
        setup_seconds = time.monotonic() - started

        # what each client will do: its form, format, case and data
        plan = []
        for n in range(DISTINCT_CLIENTS):
            form_id = FORMS[n % len(FORMS)]
            index = n % len(CHILDREN)
            plan.append({"n": n, "form": form_id, "format": ("docx", "pdf")[n // 2 % 2],
                         "case": cases[index], "data": _data(form_id, CHILDREN[index], n),
                         "token": tokens[n % 2]})
        same_data = _data("first_meeting", CHILDREN[0], 99)
        same_document, _ = records.render("first_meeting", same_data, "pdf")

        failures: list = []
        uploads: dict = {}
        same_uploads: list = []
        barrier = threading.Barrier(DISTINCT_CLIENTS + SAME_DOCUMENT_CLIENTS, timeout=REQUEST_TIMEOUT)

        def distinct_client(item):
            with requests.Session() as http:
                http.headers["Authorization"] = f"Bearer {item['token']}"
                barrier.wait()
                fmt, form_id = item["format"], item["form"]
                rendered = _check(http.post(server.url(f"/api/v1/forms/{form_id}/render?format={fmt}"),
                                            json=item["data"], timeout=REQUEST_TIMEOUT),
                                  f"render {item['n']}", failures)
                _check(http.get(server.url(f"/api/v1/cases/{item['case']}/forms/{form_id}?format={fmt}"),
                                timeout=REQUEST_TIMEOUT), f"pre-filled {item['n']}", failures)
                if rendered.status_code != 200:
                    return
                document = rendered.content
                stored = _check(http.post(server.url(f"/api/v1/cases/{item['case']}/documents"),
                                          files={"file": (f"{form_id}-{item['n']}.{fmt}", document)},
                                          timeout=REQUEST_TIMEOUT), f"upload {item['n']}", failures)
                _check(http.get(server.url(f"/api/v1/cases/{item['case']}/documents"),
                                timeout=REQUEST_TIMEOUT), f"list {item['n']}", failures)
                uploads[item["n"]] = (hashlib.sha256(document).hexdigest(), stored.status_code,
                                      stored.json() if stored.status_code < 300 else None)

        def same_client(n):
            with requests.Session() as http:
                http.headers["Authorization"] = f"Bearer {tokens[n % 2]}"
                barrier.wait()
                response = _check(http.post(server.url(f"/api/v1/cases/{cases[0]}/documents"),
                                            files={"file": ("samme.pdf", same_document)},
                                            timeout=REQUEST_TIMEOUT), f"same {n}", failures)
                same_uploads.append((response.status_code,
                                     response.json() if response.status_code < 300 else None))

        parallel_started = time.monotonic()
        with ThreadPoolExecutor(max_workers=DISTINCT_CLIENTS + SAME_DOCUMENT_CLIENTS) as pool:
            futures = [pool.submit(distinct_client, item) for item in plan]
            futures += [pool.submit(same_client, n) for n in range(SAME_DOCUMENT_CLIENTS)]
            for future in futures:
                future.result(timeout=TEST_BUDGET)
        parallel_seconds = time.monotonic() - parallel_started
        health = requests.get(server.url("/healthz"), timeout=REQUEST_TIMEOUT)
        log = server.log()

    backend = database_url.split(":", 1)[0]
    print(f"\n[{backend}] setup (CLI, cases) {setup_seconds:.1f} s; "
          f"{DISTINCT_CLIENTS} + {SAME_DOCUMENT_CLIENTS} clients in parallel {parallel_seconds:.1f} s")

    assert not failures, (failures, log[-6000:])
    assert health.status_code == 200
    assert "Traceback" not in log and "unexpected error" not in log, log[-3000:]
    assert parallel_seconds < TEST_BUDGET * 0.75

    # every distinct document: stored once, its own record
    assert len(uploads) == DISTINCT_CLIENTS
    assert len({digest for digest, _, _ in uploads.values()}) == DISTINCT_CLIENTS
    assert all(status == 201 and body["duplicate"] is False for _, status, body in uploads.values())
    record_ids = [body["record"]["id"] for _, _, body in uploads.values()]
    assert len(set(record_ids)) == DISTINCT_CLIENTS
    for item in plan:
        record = uploads[item["n"]][2]["record"]
        assert record["form"] == item["form"]
        assert record["data"]["child"]["name"] == item["data"]["child"]["name"]

    # the same document at the same moment: one stored, the others told it is a duplicate
    assert len(same_uploads) == SAME_DOCUMENT_CLIENTS
    assert sorted(status for status, _ in same_uploads) == [200] * (SAME_DOCUMENT_CLIENTS - 1) + [201]
    assert Counter(body["duplicate"] for _, body in same_uploads) == {True: SAME_DOCUMENT_CLIENTS - 1,
                                                                       False: 1}
    assert len({body["record"]["id"] for _, body in same_uploads}) == 1
    same_record = same_uploads[0][1]["record"]["id"]
    assert same_record not in record_ids

    # the database: exactly what was sent, nothing lost, nothing twice
    kinds = Counter(item["form"] for item in plan)
    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            def count(sql):
                return db.execute(text(sql)).scalar_one()
            assert count("SELECT count(*) FROM documents WHERE direction = 'uploaded'") == DISTINCT_CLIENTS + 1
            assert count("SELECT count(*) FROM records") == DISTINCT_CLIENTS + 1
            assert count("SELECT count(DISTINCT document_id) FROM records") == DISTINCT_CLIENTS + 1
            assert count("SELECT count(*) FROM (SELECT case_id, sha256 FROM documents "
                         "GROUP BY case_id, sha256 HAVING count(*) > 1) AS twice") == 0
            meetings = kinds["first_meeting"] + kinds["follow_up_meeting"] + 1
            assert count("SELECT count(*) FROM meetings") == meetings
            assert count("SELECT count(*) FROM consents") == kinds["consent"]
            assert count("SELECT count(*) FROM network_maps") == kinds["network_map"]
            for case_id in cases:  # each case's meetings numbered 1, 2, 3 … without a gap
                sequences = [row[0] for row in db.execute(text(
                    "SELECT sequence FROM meetings WHERE case_id = :case ORDER BY sequence"),
                    {"case": case_id})]
                assert sequences == list(range(1, len(sequences) + 1)), (case_id, sequences)
            documents = {row[0]: row[1] for row in db.execute(text(
                "SELECT d.sha256, r.id FROM documents d JOIN records r ON r.document_id = d.id"))}
    finally:
        engine.dispose()
    for digest, _, body in uploads.values():
        assert documents[digest] == body["record"]["id"]
    assert documents[hashlib.sha256(same_document).hexdigest()] == same_record
