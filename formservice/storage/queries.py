"""Repositories and read queries, written once: the services ask here, never build
their own SELECTs. Every function takes the unit of work's session."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, func, or_, select, update

from .models import (Action, ApiToken, AuditEvent, Batch, BatchItem, Case, Consent, Document,
                     Meeting, Membership, NetworkMap, PrintedDocument, Record, User)

UPLOADED = ("uploaded", "scanned")  # a scan or photo of a printed form is an upload too
SUBJECT_MODELS = {"meeting": Meeting, "consent": Consent, "network_map": NetworkMap}


# --- who may see which case ---------------------------------------------------------------

def visible_cases(user: User):
    """A WHERE clause selecting the cases `user` may see: staff those of their
    institutions, a caseworker also those assigned to them; an administrator none."""
    institution_ids = select(Membership.institution_id).where(Membership.user_id == user.id)
    return or_(Case.institution_id.in_(institution_ids), Case.caseworker_id == user.id)


def visible_case(session, user: User, case_id: int) -> Case | None:
    return session.scalar(select(Case).where(Case.id == case_id, visible_cases(user)))


def cases_of(session, user: User, *, open_only: bool = False,
             institution_id: int | None = None, order_by_name: bool = False) -> list[Case]:
    statement = select(Case).where(visible_cases(user))
    if open_only:
        statement = statement.where(Case.status == "open")
    if institution_id is not None:
        statement = statement.where(Case.institution_id == institution_id)
    statement = statement.order_by(Case.status != "open", Case.child_name, Case.id) \
        if order_by_name else statement.order_by(Case.id)
    return list(session.scalars(statement))


def case_of_child(session, institution_id: int, name: str, birth_date) -> Case | None:
    """An open case of a child at an institution, by name (spacing and case ignored) and,
    when given, birth date."""
    key = " ".join(name.split()).casefold()
    for case in session.scalars(select(Case).where(Case.institution_id == institution_id,
                                                   Case.status == "open").order_by(Case.id)):
        if " ".join(case.child_name.split()).casefold() == key and (
                birth_date is None or case.child_birth_date in (None, birth_date)):
            return case
    return None


def user_by_name(session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


# --- records --------------------------------------------------------------------------------

def newest_record(session, subject: str, subject_id: int) -> Record | None:
    """The newest version of a meeting's, consent's or network map's record."""
    return session.scalar(select(Record).where(Record.subject == subject,
                                               Record.subject_id == subject_id)
                          .order_by(Record.version.desc()).limit(1))


def record_versions(session, subject: str, subject_id: int) -> list[Record]:
    return list(session.scalars(select(Record).where(
        Record.subject == subject, Record.subject_id == subject_id).order_by(Record.version)))


def next_version(session, subject: str, subject_id: int) -> int:
    return (session.scalar(select(func.max(Record.version)).where(
        Record.subject == subject, Record.subject_id == subject_id)) or 0) + 1


def subjects(session, subject: str, case_id: int) -> list:
    model = SUBJECT_MODELS[subject]
    return list(session.scalars(select(model).where(model.case_id == case_id).order_by(model.id)))


def other_records(session, case_id: int) -> list[Record]:
    """Every record of a case that is not a meeting's (consents, network maps), newest first."""
    return list(session.scalars(select(Record).where(
        Record.case_id == case_id, Record.subject != "meeting").order_by(Record.id.desc())))


# --- meetings and actions -------------------------------------------------------------------

def meetings(session, case_id: int) -> list[Meeting]:
    return list(session.scalars(select(Meeting).where(Meeting.case_id == case_id)
                                .order_by(Meeting.sequence)))


def meetings_with_newest_record(session, case_id: int) -> list[tuple[Meeting, Record | None]]:
    """Every meeting of a case in series order, with its newest record (draft or final)."""
    return [(meeting, newest_record(session, "meeting", meeting.id))
            for meeting in meetings(session, case_id)]


def meeting_on(session, case_id: int, form_id: str, day: dt.date) -> Meeting | None:
    return session.scalar(select(Meeting).where(Meeting.case_id == case_id,
                                                Meeting.form_id == form_id,
                                                Meeting.meeting_date == day))


def next_meeting_sequence(session, case_id: int) -> int:
    return (session.scalar(select(func.max(Meeting.sequence)).where(
        Meeting.case_id == case_id)) or 0) + 1


def latest_final_minutes(session, case_id: int) -> Record | None:
    """The newest final meeting record of the case's latest meeting that has one."""
    return session.scalar(select(Record).join(Meeting, Meeting.id == Record.subject_id).where(
        Record.subject == "meeting", Record.case_id == case_id, Record.status == "final")
        .order_by(Meeting.sequence.desc(), Record.version.desc()).limit(1))


def open_actions(session, case_id: int, *, by_deadline: bool = False) -> list[Action]:
    statement = select(Action).where(Action.case_id == case_id, Action.status == "open")
    statement = statement.order_by(Action.deadline.is_(None), Action.deadline, Action.id) \
        if by_deadline else statement.order_by(Action.id)
    return list(session.scalars(statement))


def open_actions_before(session, meeting: Meeting) -> list[Action]:
    """The actions still open when this meeting starts, in the order they were agreed."""
    earlier = select(Meeting.id).where(Meeting.case_id == meeting.case_id,
                                       Meeting.sequence < meeting.sequence)
    return list(session.scalars(select(Action).where(Action.meeting_id.in_(earlier),
                                                     Action.status == "open")
                                .order_by(Action.id)))


def actions(session, case_id: int) -> list[Action]:
    return list(session.scalars(select(Action).where(Action.case_id == case_id).order_by(Action.id)))


def actions_decided_at(session, meeting_id: int) -> list[Action]:
    return list(session.scalars(select(Action).where(Action.decided_at_meeting_id == meeting_id)))


def actions_agreed_at(session, meeting_id: int) -> list[Action]:
    return list(session.scalars(select(Action).where(Action.meeting_id == meeting_id)))


# --- consents -------------------------------------------------------------------------------

def consents(session, case_id: int) -> list[Consent]:
    return subjects(session, "consent", case_id)


def final_consent_data(session, case_id: int) -> list[dict]:
    """The data of every consent of the case whose newest record is final: what the
    cross-record rules check a meeting against (a draft consent covers nothing)."""
    found = []
    for consent in consents(session, case_id):
        record = newest_record(session, "consent", consent.id)
        if record is not None and record.status == "final":
            found.append(record.data)
    return found


def newest_network_map(session, case_id: int) -> Record | None:
    return session.scalar(select(Record).where(Record.case_id == case_id,
                                               Record.subject == "network_map")
                          .order_by(Record.id.desc()).limit(1))


# --- documents ------------------------------------------------------------------------------

def documents(session, case_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.case_id == case_id)
                                .order_by(Document.id)))


def uploaded_document(session, case_id: int, sha256: str) -> Document | None:
    return session.scalar(select(Document).where(Document.case_id == case_id,
                                                 Document.sha256 == sha256,
                                                 Document.direction.in_(UPLOADED)))


def printed_document(session, token: str) -> PrintedDocument | None:
    return session.scalars(select(PrintedDocument).where(PrintedDocument.token == token)).first()


def signatures_of(session, document_ids) -> dict[int, list[Document]]:
    """The signatures cut out of each scan, by the scan's id."""
    found: dict[int, list[Document]] = {}
    if document_ids:
        for document in session.scalars(select(Document).where(
                Document.source_id.in_(list(document_ids)), Document.direction == "signature")
                .order_by(Document.id)):
            found.setdefault(document.source_id, []).append(document)
    return found


def record_of_document(session, document_id: int) -> Record | None:
    return session.scalar(select(Record).where(Record.document_id == document_id))


# --- batches --------------------------------------------------------------------------------

def batches_of(session, user_id: int, limit: int = 10) -> list[Batch]:
    return list(session.scalars(select(Batch).where(Batch.created_by == user_id)
                                .order_by(Batch.id.desc()).limit(limit)))


def batch_counts(session, batch_id: int) -> dict[str, int]:
    return dict(session.execute(select(BatchItem.status, func.count()).where(
        BatchItem.batch_id == batch_id).group_by(BatchItem.status)).all())


def pending_item_ids(session, batch_id: int) -> list[int]:
    return list(session.scalars(select(BatchItem.id).where(BatchItem.batch_id == batch_id,
                                                           BatchItem.status == "pending")
                                .order_by(BatchItem.position)))


def cases_of_batch(session, batch_id: int) -> list[int]:
    return sorted(case_id for case_id in session.scalars(
        select(BatchItem.case_id).where(BatchItem.batch_id == batch_id,
                                        BatchItem.case_id.is_not(None)).distinct()))


def claimed_items(session, item_ids, worker: str) -> list[BatchItem]:
    return list(session.scalars(select(BatchItem).where(
        BatchItem.id.in_(item_ids), BatchItem.status == "pending",
        BatchItem.claimed_by == worker).order_by(BatchItem.position)))


def count_stored(session, item_ids, worker: str, finished) -> int:
    """How many of the items this producer stored at `finished` (its one store)."""
    return session.scalar(select(func.count()).select_from(BatchItem).where(
        BatchItem.id.in_(item_ids), BatchItem.claimed_by == worker,
        BatchItem.finished_at == finished, BatchItem.status != "pending"))


def batches_of_items(session, item_ids) -> list[int]:
    return list(session.scalars(select(BatchItem.batch_id).where(
        BatchItem.id.in_(item_ids)).distinct()))


def mark_batch_finished(session, batch_id: int, at) -> None:
    """The batch is finished when none of its items is pending any more."""
    session.execute(update(Batch).where(
        Batch.id == batch_id, Batch.finished_at.is_(None),
        ~exists().where(BatchItem.batch_id == batch_id, BatchItem.status == "pending"))
        .values(finished_at=at).execution_options(synchronize_session=False))


def unfinished_batches(session, runner: str) -> list[Batch]:
    return list(session.scalars(select(Batch).where(Batch.runner == runner,
                                                    Batch.finished_at.is_(None))
                                .order_by(Batch.id)))


def last_activity(session, batch: Batch):
    """When anything last happened to a batch: made, resumed, an item claimed or stored."""
    claimed, finished = session.execute(select(func.max(BatchItem.claimed_at),
                                               func.max(BatchItem.finished_at))
                                        .where(BatchItem.batch_id == batch.id)).one()
    moments = [m for m in (batch.created_at, batch.resumed_at, claimed, finished) if m is not None]
    moments = [m if m.tzinfo else m.replace(tzinfo=dt.timezone.utc) for m in moments]
    return max(moments) if moments else None


def mark_batch_resumed(session, batch_id: int, now, lease) -> bool:
    """Count one resumption, unless another process resumed the batch within `lease`."""
    result = session.execute(update(Batch).where(
        Batch.id == batch_id, or_(Batch.resumed_at.is_(None), Batch.resumed_at < now - lease))
        .values(resumed_count=Batch.resumed_count + 1, resumed_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def batch_item_after(session, batch_id: int, position: int) -> BatchItem | None:
    return session.scalar(select(BatchItem).where(BatchItem.batch_id == batch_id,
                                                  BatchItem.position > position)
                          .order_by(BatchItem.position).limit(1))


# --- accounts and the audit log ---------------------------------------------------------------

def token_by_hash(session, digest: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == digest,
                                                 ApiToken.revoked.is_(False)))


def audit_events(session, *, limit: int, case_id: int | None = None,
                 user_id: int | None = None, before_id: int | None = None) -> list[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if case_id is not None:
        statement = statement.where(AuditEvent.case_id == case_id)
    if user_id is not None:
        statement = statement.where(AuditEvent.user_id == user_id)
    if before_id is not None:
        statement = statement.where(AuditEvent.id < before_id)
    return list(session.scalars(statement))
