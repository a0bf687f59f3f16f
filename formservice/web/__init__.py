"""Pages for staff, in Danish: log in and out, and my cases."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from .. import audit
from ..auth.access import end_login_session, visible_cases
from ..storage import db
from ..storage.models import Case

bp = Blueprint("web", __name__)
csrf = CSRFProtect()


def init_app(app):
    # The API has its own protection (tokens, or the session's X-CSRF-Token header).
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    app.register_blueprint(bp)


@bp.before_request
def _protect_forms():
    if request.method == "POST":
        csrf.protect()


@bp.get("/")
def start():
    if g.get("user") is None:
        return redirect(url_for("web.login"))
    cases = db.session().scalars(select(Case).where(visible_cases(g.user)).order_by(Case.child_name)).all()
    audit.record_now("read", "cases", detail={"count": len(cases), "page": "start"})
    return render_template("start.html", cases=cases)


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        from ..api.accounts_api import log_in
        try:
            log_in(request.form.get("username", "")[:100], request.form.get("password", "")[:1000])
        except HTTPException as exc:
            error = exc.description
            return render_template("login.html", error=error), exc.code
        return redirect(url_for("web.start"))
    return render_template("login.html", error=error)


@bp.post("/logout")
def logout():
    end_login_session()
    return redirect(url_for("web.login"))
