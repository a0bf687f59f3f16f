"""Series and batches through the API (in-process runner, no broker)."""
import io
import json
import time
import zipfile
from pathlib import Path


SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _wait_ready(client, headers, batch_id, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = client.get(f"/api/v1/batches/{batch_id}", headers=headers).json
        if state["ready"]:
            return state
        time.sleep(0.05)
    raise AssertionError(f"batch {batch_id} not ready: {state}")


def test_batch_in_process_from_a_plan(client, world):
    headers = world.auth("staff_a")
    plan = json.loads((SAMPLES / "series_plan.json").read_text("utf-8"))
    plan["entries"].append({"child": {"name": "Bad"}, "forms": ["nope"]})
    response = client.post("/api/v1/batches", json=plan, headers=headers)
    assert response.status_code == 202, response.json
    state = response.json
    assert state["runner"] == "inprocess" and state["total"] == 7
    assert state["invalid_entries"][0]["entry"] == 3
    assert client.get(f"/api/v1/batches/{state['id']}", headers=world.auth("staff_b")).status_code == 404
    state = _wait_ready(client, headers, state["id"])
    assert state["done"] == 7 and state["failed"] == 0 and state["percent"] == 100
    download = client.get(f"/api/v1/batches/{state['id']}/download", headers=headers)
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    manifest = json.loads(archive.read("manifest.json"))
    files = [row["file"] for row in manifest if row["file"]]
    assert len(files) == 7 and len(set(files)) == 7
    assert any(row["entry"] == 3 and row["file"] is None for row in manifest)


def test_bad_plans_are_refused_clearly(client, world):
    headers = world.auth("staff_a")
    response = client.post("/api/v1/batches", data={"file": (io.BytesIO(  # not text at all
        b"navn;formularer\n\x00\x01\x02;consent\n"), "plan.csv")}, headers=headers)
    assert response.status_code == 422 and response.json["message"]
    response = client.post("/api/v1/batches", json={"nothing": 1}, headers=headers)
    assert response.status_code == 422


def test_three_meeting_series_carries_exactly_the_open_actions(client, world):
    """Actions added at the first meeting, adjusted and stopped at the second; the third's
    pre-filled form shows exactly the open ones."""
    headers, case_id = world.auth("staff_a"), world.cases["A"]
    first = json.loads((SAMPLES / "first_meeting.json").read_text("utf-8"))
    response = client.post(f"/api/v1/cases/{case_id}/meetings",
                           json={"form": "first_meeting", "data": first}, headers=headers)
    assert response.status_code == 201 and response.json["record"]["status"] == "final", response.json
    actions = client.get(f"/api/v1/cases/{case_id}/actions", headers=headers).json
    assert len(actions) == len(first["actions"]) and all(a["status"] == "open" for a in actions)

    second = client.get(f"/api/v1/cases/{case_id}/next-follow-up?format=docx", headers=headers)
    assert second.status_code == 200
    parsed = client.post("/api/v1/parse", data={"file": (io.BytesIO(second.data), "f.docx")},
                         headers=headers).json
    reviewed = parsed["data"]["reviewed_actions"]
    assert [r["description"] for r in reviewed] == [a["description"] for a in first["actions"]]
    follow_up = json.loads((SAMPLES / "follow_up_meeting.json").read_text("utf-8"))
    follow_up["reviewed_actions"] = [
        dict(reviewed[0], decision="continue", works="yes", meaningful="yes"),
        dict(reviewed[1], decision="stop", works="yes", meaningful="yes"),
        dict(reviewed[2], description="Justeret: " + reviewed[2]["description"],
             deadline="2026-09-30", decision="adjust", works="partly", meaningful="yes"),
    ] + [dict(r, decision="continue", works="yes", meaningful="yes") for r in reviewed[3:]]
    follow_up["actions"] = [{"description": "Ny indsats", "responsible": "Søren Ågaard Holm",
                             "deadline": "2026-08-31", "goal": "Et mål", "priority": 1}]
    response = client.post(f"/api/v1/cases/{case_id}/meetings",
                           json={"form": "follow_up_meeting", "data": follow_up}, headers=headers)
    assert response.status_code == 201 and response.json["record"]["status"] == "final", response.json

    third = client.get(f"/api/v1/cases/{case_id}/next-follow-up?format=pdf", headers=headers)
    parsed = client.post("/api/v1/parse", data={"file": (io.BytesIO(third.data), "f.pdf")},
                         headers=headers).json
    open_now = [r["description"] for r in parsed["data"]["reviewed_actions"]]
    expected = ([reviewed[0]["description"], "Justeret: " + reviewed[2]["description"]]
                + [r["description"] for r in reviewed[3:]] + ["Ny indsats"])
    assert sorted(open_now) == sorted(expected)
    assert reviewed[1]["description"] not in open_now
    statuses = {a["description"]: a["status"] for a in
                client.get(f"/api/v1/cases/{case_id}/actions", headers=headers).json}
    assert statuses[reviewed[1]["description"]] == "stopped"


def test_calendar_and_due_overview(client, world):
    headers, case_id = world.auth("staff_a"), world.cases["A"]
    first = json.loads((SAMPLES / "first_meeting.json").read_text("utf-8"))
    first["closing"]["minutes_sent"] = None
    client.post(f"/api/v1/cases/{case_id}/meetings", json={"form": "first_meeting", "data": first},
                headers=headers)
    ics = client.get(f"/api/v1/cases/{case_id}/calendar.ics", headers=headers)
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in ics.data and b"Frist: referat" in ics.data
    due = client.get("/api/v1/due?today=2026-03-20", headers=headers).json
    assert {(d["kind"], d["state"]) for d in due} >= {("minutes", "overdue")}
    assert client.get("/api/v1/due", headers=world.auth("staff_b")).json == []
