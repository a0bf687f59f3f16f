"""What a request needs from the service layer, shared by the API and the pages: the
assembled services, the request's unit of work, who is asking (the actor), and the
translation of a service's refusal into an HTTP error.

A request is made by the user of its API token (Authorization: Bearer fs_...) or of its
login session; under /api/v1 everything needs a user except the public docs and logging
in or out. Both are looked up on every request, so a deactivated user, a revoked or an
expired token is refused at once.

The client's address (the actor's, the audit log's, the login limit's) is the peer's,
or, behind FORMSERVICE_TRUSTED_PROXIES proxies, the one they put in X-Forwarded-For
(werkzeug's ProxyFix trusts exactly that many hops, so a client cannot forge its own).
"""
from __future__ import annotations

import secrets
from typing import NoReturn

from flask import current_app, g, request, session as web_session
from werkzeug.middleware.proxy_fix import ProxyFix

from .bootstrap import Services
from .errors import fail
from .services import accounts
from .services.errors import ServiceError
from .services.unit_of_work import Actor, UnitOfWork
from .storage.models import User

API_PREFIX = "/api/v1/"
PUBLIC_API = frozenset({"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/session"})


def services() -> Services:
    return current_app.extensions["formservice"]


def uow() -> UnitOfWork:
    """The request's unit of work (its session is closed when the request ends)."""
    if "uow" not in g:
        g.uow = services().uow().__enter__()  # open until the request ends (close_uow)
    return g.uow


def actor() -> Actor:
    return Actor(g.get("user"), request.remote_addr, request.method, request.path)


def profile():
    return services().profile


def raise_http(exc: ServiceError) -> NoReturn:
    fail(exc.status, exc.message, exc.errors)


def load_user() -> None:
    """before_request: find the user behind the request, if any. An API request without
    one is refused (401) here, before its body or arguments are read, so an anonymous
    caller learns nothing about what exists or how a request must look."""
    g.user = None
    g.via_token = False
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.user = accounts.user_for_api_token(uow(), actor(), header[len("Bearer "):].strip())
        g.via_token = True
    else:
        key = web_session.get("key")
        if key is not None:
            user = accounts.user_for_session(uow(), key,
                                             int(current_app.config["PERMANENT_SESSION_LIFETIME"]))
            if user is not None and web_session.get("pw") == accounts.password_mark(user):
                g.user = user
            else:
                web_session.clear()
    if g.user is None and request.path.startswith(API_PREFIX) and request.path not in PUBLIC_API:
        current_user()


def current_user() -> User:
    if g.get("user") is None:
        fail(401, "Du skal logge ind (eller bruge et API-token) for at se dette.")
    return g.user


def log_in(username: str, password: str) -> User:
    """Check a login; on success start the login session (the pages and the API). Raises
    the service's TooMany/Unauthorized (every failure is audited)."""
    config = current_app.config
    limits = accounts.LoginLimits(attempts=config["LOGIN_ATTEMPTS"],
                                  window_minutes=config["LOGIN_WINDOW_MINUTES"],
                                  address_limit=config.get("LOGIN_ADDRESS_LIMIT", 50))
    user, key = accounts.log_in(uow(), actor(), username, password, limits=limits)
    web_session.clear()
    web_session.permanent = True
    web_session["key"] = key
    web_session["pw"] = accounts.password_mark(user)
    web_session["csrf"] = secrets.token_urlsafe(32)
    g.user = user
    return user


def end_login_session() -> None:
    """Log out: the session ends on the server too, so a copy of the cookie is worthless."""
    key = web_session.get("key")
    if key is not None:
        accounts.log_out(uow(), actor(), key)
    web_session.clear()


def close_uow(_exc=None) -> None:
    unit = g.pop("uow", None)
    if unit is not None:
        unit.close()


def token_days() -> int:
    """The lifetime of a new API token (FORMSERVICE_TOKEN_DAYS)."""
    return int(current_app.config.get("TOKEN_LIFETIME_DAYS", accounts.TOKEN_DAYS))


def init_app(app, built: Services) -> None:
    app.extensions["formservice"] = built
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.before_request(load_user)
    app.teardown_appcontext(close_uow)
