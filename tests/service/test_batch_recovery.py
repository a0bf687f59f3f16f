"""A batch always finishes: `formservice serve` killed (kill -9) in the middle of an
in-process batch and started again completes it, exactly once, within a minute."""
from __future__ import annotations

import io
import json
import sqlite3
import time
import zipfile

import pytest
import requests
from running_server import running_server
from waiting import wait_until

TIMEOUT = 30
PASSWORD = "Blå-hest-springer-over-7-hegn"
RECOVERY = {"FORMSERVICE_BATCH_LEASE_SECONDS": "3", "FORMSERVICE_BATCH_SWEEP_SECONDS": "1",
            "FORMSERVICE_BATCH_CHUNK": "4", "FORMSERVICE_BATCH_THREADS": "1"}


def _plan(children: int) -> dict:
    return {"entries": [{"child": {"name": f"Barn {n} Ærø", "birth_date": "2021-01-01"},
                         "forms": [{"form": "consent", "format": "pdf"}, "network_map",
                                   "first_meeting"],
                         "format": "docx", "meetings": ["2030-01-10"]} for n in range(children)]}


def _progress(server, bearer, batch_id) -> dict:
    return requests.get(server.url(f"/api/v1/batches/{batch_id}"), headers=bearer,
                        timeout=TIMEOUT).json()


_wait = wait_until


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_a_killed_service_finishes_its_batch_after_a_restart(tmp_path, attempt):
    with running_server(tmp_path, env=RECOVERY) as first:
        first.cli("users", "create", "anna", "--role", "staff", "--institution", "Børnehuset A",
                  "--password-stdin", input=PASSWORD + "\n")
        bearer = {"Authorization": "Bearer " + first.cli("users", "token", "anna").stdout.strip()}
        started = requests.post(first.url("/api/v1/batches"), json=_plan(400), headers=bearer,
                                timeout=TIMEOUT)
        assert started.status_code == 202, started.text
        batch_id, total = started.json()["id"], started.json()["total"]
        # 1,200 documents take several seconds even on a fast machine; the kill lands after
        # the first few chunks, at a different moment each attempt (read from the file:
        # quicker than asking the busy service)
        _wait(lambda: _progress_from_db(first.instance, batch_id) >= 8 * attempt, 60,
              "some documents")
        first.process.kill()  # kill -9: no clean shutdown
        first.process.wait(timeout=10)
        done_at_kill = _progress_from_db(first.instance, batch_id)
        assert done_at_kill < total, "the batch finished before the kill; make it larger"
    restarted_at = time.monotonic()
    with running_server(tmp_path, env=RECOVERY) as second:
        state = _wait(lambda: (lambda s: s if s["ready"] else None)(
            _progress(second, bearer, batch_id)), 60,
            f"the resumed batch ({done_at_kill} of {total} done at the kill)")
        assert time.monotonic() - restarted_at < 60
        assert state["done"] == total and state["failed"] == 0 and state["resumed"] >= 1
        download = requests.get(second.url(f"/api/v1/batches/{batch_id}/download"),
                                headers=bearer, timeout=TIMEOUT)
        assert download.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(download.content))
        files = [row["file"] for row in json.loads(archive.read("manifest.json")) if row["file"]]
        assert len(files) == len(set(files)) == total
    with sqlite3.connect(tmp_path / "instance" / "formservice.sqlite3") as db:
        counts = dict(db.execute("SELECT produced_count, count(*) FROM batch_items "
                                 "WHERE batch_id = ? GROUP BY produced_count", (batch_id,)))
    assert counts == {1: total}  # every document produced and stored exactly once


def _progress_from_db(instance, batch_id) -> int:
    with sqlite3.connect(instance / "formservice.sqlite3") as db:
        return db.execute("SELECT count(*) FROM batch_items WHERE batch_id = ? AND status "
                          "!= 'pending'", (batch_id,)).fetchone()[0]
