"""Batches on a page: choose an institution (the next follow-up, or any forms, for every
open case) or upload a plan (CSV or JSON); see every entry checked before anything is
made; start; watch the progress bar; download the ZIP."""
from __future__ import annotations

import datetime as dt
import json

from flask import (
    Blueprint,
    Response,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from ..forms import FORMS
from ..forms.danish import parse_date, plural
from ..request_context import actor, services, uow
from ..series.batch import PlanError, read_plan
from ..services import batches, documents
from ..services.errors import Conflict
from . import TOO_LARGE, error_page, pending
from .common import login_required, size_text, upload_limit

bp = Blueprint("batch", __name__, url_prefix="/bestillinger")
KIND = "plan"
SHOWN_OK_ROWS = 200
NOT_FOUND = "Bestillingen findes ikke, eller den er ikke din."


@bp.before_request
@login_required
def _logged_in():
    return None


def _mine(limit: int = 10):
    return [(batch, state.as_dict()) for batch, state in batches.my_batches(uow(), actor(), limit)]


def _choose_page(error: str | None = None, status: int = 200, values=None):
    values = values or {}
    chosen = values.getlist("forms") if hasattr(values, "getlist") else []
    return render_template("batch.html", institutions=list(g.user.institutions),
                           forms=list(FORMS.values()), mine=_mine(), error=error,
                           chosen=chosen or ["follow_up_meeting"], values=values,
                           limit=upload_limit()), status


@bp.get("")
def choose():
    return _choose_page()


def _too_large():
    return _choose_page(f"Filen er for stor. En plan må højst fylde {size_text(upload_limit())}.", 413)


@bp.post("/kontrol")
def check():
    source = request.form.get("kilde")
    if source == "institution":
        try:
            institution_id = int(request.form.get("institution_id") or 0)
        except ValueError:
            institution_id = 0
        institution = next((i for i in g.user.institutions if i.id == institution_id), None)
        if institution is None:
            return _choose_page("Vælg en af dine institutioner.", 422, request.form)
        forms = [f for f in request.form.getlist("forms") if f in FORMS]
        if not forms:
            return _choose_page("Vælg mindst én formular.", 422, request.form)
        fmt = request.form.get("format") if request.form.get("format") in ("docx", "pdf") else "docx"
        meeting_date = None
        if request.form.get("meeting_date"):
            try:
                meeting_date = parse_date(request.form["meeting_date"])
            except ValueError:
                return _choose_page("Mødedatoen skal være en dato.", 422, request.form)
        entries = batches.institution_entries(uow(), actor(), institution.id, forms, fmt,
                                              meeting_date)
        described = f"{institution.name}: {plural(len(entries), 'åben sag', 'åbne sager')}"
    elif source == "fil":
        file = request.files.get("plan")
        if file is None or not file.filename:
            return _choose_page("Vælg en fil med planen (CSV eller JSON).", 400)
        limit = upload_limit()
        content = file.stream.read(limit + 1)
        if len(content) > limit:
            return _choose_page(f"Filen er for stor. En plan må højst fylde {size_text(limit)}.", 413)
        if not content.strip():
            return _choose_page("Filen er tom.", 422)
        try:
            entries = read_plan(content, file.filename)
        except PlanError as exc:
            return _choose_page(f"Planen kan ikke læses: {exc}", 422)
        described = f"{file.filename}: {plural(len(entries), 'række', 'rækker')}"
    else:
        return _choose_page("Vælg en institution, eller upload en plan.", 400)
    reports = batches.check_plan(uow(), actor(), entries, dt.date.today())
    documents = sum(len(r.jobs) for r in reports)
    token = pending.put(KIND, json.dumps(entries).encode(), filename=described) if documents else None
    bad = [r for r in reports if not r.ok]
    good = [r for r in reports if r.ok]
    return render_template("batch_check.html", reports=bad + good[:SHOWN_OK_ROWS],
                           hidden=max(0, len(good) - SHOWN_OK_ROWS), bad=len(bad), good=len(good),
                           documents=documents, token=token, described=described)


TOO_LARGE["web.batch.check"] = _too_large


@bp.post("/start")
def start():
    kept = pending.get(request.form.get("plan", ""), KIND)
    if kept is None:
        return _choose_page("Planen er ikke gemt længere (efter en time, eller når den er "
                            "startet). Vælg igen.", 404)
    entries = json.loads(kept.content)
    built = services()
    batch = batches.create_batch(uow(), actor(), entries, runner=built.runner_name)
    pending.drop(kept.token)
    built.runner.submit(batches.pending_items(uow(), batch.id))
    return redirect(url_for("web.batch.show", batch_id=batch.id))


@bp.get("/<id:batch_id>")
def show(batch_id):
    state = batches.progress(uow(), actor(), batch_id)
    return render_template("batch_progress.html", batch=state, state=state.as_dict())


@bp.get("/<id:batch_id>/status")
def status(batch_id):
    state = batches.progress(uow(), actor(), batch_id).as_dict()
    return jsonify({key: state[key] for key in ("id", "total", "done", "failed", "percent", "ready")})


@bp.get("/<id:batch_id>/zip")
def download(batch_id):
    try:
        chunks = batches.download(uow(), actor(), services().sessions, batch_id)
    except Conflict as exc:
        return error_page(409, exc.message + " Vent, til bjælken er fuld.")
    return Response(stream_with_context(chunks), mimetype="application/zip", headers={
        "Content-Disposition": documents.attachment(documents.batch_zip_name(batch_id))})
