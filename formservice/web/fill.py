"""Fill in a form in the browser: a page generated from the form's layout (sections as
fieldsets, repeating groups as tables with "Tilføj række"), checked with the same rules
as an uploaded document, then downloaded as Word or PDF or stored on a case."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from ..forms import FORMS
from ..request_context import actor, profile, uow
from ..services import cases, documents, forms as form_service, records
from ..services.errors import ServiceError
from .common import document_response, fmt_arg, login_required
from .formview import build, collect

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
    content = form_service.render_blank(profile(), form.id, fmt)
    return document_response(documents.Download(
        content, documents.file_name(form.id, fmt, blank=True), fmt))


@bp.route("/formularer/<form_id>/udfyld", methods=["GET", "POST"])
def fill(form_id):
    form = _form_or_404(form_id)
    return _fill(form.id, initial={})


@bp.route("/sager/<id:case_id>/udfyld/<form_id>", methods=["GET", "POST"])
def fill_for_case(case_id, form_id):
    form = _form_or_404(form_id)
    source = request.args.get("kilde")
    if source == "naeste" and form.id == "follow_up_meeting":
        case, initial = documents.next_follow_up(uow(), actor(), case_id)
    else:
        case = cases.get_case(uow(), actor(), case_id, page="fill")
        initial = cases.child_data(case)
    return _fill(form.id, case=case, initial=initial)


@bp.route("/sager/<id:case_id>/poster/<id:record_id>/ret", methods=["GET", "POST"])
def edit_record(case_id, record_id):
    view = records.get_record(uow(), actor(), case_id, record_id, page="edit")
    return _fill(view.record.form_id, case=view.case, record=view.record,
                 initial=view.record.data, findings=view.record.findings or [])


def _page(form_id, data, findings, *, case=None, record=None, checked=False, extra_rows=None,
          focus=None, message=None, status=200):
    view = build(form_id, data, findings, extra_rows=extra_rows, editing=True)
    form = FORMS[form_id]
    return render_template("fill.html", view=view, form=form, case=case, record=record,
                           checked=checked, focus=focus, message=message), status


def _fill(form_id, *, case=None, record=None, initial=None, findings=()):
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
    try:
        if case is not None:
            checked = records.check_on_case(uow(), actor(), profile(), case.id, form_id, data,
                                            subject_id=record.subject_id if record else None)
        else:
            checked = form_service.validate(profile(), form_id, data)
    except ServiceError as exc:
        return _page(form_id, data, exc.errors, case=case, record=record, checked=True,
                     message=exc.message, status=exc.status)
    found = [f.as_dict() for f in checked.findings]
    shown = checked.data if checked.data is not None else data
    if checked.data is None and action != "kontroller":
        return _page(form_id, shown, found, case=case, record=record, checked=True, status=422,
                     message="Nogle felter har en værdi, formularen ikke kan bruge. Ret dem "
                             "(se listen herunder), og prøv igen.")
    if action in ("docx", "pdf"):
        if case is not None:
            made = documents.browser_document(uow(), actor(), profile(), case.id, form_id,
                                              checked.data, action)
        else:
            who = (checked.data.get("child") or {}).get("name")
            made = documents.Download(
                form_service.render(profile(), form_id, checked.data, action)[0],
                documents.file_name(form_id, action, who=who, data=checked.data), action)
        return document_response(made)
    if action == "gem":
        try:
            if record is not None:
                stored = records.new_version(uow(), actor(), profile(), record.subject,
                                             record.subject_id, form_id, checked.data)
            else:
                stored = records.store_record(uow(), actor(), profile(), case.id, form_id,
                                              checked.data)
        except ServiceError as exc:
            return _page(form_id, shown, found + [
                {"code": "store", "severity": "error", "path": e.get("path", ""), "message": e["message"]}
                for e in exc.errors], case=case, record=record, checked=True,
                message=exc.message, status=exc.status)
        if stored.record.status == "final":
            flash("Formularen er gemt på sagen som endelig.", "ok")
        else:
            flash("Formularen er gemt på sagen som kladde, fordi den har fejl. Du kan rette "
                  "dem og gemme igen.", "warning")
        return redirect(url_for("web.case.record", case_id=case.id, record_id=stored.record.id))
    return _page(form_id, shown, found, case=case, record=record, checked=True)
