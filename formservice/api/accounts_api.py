"""Logging in and out, personal API tokens, and for administrators: users (deactivate,
activate, set a password), anyone's tokens (list, revoke), the audit log and one child's
trail (GDPR art. 15)."""
from __future__ import annotations

from flask import Response, g, request, session as web_session
from flask.views import MethodView
from flask_smorest import Blueprint

from ..errors import fail
from ..request_context import actor, current_user, end_login_session, log_in, token_days, uow
from ..services import accounts, audit
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
    @blp.response(200, schemas.TokenInfoOut(many=True))
    def get(self):
        """My API tokens: number, name, created, expires, last used, state"""
        return accounts.tokens_of(uow(), actor(), user_id=current_user().id)

    @blp.arguments(schemas.TokenIn)
    @blp.response(201, schemas.TokenOut)
    def post(self, body):
        """A new personal API token (shown once; expires after FORMSERVICE_TOKEN_DAYS)"""
        current_user()
        return accounts.new_token(uow(), actor(), body["name"], days=token_days())


@blp.route("/tokens/<int:token_id>")
class TokenById(MethodView):
    @blp.response(204)
    def delete(self, token_id):
        """Revoke a token at once (my own; an administrator's: anyone's)"""
        current_user()
        accounts.revoke_token(uow(), actor(), token_id)


@blp.route("/users")
class Users(MethodView):
    @blp.response(200, schemas.UserAdminOut(many=True))
    def get(self):
        """Every user, active or not (administrators)"""
        return accounts.list_users(uow(), actor())


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    @blp.arguments(schemas.UserPatch)
    @blp.response(200, schemas.UserAdminOut)
    def patch(self, body, user_id):
        """Deactivate or activate a user, or set their password (administrators)"""
        if not body:
            fail(422, "Angiv active eller password.")
        return accounts.change_user(uow(), actor(), user_id=user_id, active=body.get("active"),
                                    password=body.get("password"))


@blp.route("/users/<int:user_id>/tokens")
class UserTokens(MethodView):
    @blp.response(200, schemas.TokenInfoOut(many=True))
    def get(self, user_id):
        """A user's API tokens (administrators; or the user)"""
        return accounts.tokens_of(uow(), actor(), user_id=user_id)


@blp.route("/audit")
class Audit(MethodView):
    @blp.arguments(schemas.AuditQuery, location="query")
    @blp.response(200, schemas.AuditOut(many=True))
    def get(self, query):
        """The audit log, newest first (administrators only)"""
        return accounts.audit_log(uow(), actor(), limit=query["limit"],
                                  case_id=query.get("case_id"), user_id=query.get("user_id"),
                                  before_id=query.get("before_id"))


@blp.route("/audit/cases/<int:case_id>")
class CaseTrail(MethodView):
    @blp.response(200, schemas.TrailEntryOut(many=True))
    def get(self, case_id):
        """Every access to one child's data, oldest first (administrators; GDPR art. 15)"""
        return audit.case_trail(uow(), actor(), case_id)


@blp.route("/audit/cases/<int:case_id>.csv")
class CaseTrailCsv(MethodView):
    @blp.response(200, {"type": "string"}, content_type="text/csv",
                  description="the same entries as CSV with a header row")
    def get(self, case_id):
        """One child's trail as CSV (administrators)"""
        return _download(audit.as_csv(audit.case_trail(uow(), actor(), case_id)),
                         "text/csv; charset=utf-8", f"revisionslog-sag-{case_id}.csv")


@blp.route("/audit/cases/<int:case_id>.jsonl")
class CaseTrailJsonLines(MethodView):
    @blp.response(200, {"type": "string"}, content_type="application/x-ndjson",
                  description="the same entries as JSON lines")
    def get(self, case_id):
        """One child's trail as JSON lines (administrators)"""
        return _download(audit.as_jsonl(audit.case_trail(uow(), actor(), case_id)),
                         "application/x-ndjson; charset=utf-8", f"revisionslog-sag-{case_id}.jsonl")


def _download(text: str, mimetype: str, filename: str) -> Response:
    return Response(text, content_type=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def check_csrf():
    """before_request for the API: a change made with a session cookie (not a token) must
    carry the session's X-CSRF-Token header, so another site cannot make it."""
    if (request.method in ("POST", "PUT", "PATCH", "DELETE") and request.path.startswith("/api/")
            and g.get("user") is not None and not g.get("via_token")
            and request.headers.get("X-CSRF-Token") != web_session.get("csrf")):
        fail(403, "Mangler eller forkert X-CSRF-Token (fås ved login).")
