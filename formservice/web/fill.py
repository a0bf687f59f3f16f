"""Fill in a form in the browser: a page generated from the form's layout (sections as
fieldsets, repeating groups as tables with "Tilføj række"), checked with the same rules
as an uploaded document, then downloaded as Word or PDF or stored on a case."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from .. import audit, batches, casework, records
from ..auth.access import case_for
from ..forms import FORMS
from ..storage import db
from .cases import child_data, record_of
from .common import document_response, fmt_arg, login_required
from .formview import build, collect
from .uploads import case_findings

bp = Blueprint("fill", __name__)
ACTIONS = ("kontroller", "docx", "pdf", "gem")


@bp.before_request
@login_required
def _logged_in():
    return None


def _form_or_404(form_id: str):
    if form_id not in FORMS:
        abort(404)
    return FORMS[form_id]


@bp.get("/formularer")
def forms():
    return render_template("forms.html", forms=list(FORMS.values()))


@bp.get("/formularer/<form_id>/hent")
def blank(form_id):
    form = _form_or_404(form_id)
    fmt = fmt_arg()
    if fmt is None:
        abort(404)
    content = records.render_blank(form.id, fmt, municipality=current_app.config["MUNICIPALITY"])
    return document_response(content, fmt, f"{form.id}-tom")


@bp.route("/formularer/<form_id>/udfyld", methods=["GET", "POST"])
def fill(form_id):
    form = _form_or_404(form_id)
    return _fill(form.id, initial={})


@bp.route("/sager/<int:case_id>/udfyld/<form_id>", methods=["GET", "POST"])
def fill_for_case(case_id, form_id):
    case = case_for(case_id)
    form = _form_or_404(form_id)
    source = request.args.get("kilde")
    if source == "naeste" and form.id == "follow_up_meeting":
        initial = batches.next_follow_up(db.session(), case)
    else:
        source, initial = None, child_data(case)
    if request.method == "GET":
        audit.record_now("read", "case", case.id, case.id,
                         detail={"page": "fill", "form": form.id, "source": source or "child"})
    return _fill(form.id, case=case, initial=initial, source=source)


@bp.route("/sager/<int:case_id>/poster/<int:record_id>/ret", methods=["GET", "POST"])
def edit_record(case_id, record_id):
    case = case_for(case_id, resource="record", resource_id=record_id)
    found = record_of(case, record_id)
    if request.method == "GET":
        audit.record_now("read", found.subject, found.subject_id, case.id,
                         detail={"record": found.id, "page": "edit"})
    return _fill(found.form_id, case=case, record=found, initial=found.data,
                 findings=found.findings or [])


def _page(form_id, data, findings, *, case=None, record=None, checked=False, extra_rows=None,
          focus=None, message=None, status=200):
    view = build(form_id, data, findings, extra_rows=extra_rows, editing=True)
    form = FORMS[form_id]
    return render_template("fill.html", view=view, form=form, case=case, record=record,
                           checked=checked, focus=focus, message=message), status


def _fill(form_id, *, case=None, record=None, initial=None, source=None, findings=()):
    if request.method == "GET":
        return _page(form_id, initial, list(findings), case=case, record=record)
    data = collect(form_id, request.form)
    action = request.form.get("handling", "kontroller")
    if action.startswith("tilfoej:"):  # add a row (without JavaScript): the page again
        group = action.split(":", 1)[1]
        rows = len(data.get(group) or []) if isinstance(data.get(group), list) else 0
        return _page(form_id, data, [], case=case, record=record, extra_rows={group: 1},
                     focus=f"{group}.{rows}")
    if action not in ACTIONS or (action == "gem" and case is None):
        action = "kontroller"
    checked = records.validate(form_id, data)
    found = [f.as_dict() for f in checked.findings]
    shown = checked.data if checked.data is not None else data
    if case is not None and checked.data is not None:
        found += case_findings(case, form_id, checked.data)
    if checked.data is None and action != "kontroller":
        return _page(form_id, shown, found, case=case, record=record, checked=True, status=422,
                     message="Nogle felter har en værdi, formularen ikke kan bruge. Ret dem "
                             "(se listen herunder), og prøv igen.")
    if action in ("docx", "pdf"):
        content, _ = records.render(form_id, checked.data, action,
                                    municipality=current_app.config["MUNICIPALITY"])
        audit.record_now("download", "form", form_id, case.id if case else None,
                         detail={"format": action, "prefilled": "browser"})
        name = f"{form_id}-sag-{case.id}" if case else form_id
        return document_response(content, action, name)
    if action == "gem":
        session = db.session()
        try:
            stored = casework.store_record(session, g.user, case, form_id, checked.data,
                                           subject_id=record.subject_id if record else None)
        except casework.CaseworkError as exc:
            session.rollback()
            return _page(form_id, shown, found + [
                {"code": "store", "severity": "error", "path": e.get("path", ""), "message": e["message"]}
                for e in exc.errors], case=case, record=record, checked=True,
                message=str(exc), status=422)
        session.commit()
        if stored.record.status == "final":
            flash("Formularen er gemt på sagen som endelig.", "ok")
        else:
            flash("Formularen er gemt på sagen som kladde, fordi den har fejl. Du kan rette "
                  "dem og gemme igen.", "warning")
        return redirect(url_for("web.case.record", case_id=case.id, record_id=stored.record.id))
    return _page(form_id, shown, found, case=case, record=record, checked=True)
