"""Storing records on a case, without Flask: the rules that need the case's other records
are checked where the record is stored, and a change is stored with its audit entry or
not at all."""
from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from formservice.services import cases, records
from formservice.services.errors import Invalid, NotFound
from formservice.services.unit_of_work import UnitOfWork
from formservice.storage.models import AuditEvent, Case, Meeting, Record

from services.conftest import actor_of

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TODAY = dt.date(2026, 6, 1)


def sample(form_id: str) -> dict:
    return json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))


def meeting_on(day: str, **header) -> dict:
    data = sample("first_meeting")
    data["meeting"].update(date=day, agenda_sent=None, consent_date=None, **header)
    data["closing"]["next_meeting_date"] = None
    for action in data["actions"]:
        action["deadline"] = (dt.date.fromisoformat(day) + dt.timedelta(days=60)).isoformat()
    return data


def consent(revoked: str | None = None, valid_until: str = "2027-02-20") -> dict:
    data = sample("consent")
    data["validity"]["valid_until"] = valid_until
    if revoked:
        data["revocation"] = {"revoked": True, "revoked_date": revoked,
                              "revoked_by": "Mette Nørgaard Sørensen", "scope": "Det hele"}
    return data


def codes(stored) -> dict[str, str]:
    return {f["code"]: f["severity"] for f in stored.findings}


def store(built, profile, who, case_id, form_id, data):
    return records.store_record(built.uow(), actor_of(built, who), profile, case_id, form_id,
                                data, today=TODAY)


def test_a_meeting_after_the_consent_was_revoked_is_a_draft(built, profile, people):
    case = people["case_a"]
    given = store(built, profile, "staff_a", case, "consent", consent())
    assert given.record.status == "final"
    revoked = records.new_version(built.uow(), actor_of(built, "staff_a"), profile, "consent",
                                  given.record.subject_id, "consent", consent(revoked="2026-04-01"),
                                  today=TODAY)
    assert revoked.record.status == "final"
    stored = store(built, profile, "staff_a", case, "first_meeting", meeting_on("2026-05-04"))
    assert stored.record.status == "draft"
    assert codes(stored)["meeting.consent_revoked"] == "error"


def test_a_meeting_after_the_consent_expired_is_a_draft(built, profile, people):
    case = people["case_a"]
    store(built, profile, "staff_a", case, "consent", consent(valid_until="2026-04-30"))
    stored = store(built, profile, "staff_a", case, "first_meeting", meeting_on("2026-05-04"))
    assert stored.record.status == "draft"
    assert codes(stored)["meeting.consent_expired"] == "error"


def test_a_valid_consent_covers_the_meeting(built, profile, people):
    case = people["case_a"]
    store(built, profile, "staff_a", case, "consent", consent())
    stored = store(built, profile, "staff_a", case, "first_meeting", meeting_on("2026-05-04"))
    assert stored.record.status == "final", stored.findings
    assert not {"meeting.participant_not_covered", "meeting.consent_on_file_mismatch"} & set(codes(stored))


def test_without_a_stored_consent_outside_participants_and_consent_on_file_are_warnings(
        built, profile, people):
    stored = store(built, profile, "staff_a", people["case_a"], "first_meeting",
                   meeting_on("2026-05-04"))
    found = codes(stored)
    assert found["meeting.participant_not_covered"] == "warning"
    assert found["meeting.consent_on_file_mismatch"] == "warning"
    not_covered = [f for f in stored.findings if f["code"] == "meeting.participant_not_covered"]
    assert {f["path"] for f in not_covered} == {"participants.4", "participants.5"}
    assert stored.record.status == "final"


def test_a_draft_consent_covers_nothing(built, profile, people):
    case = people["case_a"]
    unsigned = consent()
    unsigned["purpose"]["purpose"] = None  # an error: kept as a draft
    assert store(built, profile, "staff_a", case, "consent", unsigned).record.status == "draft"
    stored = store(built, profile, "staff_a", case, "first_meeting", meeting_on("2026-05-04"))
    assert "meeting.consent_on_file_mismatch" in codes(stored)


def test_the_profile_decides_the_severity(built, profile, people):
    from dataclasses import replace
    strict = replace(profile, severity={"meeting.participant_not_covered": "error",
                                        "meeting.consent_on_file_mismatch": "off"})
    stored = store(built, strict, "staff_a", people["case_a"], "first_meeting",
                   meeting_on("2026-05-04"))
    assert codes(stored)["meeting.participant_not_covered"] == "error"
    assert "meeting.consent_on_file_mismatch" not in codes(stored)
    assert stored.record.status == "draft"


def test_another_institutions_case_is_not_found_and_the_refusal_is_audited(built, profile, people):
    with pytest.raises(NotFound):
        store(built, profile, "staff_b", people["case_a"], "consent", consent())
    with built.sessions() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.outcome, event.case_id, event.username) == \
            ("denied", "denied", people["case_a"], "staff_b")
        assert session.scalar(select(func.count()).select_from(Record)) == 0


def test_data_of_the_wrong_shape_cannot_be_stored(built, profile, people):
    with pytest.raises(Invalid) as refused:
        store(built, profile, "staff_a", people["case_a"], "first_meeting",
              {"meeting": {"date": "30-02-2026"}, "child": {"name": 5}})
    assert {e["path"] for e in refused.value.errors} >= {"meeting.date", "child.name"}


def test_a_future_birth_date_is_refused_with_the_field_named(built, people):
    with pytest.raises(Invalid) as refused:
        cases.create_case(built.uow(), actor_of(built, "staff_a"), _institution(built, "staff_a"),
                          "Ny", dt.date.today() + dt.timedelta(days=1))
    assert refused.value.errors == [{"path": "child_birth_date",
                                     "message": "Fødselsdato: kan ikke ligge i fremtiden."}]


def test_a_list_read_is_audited_with_every_case_it_showed(built, people):
    found = cases.list_cases(built.uow(), actor_of(built, "staff_a"))
    assert [case.id for case in found] == [people["case_a"]]
    with built.sessions() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.detail == {"count": 1, "cases": [people["case_a"]]}


def _institution(built, username) -> int:
    return actor_of(built, username).user.institutions[0].id


def _counts(built) -> tuple[int, int, int, int]:
    with built.sessions() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (Case, Meeting, Record, AuditEvent))


@pytest.fixture
def failing_audit(monkeypatch):
    """The audit insert fails (a NULL where the table wants a value) after the change."""
    original = UnitOfWork.audit

    def audit(self, actor, action, *args, **kwargs):
        original(self, actor, None, *args, **kwargs)
    monkeypatch.setattr(UnitOfWork, "audit", audit)


def test_a_change_whose_audit_entry_fails_is_not_stored(built, profile, people, failing_audit):
    before = _counts(built)
    with pytest.raises(Exception):
        cases.create_case(built.uow(), actor_of(built, "staff_a"), _institution(built, "staff_a"),
                          "Ny Nielsen")
    with pytest.raises(Exception):
        store(built, profile, "staff_a", people["case_a"], "first_meeting",
              meeting_on("2026-05-04"))
    assert _counts(built) == before


def test_a_new_version_adds_a_record_and_keeps_the_old(built, profile, people):
    case = people["case_a"]
    first = store(built, profile, "staff_a", case, "first_meeting", meeting_on("2026-05-04"))
    changed = copy.deepcopy(first.record.data)
    changed["meeting"]["place"] = "Mødelokalet i kælderen"
    second = records.new_version(built.uow(), actor_of(built, "staff_a"), profile, "meeting",
                                 first.record.subject_id, "first_meeting", changed, today=TODAY)
    assert (second.record.version, second.record.subject_id) == (2, first.record.subject_id)
    view = records.get_subject(built.uow(), actor_of(built, "staff_a"), "meeting",
                               first.record.subject_id)
    assert [r.version for r in view.versions] == [1, 2]
