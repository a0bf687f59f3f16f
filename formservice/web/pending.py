"""Files kept between two steps of a page (read, then store; check, then start), on the
server and never in the client: <instance>/uploads/<random>.bin, named in the user's
session with its SHA-256. A file is deleted when it is used or discarded, when the session
drops it, and by the next upload after an hour."""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, session

MAX_AGE_SECONDS = 3600
MAX_PER_SESSION = 5
SESSION_KEY = "pending"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass
class Pending:
    token: str
    kind: str
    filename: str
    case_id: int | None
    sha256: str
    content: bytes


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(token: str) -> Path:
    return _folder() / f"{token}.bin"


def sweep(now: float | None = None) -> int:
    """Delete every kept file older than an hour (whoever's it was). Returns how many."""
    limit = (now or time.time()) - MAX_AGE_SECONDS
    removed = 0
    for path in _folder().glob("*.bin"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def put(kind: str, content: bytes, *, filename: str = "", case_id: int | None = None) -> str:
    sweep()
    token = secrets.token_urlsafe(24)
    descriptor = os.open(_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(content)
    kept = dict(session.get(SESSION_KEY) or {})
    kept[token] = {"kind": kind, "filename": filename[:255], "case": case_id,
                   "sha256": hashlib.sha256(content).hexdigest(), "at": int(time.time())}
    while len(kept) > MAX_PER_SESSION:  # the oldest go
        oldest = min(kept, key=lambda key: kept[key]["at"])
        kept.pop(oldest)
        _unlink(oldest)
    session[SESSION_KEY] = kept
    return token


def get(token: str, kind: str, case_id: int | None = None) -> Pending | None:
    """The kept file if it is this session's, of this kind (and case), not older than an
    hour and unchanged; else None."""
    if not _TOKEN.match(token or ""):
        return None
    meta = (session.get(SESSION_KEY) or {}).get(token)
    if meta is None or meta["kind"] != kind or meta["case"] != case_id:
        return None
    if time.time() - meta["at"] > MAX_AGE_SECONDS:
        drop(token)
        return None
    try:
        content = _path(token).read_bytes()
    except FileNotFoundError:
        drop(token)
        return None
    if hashlib.sha256(content).hexdigest() != meta["sha256"]:
        drop(token)
        return None
    return Pending(token, kind, meta["filename"], case_id, meta["sha256"], content)


def session_tokens() -> list[str]:
    return list(session.get(SESSION_KEY) or {})


def drop(token: str) -> None:
    if not _TOKEN.match(token or ""):
        return
    kept = dict(session.get(SESSION_KEY) or {})
    if kept.pop(token, None) is not None:
        session[SESSION_KEY] = kept
        _unlink(token)


def _unlink(token: str) -> None:
    try:
        _path(token).unlink()
    except FileNotFoundError:
        pass
