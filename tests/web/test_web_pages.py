"""The start page (my cases, what is due), the case page (child, meetings, actions,
consent, network map), a stored form, and the downloads (audited)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

import formtools
import formtools as records
from formservice.forms.record import load_data
from formservice.storage.models import AuditEvent

from .conftest import csrf_token
from .pagetools import page, sample, texts

TODAY = dt.date.today()


def store(app, world, form_id: str, data: dict, key: str = "A"):
    canonical, findings = load_data(form_id, data)
    assert canonical is not None, findings
    with app.test_request_context():
        session = formtools.session()
        stored = formtools.store_record(world.users["staff_b" if key == "B" else "staff_a"],
                                        world.cases[key], form_id, canonical)
        session.commit()
        return stored.record.id, stored.record.status


def meeting_on(day: dt.date, **closing) -> dict:
    data = sample("first_meeting")
    data["meeting"]["date"] = day.isoformat()
    data["meeting"]["agenda_sent"] = None
    data["closing"].update(minutes_sent=None,
                           next_meeting_date=(day + dt.timedelta(days=42)).isoformat(), **closing)
    for action in data["actions"]:
        action["deadline"] = (day + dt.timedelta(days=60)).isoformat()
    return data


def consent(valid_until: dt.date, revoked: dt.date | None = None) -> dict:
    data = sample("consent")
    data["validity"] = {"valid_from": (TODAY - dt.timedelta(days=300)).isoformat(),
                        "valid_until": valid_until.isoformat()}
    if revoked:
        data["revocation"] = {"revoked": True, "revoked_date": revoked.isoformat(),
                              "revoked_by": "Mette Nørgaard Sørensen", "scope": "Alt"}
    return data


def audit_events(app, action: str) -> list[dict]:
    with app.app_context():
        return [{"resource": e.resource, "case_id": e.case_id, "detail": e.detail or {}}
                for e in formtools.session().scalars(select(AuditEvent).where(
                    AuditEvent.action == action).order_by(AuditEvent.id))]


def test_the_start_page_lists_my_cases_and_what_is_due(app, staff_a, world):
    store(app, world, "first_meeting", meeting_on(TODAY + dt.timedelta(days=5)))
    store(app, world, "first_meeting", meeting_on(TODAY - dt.timedelta(days=20)))
    _, status = store(app, world, "consent", consent(TODAY + dt.timedelta(days=10)))
    assert status == "final"
    store(app, world, "consent", consent(TODAY + dt.timedelta(days=60), revoked=TODAY - dt.timedelta(days=2)))
    store(app, world, "first_meeting", meeting_on(TODAY + dt.timedelta(days=5)), key="B")
    response = staff_a.get("/?vis=institution")
    body = texts(response)
    assert "Alma Nørgaard Sørensen" in body and "Bo Bæk" not in body
    soon, past = TODAY + dt.timedelta(days=5), TODAY - dt.timedelta(days=20)
    rows = page(response).get_element_by_id("due-heading").getparent().xpath(".//tbody/tr")
    shown = [" ".join(" ".join(td.text_content() for td in r.xpath("td")[:4]).split())
             for r in rows]
    agenda, minutes = soon - dt.timedelta(days=7), past + dt.timedelta(days=7)
    assert shown == [  # what is overdue first, by date; a held meeting asks for no agenda,
        # and a revoked consent is not pressing while another is valid
        f"Alma Nørgaard Sørensen Referat fra mødet {past:%d-%m-%Y} er ikke sendt {minutes:%d-%m-%Y} Overskredet",
        f"Alma Nørgaard Sørensen Dagsorden til mødet {soon:%d-%m-%Y} er ikke sendt {agenda:%d-%m-%Y} Overskredet",
        f"Alma Nørgaard Sørensen Samtykket udløber – få et nyt {TODAY + dt.timedelta(days=10):%d-%m-%Y} Udløber snart",
    ], shown
    # personal by default: the agenda and minutes name others (leader, note-taker)
    mine = page(staff_a.get("/")).get_element_by_id("due-heading").getparent().xpath(".//tbody/tr")
    assert [" ".join(" ".join(td.text_content() for td in r.xpath("td")[:4]).split())
            for r in mine] == shown[-1:]
    # an agenda or minutes can be marked as sent from the list; a consent cannot
    assert [len(r.xpath(".//form[contains(@class, 'mark-sent')]")) for r in rows] == [1, 1, 0]
    assert rows[0].xpath(".//a")[0].get("href") == f"/sager/{world.cases['A']}"


def test_nothing_due(staff_a, world):
    assert "Intet at gøre lige nu" in texts(staff_a.get("/"))


def test_create_a_case_from_the_start_page(app, staff_a, world):
    token = csrf_token(staff_a, "/")
    response = staff_a.post("/sager", data={"csrf_token": token, "child_name": "  Ida  Ørum ",
                                            "birth_date": "2021-05-04", "group_name": "Bien",
                                            "institution_id": str(world.institutions["A"])})
    assert response.status_code == 302
    case_page = staff_a.get(response.headers["Location"])
    body = texts(case_page)
    assert "Ida Ørum" in body and "04-05-2021" in body and "Bien" in body
    refused = staff_a.post("/sager", data={"csrf_token": token, "child_name": "X",
                                           "institution_id": str(world.institutions["B"])})
    assert refused.status_code == 403 and "vælg en af dine institutioner" in texts(refused)
    refused = staff_a.post("/sager", data={"csrf_token": token, "child_name": " ",
                                           "institution_id": str(world.institutions["A"])})
    assert refused.status_code == 422 and "skriv barnets navn" in texts(refused)


def test_the_case_page_shows_the_whole_case(app, staff_a, world):
    first = meeting_on(TODAY - dt.timedelta(days=3))
    meeting_id, status = store(app, world, "first_meeting", first)
    store(app, world, "consent", consent(TODAY + dt.timedelta(days=60)))
    store(app, world, "network_map", sample("network_map"))
    response = staff_a.get(f"/sager/{world.cases['A']}")
    assert response.status_code == 200
    body = texts(response)
    root = page(response)
    # the child
    assert "Børnehuset A" in body
    # the meeting series, with each meeting's record and its status
    assert "Første møde" in body and (TODAY - dt.timedelta(days=3)).strftime("%d-%m-%Y") in body
    link = root.xpath(f'//a[@href="/sager/{world.cases["A"]}/poster/{meeting_id}"]')
    assert link
    assert ("Endelig" if status == "final" else "Kladde") in body
    # open actions with responsible and deadline
    for action in first["actions"]:
        assert action["responsible"] in body
    assert (TODAY + dt.timedelta(days=57)).strftime("%d-%m-%Y") in body
    # consent
    assert "Gyldigt" in body
    # the network map as its picture, with its people as text too
    picture = root.xpath('//img[contains(@src, "netvaerkskort.png")]')[0]
    assert "Netværkskort for" in picture.get("alt")
    for person in sample("network_map")["people"][:3]:
        assert person["name"] in body
    png = staff_a.get(picture.get("src"))
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:4] == b"\x89PNG"
    reads = [e for e in audit_events(app, "read") if e["resource"] == "network_map"]
    assert reads and reads[-1]["case_id"] == world.cases["A"]


def test_a_case_without_anything_yet(staff_a, world):
    response = staff_a.get(f"/sager/{world.cases['A']}")
    body = texts(response)
    assert "Der er ingen møder endnu" in body and "Intet samtykke" in body
    assert "Der er ikke gemt et netværkskort" in body
    assert staff_a.get(f"/sager/{world.cases['A']}/netvaerkskort.png").status_code == 404


def test_a_stored_form_field_by_field(app, staff_a, world):
    data = meeting_on(TODAY + dt.timedelta(days=3))
    data["meeting"]["note_taker"] = None
    record_id, status = store(app, world, "first_meeting", data)
    assert status == "draft"
    response = staff_a.get(f"/sager/{world.cases['A']}/poster/{record_id}")
    root = page(response)
    assert "Kladde" in texts(response)
    assert root.get_element_by_id("felt-meeting-leader").findtext("th") == "Mødeleder"
    assert "#felt-meeting-note_taker" in [a.get("href") for a in root.get_element_by_id("fund").iter("a")]
    for fmt in ("docx", "pdf"):
        document = staff_a.get(f"/sager/{world.cases['A']}/poster/{record_id}/hent?format={fmt}")
        assert document.status_code == 200
        assert records.parse(document.data)[0]["data"]["meeting"]["leader"] == data["meeting"]["leader"]


def test_downloads_prefilled_blank_and_next_follow_up_are_audited(app, staff_a, world):
    case = world.cases["A"]
    store(app, world, "first_meeting", meeting_on(TODAY - dt.timedelta(days=3)))
    listing = staff_a.get(f"/sager/{case}/formularer")
    links = [a.get("href") for a in page(listing).iter("a") if "/hent" in (a.get("href") or "")]
    assert len(links) == 4 * 4 + 2
    for href in links:
        response = staff_a.get(href)
        assert response.status_code == 200, href
        assert response.headers["Content-Disposition"].startswith("attachment"), href
        record, _ = records.parse(response.data)
        child = record["data"]["child"]["name"]
        assert child == ("Alma Nørgaard Sørensen" if "tom=1" not in href else None), href
    follow_up = staff_a.get(f"/sager/{case}/naeste-opfoelgning/hent?format=docx")
    data = records.parse(follow_up.data)[0]["data"]
    assert [row["description"] for row in data["reviewed_actions"]] == [
        a["description"] for a in sample("first_meeting")["actions"]]
    downloads = [e for e in audit_events(app, "download") if e["case_id"] == case]
    assert len(downloads) == len(links) + 1
    assert {e["detail"]["prefilled"] for e in downloads} == {"child", "blank", "next-follow-up"}
    assert staff_a.get(f"/sager/{case}/formularer/consent/hent?format=odt").status_code == 404
    assert staff_a.get(f"/sager/{case}/formularer/ukendt/hent?format=docx").status_code == 404


def test_blank_forms_outside_a_case(staff_a):
    listing = staff_a.get("/formularer")
    links = [a.get("href") for a in page(listing).iter("a") if "/hent" in (a.get("href") or "")]
    assert len(links) == 8
    for href in links:
        response = staff_a.get(href)
        assert response.status_code == 200
        assert records.parse(response.data)[0]["data"]["child"]["name"] is None


def test_logout_ends_the_session_and_deletes_kept_files(app, staff_a, world):
    from .test_web_upload import kept_files, post_file
    post_file(staff_a, world.cases["A"], records.render("consent", sample("consent"), "docx")[0],
              "samtykke.docx")
    assert len(kept_files(app)) == 1
    response = staff_a.post("/logout", data={"csrf_token": csrf_token(staff_a, "/")})
    assert response.status_code == 302
    assert kept_files(app) == []
    assert staff_a.get(f"/sager/{world.cases['A']}").status_code == 302
