""""Det skal jeg nu" and "Min kalender": mark an agenda or minutes as sent from the start
page (no new version of the form), and the personal calendar — the page with its private
address and "Forny", and the feed itself, read by calendar programs without a login."""
from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..forms.danish import parse_date
from ..request_context import actor, uow
from ..services import calendar_feed, due
from ..services.documents import attachment
from ..services.errors import ServiceError
from .common import login_required

bp = Blueprint("due", __name__)
WHAT = {"agenda": "Dagsorden", "minutes": "Referat"}
NEW_KEY = "calendar_key_shown_once"


def _back(scope: str | None):
    return redirect(url_for("web.start", vis="institution") if scope == due.INSTITUTION
                    else url_for("web.start"))


@bp.post("/sager/<id:case_id>/sendt")
@login_required
def mark_sent(case_id):
    """"Markér som sendt": the agenda or minutes of one meeting, sent on the day given
    (today unless another is written)."""
    form = request.form
    what = form.get("what")
    back = _back(form.get("vis"))
    try:
        on = parse_date(form.get("on") or "") if (form.get("on") or "").strip() else dt.date.today()
    except ValueError as exc:
        flash(f"Sendt den: {exc}", "error")
        return back
    meeting_id, meeting_date = None, None
    try:
        if form.get("meeting_id"):
            meeting_id = int(form["meeting_id"])
        elif form.get("meeting_date"):
            meeting_date = dt.date.fromisoformat(form["meeting_date"])
    except ValueError:
        abort(400)
    try:
        meeting = due.mark_sent(uow(), actor(), case_id, what or "", on, meeting_id=meeting_id,
                                meeting_date=meeting_date)
    except ServiceError as exc:
        if exc.status != 422:
            raise
        flash(exc.message, "error")
        return back
    day = f" {meeting.meeting_date:%d-%m-%Y}" if meeting.meeting_date else ""
    flash(f"{WHAT[what]} til mødet{day} er markeret som sendt {on:%d-%m-%Y}.", "ok")
    return back


@bp.get("/kalender")
@login_required
def calendar():
    shown = session.pop(NEW_KEY, None)
    feed_url = url_for("web.due.feed", key=shown, _external=True) if shown else None
    return render_template("calendar.html", feed_url=feed_url,
                           has_key=g.user.calendar_key_hash is not None)


@bp.post("/kalender/forny")
@login_required
def renew():
    """A new secret address; the old one stops working at once."""
    session[NEW_KEY] = calendar_feed.new_calendar_key(uow(), actor())
    flash("Din kalender har fået en ny adresse. Den gamle virker ikke længere.", "ok")
    return redirect(url_for("web.due.calendar"))


@bp.get("/kalender/<key>.ics")
def feed(key):
    """The feed, for calendar programs: no login, the secret address is the key."""
    content = calendar_feed.calendar_for_key(uow(), key, request.remote_addr)
    if content is None:
        abort(404)
    response = Response(content, mimetype="text/calendar")
    response.headers["Content-Disposition"] = attachment("Møder.ics").replace(
        "attachment", "inline", 1)
    response.headers["Cache-Control"] = "private, no-store"
    return response


