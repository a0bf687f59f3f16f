"""Logging in and out, personal API tokens, and the audit log (administrators)."""
from __future__ import annotations

import secrets

from flask import current_app, request, session as web_session
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from .. import audit
from ..auth import accounts
from ..auth.access import current_user, end_login_session, require_admin
from ..auth.accounts import password_mark
from ..errors import fail
from ..storage import db
from ..storage.models import AuditEvent
from . import schemas

blp = Blueprint("accounts", __name__, url_prefix="/api/v1",
                description="Log ind, API-tokens og revisionsloggen")


def log_in(username: str, password: str):
    """Check a login against the rate limit; on success start the session. Returns the
    user, or fails with 401/429 (every failure audited)."""
    session = db.session()
    address = request.remote_addr or "?"
    config = current_app.config
    if accounts.too_many_failures(session, username, address, config["LOGIN_ATTEMPTS"],
                                  config["LOGIN_WINDOW_MINUTES"]):
        audit.record_now("login", "session", outcome="refused", detail={"username": username[:100]})
        fail(429, "For mange mislykkede forsøg på at logge ind. Vent 15 minutter, og prøv igen.")
    user = accounts.authenticate(session, username, password)
    if user is None:
        accounts.note_failure(session, username, address)
        audit.record_now("login", "session", outcome="denied", detail={"username": username[:100]})
        fail(401, "Forkert brugernavn eller adgangskode.")
    accounts.clear_failures(session, username)
    web_session.clear()
    web_session.permanent = True
    web_session["key"] = accounts.start_session(session, user)
    web_session["pw"] = password_mark(user)
    web_session["csrf"] = secrets.token_urlsafe(32)
    from flask import g
    g.user = user
    audit.record_now("login", "session", outcome="ok")
    return user


@blp.route("/session")
class Session(MethodView):
    @blp.arguments(schemas.LoginIn)
    @blp.response(200, schemas.UserOut)
    def post(self, body):
        """Log in; the session cookie then authenticates, with X-CSRF-Token on changes"""
        user = log_in(body["username"], body["password"])
        return user, 200, {"X-CSRF-Token": web_session["csrf"]}

    @blp.response(204)
    def delete(self):
        """Log out"""
        end_login_session()


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, schemas.UserOut)
    def get(self):
        """Who I am, my role and institutions"""
        return current_user()


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.arguments(schemas.TokenIn)
    @blp.response(201, schemas.TokenOut)
    def post(self, body):
        """A new personal API token (shown once)"""
        user = current_user()
        token = accounts.create_token(db.session(), user, body["name"])
        audit.record("create", "token", None, detail={"name": body["name"]})
        db.session().commit()
        return {"token": token, "name": body["name"]}


@blp.route("/audit")
class Audit(MethodView):
    @blp.arguments(schemas.AuditQuery, location="query")
    @blp.response(200, schemas.AuditOut(many=True))
    def get(self, query):
        """The audit log, newest first (administrators only)"""
        require_admin()
        statement = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(query["limit"])
        for key in ("case_id", "user_id"):
            if key in query:
                statement = statement.where(getattr(AuditEvent, key) == query[key])
        if "before_id" in query:
            statement = statement.where(AuditEvent.id < query["before_id"])
        found = db.session().scalars(statement).all()
        audit.record_now("read", "audit", detail={"count": len(found)})
        return found


def check_csrf():
    """before_request for the API: a change made with a session cookie (not a token) must
    carry the session's X-CSRF-Token header, so another site cannot make it."""
    from flask import g
    if (request.method in ("POST", "PUT", "PATCH", "DELETE") and request.path.startswith("/api/")
            and g.get("user") is not None and not g.get("via_token")
            and request.headers.get("X-CSRF-Token") != web_session.get("csrf")):
        fail(403, "Mangler eller forkert X-CSRF-Token (fås ved login).")
