"""Logging in and out, personal API tokens, and the audit log (administrators)."""
from __future__ import annotations

from flask import g, request, session as web_session
from flask.views import MethodView
from flask_smorest import Blueprint

from ..errors import fail
from ..request_context import actor, current_user, end_login_session, log_in, uow
from ..services import accounts
from . import schemas

blp = Blueprint("accounts", __name__, url_prefix="/api/v1",
                description="Log ind, API-tokens og revisionsloggen")


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
        current_user()
        return {"token": accounts.new_token(uow(), actor(), body["name"]), "name": body["name"]}


@blp.route("/audit")
class Audit(MethodView):
    @blp.arguments(schemas.AuditQuery, location="query")
    @blp.response(200, schemas.AuditOut(many=True))
    def get(self, query):
        """The audit log, newest first (administrators only)"""
        return accounts.audit_log(uow(), actor(), limit=query["limit"],
                                  case_id=query.get("case_id"), user_id=query.get("user_id"),
                                  before_id=query.get("before_id"))


def check_csrf():
    """before_request for the API: a change made with a session cookie (not a token) must
    carry the session's X-CSRF-Token header, so another site cannot make it."""
    if (request.method in ("POST", "PUT", "PATCH", "DELETE") and request.path.startswith("/api/")
            and g.get("user") is not None and not g.get("via_token")
            and request.headers.get("X-CSRF-Token") != web_session.get("csrf")):
        fail(403, "Mangler eller forkert X-CSRF-Token (fås ved login).")
