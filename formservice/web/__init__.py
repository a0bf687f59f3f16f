"""Pages for staff, in Danish: log in and out, my cases and what is due, a case, download,
upload and fill in forms, and batches.

One blueprint per feature, all inside the `web` blueprint, so they share its CSRF check
(every POST) and its error pages: a page never answers with the API's JSON errors, but
with a Danish page (404 for another institution's case, exactly as for a missing one).
"""
from __future__ import annotations

import datetime as dt
import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from ..request_context import actor, end_login_session, log_in, uow
from ..services import cases as case_service, due
from ..services.errors import ServiceError, Unauthorized
from . import pending
from ..forms.danish import parse_date
from ..forms.fields import UNSTORABLE
from .common import init_filters, login_required, safe_next, size_text

log = logging.getLogger("formservice.web")
bp = Blueprint("web", __name__)
csrf = CSRFProtect()

TITLES = {400: "Forespørgslen kunne ikke bruges", 401: "Du skal logge ind",
          403: "Du har ikke adgang", 404: "Siden findes ikke",
          405: "Siden kan ikke bruges sådan", 409: "Ikke klar endnu",
          413: "Filen er for stor", 422: "Det kunne ikke bruges", 429: "For mange forsøg",
          500: "Der skete en fejl"}
MESSAGES = {
    400: "Forespørgslen kunne ikke bruges. Gå tilbage, og prøv igen.",
    403: "Du har ikke adgang til denne side.",
    404: "Siden findes ikke, eller du har ikke adgang til den. Tjek adressen, eller gå til "
         "forsiden og find sagen dér.",
    405: "Siden kan ikke bruges på den måde. Gå tilbage, og brug knapperne på siden.",
    429: "For mange forsøg. Vent lidt, og prøv igen.",
    500: "Der skete en fejl på serveren. Prøv igen; fortsætter fejlen, så kontakt support.",
}
CSRF_MESSAGE = ("Siden var for gammel, eller formularen manglede sit sikkerhedsfelt. "
                "Gå tilbage, genindlæs siden, og prøv igen.")


def init_app(app):
    # The API has its own protection (tokens, or the session's X-CSRF-Token header).
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # A form filled in the browser is one field per cell: the largest, a follow-up with 200
    # rows in every group, has ~3,650 (Flask's default of 1,000 would refuse what the API takes).
    app.config["MAX_FORM_PARTS"] = max(int(app.config.get("MAX_FORM_PARTS") or 0), 5000)
    csrf.init_app(app)
    init_filters(app)
    app.register_blueprint(bp)


@bp.before_request
def _protect_forms():
    if request.method == "POST":
        csrf.protect()
        if request.mimetype != "multipart/form-data":
            # a page's form is a form's data, not a file: the API's JSON limit
            request.max_content_length = form_limit()
        for file in request.files.values():
            file.filename = clean_filename(file.filename)


def form_limit() -> int:
    """The most a page's form (not a file) may weigh: as a JSON body to the API."""
    config = current_app.config
    return min(int(config["MAX_FORM_BYTES"]), int(config["MAX_UPLOAD_BYTES"]))


def clean_filename(name: str | None) -> str | None:
    """A file's name as it can be stored and shown: without control characters, at most
    255 characters (the extension kept)."""
    if not name:
        return name
    name = UNSTORABLE.sub("", name).strip()
    if len(name) > 255:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:250 - len(suffix)] + dot + suffix) if dot and len(suffix) <= 10 else name[:255]
    return name or "upload"


def unstorable_message(label: str, value: str | None) -> str | None:
    """A Danish message naming the field if `value` holds a character that cannot be stored."""
    found = UNSTORABLE.search(value or "")
    if found is None:
        return None
    return f"{label}: indeholder et tegn, der ikke kan gemmes (U+{ord(found.group()):04X})."


# --- error pages --------------------------------------------------------------------------

def error_page(status: int, message: str | None = None, title: str | None = None):
    return render_template("error.html", status=status, title=title or TITLES.get(status, TITLES[400]),
                           message=message or MESSAGES.get(status, MESSAGES[400])), status


def _message(exc: HTTPException) -> str | None:
    return exc.description if getattr(exc, "danish", False) else None


# Pages load nothing from another host and run no inline script or style.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")


@bp.after_request
def _page_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


@bp.errorhandler(CSRFError)
def _csrf_error(exc):
    return error_page(400, CSRF_MESSAGE, "Siden er udløbet")


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    status = exc.code or 500
    if status == 401:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    if status == 413:
        handler = TOO_LARGE.get(request.endpoint)
        if handler is not None:
            try:
                return handler()
            except HTTPException as inner:  # e.g. the case is not this user's: 404
                return error_page(inner.code or 500, _message(inner))
        if request.mimetype != "multipart/form-data":
            return error_page(413, f"Formularen er for stor (højst "
                                   f"{size_text(form_limit())}, højst "
                                   f"{current_app.config['MAX_FORM_PARTS']} felter). En formular "
                                   "med så meget kan ikke gemmes; del den op, eller fjern tomme "
                                   "rækker.", "Formularen er for stor")
        return error_page(413, f"Filen eller formularen er for stor (højst "
                               f"{size_text(current_app.config['MAX_UPLOAD_BYTES'])}). "
                               "Gå tilbage, og vælg en mindre fil.")
    return error_page(status, _message(exc))


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    if isinstance(exc, Unauthorized):
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    return error_page(exc.status, exc.message)


@bp.errorhandler(Exception)
def _unexpected(exc):
    log.exception("unexpected error on %s %s", request.method, request.path)
    try:
        uow().rollback()
    except Exception:  # the page must still be shown
        log.exception("rollback after an error failed")
    return error_page(500)


# Pages that take a file say themselves what is wrong with one that is too large
# (endpoint -> view showing the form again with the message); filled in by the blueprints.
TOO_LARGE: dict = {}


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def _not_routed(exc: HTTPException):
    """A path that matches no page (or not with this method): a Danish page, except under
    /api/, which keeps the app's own (JSON) error."""
    if request.path.startswith("/api/") or request.path == "/api":
        handlers = current_app.error_handler_spec[None][None]
        for cls in type(exc).__mro__:
            if cls in handlers:
                return handlers[cls](exc)
        return exc
    if request.blueprint and request.blueprint.split(".")[0] == "web":
        return _http_error(exc)
    return error_page(exc.code, _message(exc))


# --- log in and out, and the start page ---------------------------------------------------

def _start_page(errors=None, values=None, status=200):
    today = dt.date.today()
    scope = due.INSTITUTION if request.args.get("vis") == "institution" else due.MINE
    found = due.start_page(uow(), actor(), today, scope=scope)
    return render_template("start.html", cases=found.cases, due=found.due, today=today,
                           scope=found.scope, MINE=due.MINE, INSTITUTION=due.INSTITUTION,
                           week_end=today + dt.timedelta(days=7),
                           institutions=list(g.user.institutions), errors=errors or {},
                           values=values or {}), status


@bp.get("/")
def start():
    if g.get("user") is None:
        return redirect(url_for("web.login"))
    return _start_page()


@bp.post("/sager")
@login_required
def create_case():
    form = request.form
    errors, status = {}, 422
    try:
        institution_id = int(form.get("institution_id") or 0)
    except ValueError:
        institution_id = 0
    for name, label in (("child_name", "Barnets navn"), ("group_name", "Stue/klasse")):
        message = unstorable_message(label, form.get(name))
        if message:
            errors[name] = message
    birth_date = None
    if form.get("birth_date"):
        try:
            birth_date = parse_date(form["birth_date"])
        except ValueError:
            errors["birth_date"] = "Fødselsdato: skriv datoen som dd-mm-åååå, fx 02-04-2020."
    if not errors:
        try:
            case = case_service.create_case(uow(), actor(), institution_id,
                                     (form.get("child_name") or "")[:1000], birth_date,
                                     (form.get("group_name") or "")[:1000] or None)
        except ServiceError as exc:
            if not exc.errors:
                raise
            errors = {error["path"].replace("child_birth_date", "birth_date"): error["message"]
                      for error in exc.errors}
            status = exc.status
    if errors:
        return _start_page(errors, form, status)
    flash(f"Sagen om {case.child_name} er oprettet.", "ok")
    return redirect(url_for("web.case.show", case_id=case.id))


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    target = safe_next(request.values.get("next"))
    if request.method == "POST":
        username = request.form.get("username", "")[:100]
        message = unstorable_message("Brugernavn", username)
        if message:
            return render_template("login.html", error=message, next=target), 422
        try:
            log_in(username, request.form.get("password", "")[:1000])
        except ServiceError as exc:
            return render_template("login.html", error=exc.message, next=target), exc.status
        return redirect(target or url_for("web.start"))
    if g.get("user") is not None:
        return redirect(target or url_for("web.start"))
    return render_template("login.html", error=error, next=target)


@bp.post("/logout")
def logout():
    for token in pending.session_tokens():
        pending.drop(token)
    end_login_session()
    return redirect(url_for("web.login"))


@bp.app_context_processor
def _page_globals():
    return {"upload_limit": current_app.config["MAX_UPLOAD_BYTES"]}


# The features, each a blueprint inside `web` (registered once, for every app made).
from . import batch, cases, due_pages, fill, uploads

for _child in (cases.bp, uploads.bp, fill.bp, batch.bp, due_pages.bp):
    bp.register_blueprint(_child)
