"""Accounts: the login limit cannot be turned against other people (per user and address,
a growing back-off, an address ceiling that never refuses a correct password, the real
client address behind trusted proxies); deactivating a user and revoking a token take
effect at once over HTTP; tokens expire; passwords must not be easy to guess; only
administrators manage others' accounts, and every change is audited."""
from __future__ import annotations

import datetime as dt

import pytest
import requests
from conftest import PASSWORD, make_world
from running_server import running_server
from sqlalchemy import select, update

import formtools
from formservice.app import create_app
from formservice.services import accounts
from formservice.storage.models import ApiToken, AuditEvent, LoginFailure, User

API = "/api/v1"
WRONG = "forkert-adgangskode"
X, Y = "10.1.1.1", "10.2.2.2"


def login(client, username, password, address=X, headers=None):
    return client.post(f"{API}/session", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers or {})


def audit_rows(app, **where):
    with app.app_context():
        statement = select(AuditEvent).order_by(AuditEvent.id)
        for key, value in where.items():
            statement = statement.where(getattr(AuditEvent, key) == value)
        return list(formtools.session().scalars(statement))


# --- the login limit ------------------------------------------------------------------------

def test_six_wrong_passwords_for_a_from_x_stop_neither_b_from_x_nor_a_from_y(app, world):
    client = app.test_client()
    for attempt in range(5):
        assert login(client, "staff_a", WRONG).status_code == 401, attempt
    refused = login(client, "staff_a", WRONG)
    assert refused.status_code == 429
    assert "Vent 15 minutter" in refused.json["message"]
    # the locked pair: even the right password waits
    assert login(app.test_client(), "staff_a", PASSWORD).status_code == 429
    # B from the same address (another person behind the same proxy)
    assert login(app.test_client(), "staff_b", PASSWORD).status_code == 200
    # A from elsewhere
    assert login(app.test_client(), "staff_a", PASSWORD, address=Y).status_code == 200
    # and an unknown user name is limited the same way (nothing tells which names exist)
    for _ in range(5):
        assert login(client, "nobody", WRONG).status_code == 401
    assert login(client, "nobody", WRONG).status_code == 429
    refusals = audit_rows(app, action="login", outcome="refused")
    assert [(e.detail["username"], e.address) for e in refusals] == [
        ("staff_a", X), ("staff_a", X), ("nobody", X)]


def test_the_back_off_doubles_each_time_the_limit_is_reached_again():
    limits = accounts.LoginLimits(attempts=5, window_minutes=15)
    start = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.timezone.utc)
    minutes = lambda n: dt.timedelta(minutes=n)  # noqa: E731
    failures = [start + dt.timedelta(seconds=i) for i in range(5)]
    first = accounts.locked_until(failures, limits)
    assert first == failures[-1] + minutes(15)
    # four more after the first lock: not locked again yet
    failures += [first + dt.timedelta(seconds=i) for i in range(4)]
    assert accounts.locked_until(failures, limits) == first
    failures.append(first + dt.timedelta(seconds=4))
    second = accounts.locked_until(failures, limits)
    assert second == failures[-1] + minutes(30)
    failures += [second + dt.timedelta(seconds=i) for i in range(5)]
    third = accounts.locked_until(failures, limits)
    assert third == failures[-1] + minutes(60)
    # failures spread wider than the window never lock
    spread = [start + minutes(16 * i) for i in range(20)]
    assert accounts.locked_until(spread, limits) is None
    # what two racing requests recorded during a lock does not count
    raced = [start] * 10
    assert accounts.locked_until(raced, limits) == start + minutes(15)


def test_a_locked_pair_is_told_how_long_the_growing_wait_is(app, world):
    """Five failures a while ago (one lock, passed), five more now: 30 minutes."""
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    with app.app_context():
        session = formtools.session()
        session.add_all([LoginFailure(username="staff_a", address=X, at=earlier)
                         for _ in range(5)])
        session.commit()
    client = app.test_client()
    for _ in range(5):
        assert login(client, "staff_a", WRONG).status_code == 401
    refused = login(client, "staff_a", PASSWORD)
    assert refused.status_code == 429 and "Vent 30 minutter" in refused.json["message"]


@pytest.fixture
def crowded_app(database_url, tmp_path):
    """The address ceiling at 8 failures per 15 minutes."""
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url,
                      "INSTANCE_PATH": str(tmp_path / "crowded"), "SECRET_KEY": "test-secret",
                      "SESSION_COOKIE_SECURE": False, "LOGIN_ADDRESS_LIMIT": 8})
    yield app
    app.extensions["formservice"].engine.dispose()


def test_the_address_ceiling_never_refuses_a_correct_password(crowded_app):
    world = make_world(crowded_app)
    client = crowded_app.test_client()
    # a spray of guesses from X over many names, few per name
    for name in ("anna", "bo", "carl", "dorte"):
        for _ in range(2):
            assert login(client, name, WRONG).status_code == 401
    assert login(client, "staff_a", WRONG).status_code == 429, "over the ceiling"
    assert login(client, "erik", WRONG).status_code == 429
    # the people behind X still log in with their passwords, and staff_a's wrong guess
    # above did not lock staff_a
    for who in ("staff_a", "staff_b", "caseworker_a"):
        response = login(crowded_app.test_client(), who, PASSWORD)
        assert response.status_code == 200, (who, response.json)
    # elsewhere nothing changed
    assert login(client, "staff_b", WRONG, address=Y).status_code == 401
    assert world.users


@pytest.fixture
def proxied_app(database_url, tmp_path):
    """Behind one trusted proxy (FORMSERVICE_TRUSTED_PROXIES=1)."""
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url,
                      "INSTANCE_PATH": str(tmp_path / "proxied"), "SECRET_KEY": "test-secret",
                      "SESSION_COOKIE_SECURE": False, "TRUSTED_PROXIES": 1})
    yield app
    app.extensions["formservice"].engine.dispose()


def test_the_client_address_behind_a_trusted_proxy(proxied_app):
    make_world(proxied_app)
    proxy = "192.168.0.2"
    client = proxied_app.test_client()

    def via_proxy(username, password, client_address, forged=None):
        chain = f"{forged}, {client_address}" if forged else client_address
        return login(proxied_app.test_client(), username, password, address=proxy,
                     headers={"X-Forwarded-For": chain})

    for _ in range(5):
        assert via_proxy("staff_a", WRONG, X).status_code == 401
    assert via_proxy("staff_a", PASSWORD, X).status_code == 429
    # the same proxy, another client: not locked; nor by forging X-Forwarded-For
    assert via_proxy("staff_a", PASSWORD, Y).status_code == 200
    assert via_proxy("staff_a", PASSWORD, Y, forged=X).status_code == 200
    assert via_proxy("staff_a", PASSWORD, X, forged=Y).status_code == 429
    addresses = {e.address for e in audit_rows(proxied_app, action="login")}
    assert addresses == {X, Y}, "the audit log has the clients' addresses, not the proxy's"
    assert client.get("/healthz").status_code == 200


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(app, world):
    proxy = "192.168.0.2"
    for _ in range(5):
        assert login(app.test_client(), "staff_a", WRONG, address=proxy,
                     headers={"X-Forwarded-For": X}).status_code == 401
    assert login(app.test_client(), "staff_a", PASSWORD, address=proxy,
                 headers={"X-Forwarded-For": Y}).status_code == 429


# --- stopping a person at once (the API, in-process) -------------------------------------------

def logged_in(app, username):
    client = app.test_client()
    response = login(client, username, PASSWORD)
    assert response.status_code == 200, response.json
    return client, {"X-CSRF-Token": response.headers["X-CSRF-Token"]}


def test_an_administrator_deactivates_and_activates_a_user(app, world):
    session_client, _ = logged_in(app, "staff_a")
    token = world.auth("staff_a")
    other = app.test_client()
    admin = world.auth("admin")
    assert session_client.get(f"{API}/cases").status_code == 200
    assert other.get(f"{API}/cases", headers=token).status_code == 200

    changed = other.patch(f"{API}/users/{world.users['staff_a']}", json={"active": False},
                          headers=admin)
    assert changed.status_code == 200, changed.json
    assert changed.json["active"] is False and changed.json["username"] == "staff_a"
    assert session_client.get(f"{API}/cases").status_code == 401, "the open session ends"
    assert other.get(f"{API}/cases", headers=token).status_code == 401, "the token stops"
    assert login(app.test_client(), "staff_a", PASSWORD).status_code == 401
    assert other.get(f"{API}/cases", headers=world.auth("staff_b")).status_code == 200

    listed = {u["username"]: u for u in other.get(f"{API}/users", headers=admin).json}
    assert listed["staff_a"]["active"] is False and listed["staff_b"]["active"] is True
    assert set(listed["admin"]) >= {"id", "username", "full_name", "role", "active",
                                    "institutions", "created_at"}

    assert other.patch(f"{API}/users/{world.users['staff_a']}", json={"active": True},
                       headers=admin).status_code == 200
    assert other.get(f"{API}/cases", headers=token).status_code == 200, "the token works again"
    assert session_client.get(f"{API}/cases").status_code == 401, "the old session stays ended"

    changes = audit_rows(app, action="change", resource="user")
    assert [(e.username, e.detail["active"]) for e in changes] == [("admin", False),
                                                                   ("admin", True)]
    assert changes[0].detail["sessions_ended"] == 1


def test_revoking_a_token_stops_it_at_once_and_only_it(app, world):
    with app.app_context():
        user = formtools.session().get(User, world.users["staff_a"])
        second = accounts.create_token(formtools.session(), user, "second")
        formtools.session().commit()
    first = world.auth("staff_a")
    client = app.test_client()
    mine = client.get(f"{API}/tokens", headers=first).json
    assert [t["name"] for t in mine] == ["second", "test"]
    assert {t["state"] for t in mine} == {"active"}
    first_id = next(t["id"] for t in mine if t["name"] == "test")

    # someone else may not, and cannot tell it exists
    assert client.delete(f"{API}/tokens/{first_id}", headers=world.auth("staff_b")).status_code == 404
    assert client.delete(f"{API}/tokens/{2**31 + 5}", headers=world.auth("staff_b")).status_code == 404
    assert client.get(f"{API}/cases", headers=first).status_code == 200

    assert client.delete(f"{API}/tokens/{first_id}", headers=first).status_code == 204
    assert client.get(f"{API}/cases", headers=first).status_code == 401
    assert client.get(f"{API}/cases", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    again = client.delete(f"{API}/tokens/{first_id}", headers=world.auth("admin"))
    assert again.status_code == 409 and "allerede" in again.json["message"]

    listed = client.get(f"{API}/users/{world.users['staff_a']}/tokens",
                        headers=world.auth("admin")).json
    revoked = next(t for t in listed if t["id"] == first_id)
    assert revoked["state"] == "revoked" and revoked["revoked_at"]
    assert revoked["last_used_at"], "a used token shows when"
    assert revoked["created_at"].endswith("+00:00") and revoked["expires_at"]
    denied = audit_rows(app, action="login", resource="token", outcome="denied")
    assert denied[-1].detail == {"token_id": first_id, "reason": "revoked"}
    assert [e.username for e in audit_rows(app, action="revoke")] == ["staff_a"]


def test_an_administrator_revokes_anyones_token_and_a_session_keeps_working(app, world):
    session_client, csrf = logged_in(app, "staff_b")
    listed = app.test_client().get(f"{API}/users/{world.users['staff_b']}/tokens",
                                   headers=world.auth("admin")).json
    assert app.test_client().delete(f"{API}/tokens/{listed[0]['id']}",
                                    headers=world.auth("admin")).status_code == 204
    assert app.test_client().get(f"{API}/me", headers=world.auth("staff_b")).status_code == 401
    assert session_client.get(f"{API}/me").json["username"] == "staff_b"


def test_tokens_expire(app, world):
    client = app.test_client()
    made = client.post(f"{API}/tokens", json={"name": "kort"}, headers=world.auth("staff_a"))
    assert made.status_code == 201
    expires = dt.datetime.fromisoformat(made.json["expires_at"])
    assert abs(expires - (dt.datetime.now(dt.UTC) + dt.timedelta(days=90))) < dt.timedelta(minutes=1)
    bearer = {"Authorization": f"Bearer {made.json['token']}"}
    assert client.get(f"{API}/me", headers=bearer).status_code == 200
    with app.app_context():
        session = formtools.session()
        session.execute(update(ApiToken).where(ApiToken.id == made.json["id"]).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        session.commit()
    assert client.get(f"{API}/me", headers=bearer).status_code == 401
    assert audit_rows(app, action="login", resource="token")[-1].detail == {
        "token_id": made.json["id"], "reason": "expired"}
    assert client.get(f"{API}/me", headers=world.auth("staff_a")).status_code == 200


def test_the_token_lifetime_is_a_setting(database_url, tmp_path):
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url,
                      "INSTANCE_PATH": str(tmp_path / "short"), "SECRET_KEY": "test-secret",
                      "TOKEN_LIFETIME_DAYS": 7})
    try:
        world = make_world(app)
        made = app.test_client().post(f"{API}/tokens", json={"name": "uge"},
                                      headers=world.auth("staff_a")).json
        expires = dt.datetime.fromisoformat(made["expires_at"])
        assert abs(expires - (dt.datetime.now(dt.UTC) + dt.timedelta(days=7))) < dt.timedelta(minutes=1)
    finally:
        app.extensions["formservice"].engine.dispose()


def test_a_new_password_must_be_hard_to_guess_and_ends_sessions(app, world):
    session_client, _ = logged_in(app, "staff_a")
    admin = world.auth("admin")
    url = f"{API}/users/{world.users['staff_a']}"
    client = app.test_client()
    for weak, reason in (("kort", "mindst 12 tegn"), ("password1234", "for let at gætte"),
                         ("staff_a12345678", "for let at gætte"),
                         ("aaaaaaaaaaaaaaaa", "for let at gætte")):
        response = client.patch(url, json={"password": weak}, headers=admin)
        assert response.status_code == 422, weak
        assert reason in response.json["message"]
        assert response.json["errors"][0]["path"] == "password"
    assert session_client.get(f"{API}/me").status_code == 200, "nothing changed"
    new = "blå-cykel-under-æbletræet"
    assert client.patch(url, json={"password": new}, headers=admin).status_code == 200
    assert session_client.get(f"{API}/me").status_code == 401, "the old session ends"
    assert login(app.test_client(), "staff_a", PASSWORD, address=Y).status_code == 401
    assert login(app.test_client(), "staff_a", new, address=Y).status_code == 200
    change = audit_rows(app, action="change", resource="user")[-1]
    assert change.detail["password"] is True and new not in str(change.detail)


def test_only_administrators_manage_others(app, world):
    client = app.test_client()
    staff = world.auth("staff_a")
    a_id, b_id = world.users["staff_a"], world.users["staff_b"]
    assert client.get(f"{API}/users", headers=staff).status_code == 403
    assert client.patch(f"{API}/users/{b_id}", json={"active": False}, headers=staff).status_code == 403
    assert client.get(f"{API}/users/{b_id}/tokens", headers=staff).status_code == 403
    assert client.get(f"{API}/users/{a_id}/tokens", headers=staff).status_code == 200
    assert client.get(f"{API}/users").status_code == 401
    admin = world.auth("admin")
    assert client.patch(f"{API}/users/{world.users['admin']}", json={"active": False},
                        headers=admin).status_code == 422, "no administrator locks themself out"
    assert client.patch(f"{API}/users/999999", json={"active": False}, headers=admin).status_code == 404
    assert client.patch(f"{API}/users/{b_id}", json={}, headers=admin).status_code == 422
    assert client.get(f"{API}/me", headers=world.auth("staff_b")).status_code == 200


# --- over HTTP against `formservice serve`, with the command line -------------------------------

def test_deactivate_and_revoke_cut_a_session_and_a_token_at_once(tmp_path):
    strong = "korrekt-hest-batteri-hæfteklamme"
    with running_server(tmp_path) as server:
        server.cli("users", "create", "anna", "--role", "staff", "--institution", "Kløveren",
                   "--password-stdin", input=strong + "\n")
        server.cli("users", "create", "bo", "--role", "staff", "--institution", "Kløveren",
                   "--password-stdin", input=strong + "\n")
        first = server.cli("users", "token", "anna", "--name", "et").stdout.strip()
        second = server.cli("users", "token", "anna", "--name", "to").stdout.strip()
        bo = server.cli("users", "token", "bo").stdout.strip()

        def me(token=None, session=None):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return (session or requests).get(server.url("/api/v1/me"), headers=headers,
                                              timeout=10).status_code

        browser = requests.Session()
        assert browser.post(server.url("/api/v1/session"),
                            json={"username": "anna", "password": strong},
                            timeout=10).status_code == 200
        assert me(session=browser) == me(first) == me(second) == me(bo) == 200

        listed = server.cli("tokens", "list", "anna").stdout.splitlines()
        assert listed[0].split("\t") == ["id", "navn", "oprettet", "udløber", "sidst brugt",
                                         "status"]
        rows = {line.split("\t")[1]: line.split("\t") for line in listed[1:]}
        assert set(rows) == {"et", "to"} and rows["et"][3] > rows["et"][2]
        assert rows["et"][4] != "-" and rows["et"][5] == "aktiv"

        revoked = server.cli("tokens", "revoke", rows["et"][0])
        assert "tilbagekaldt" in revoked.stdout
        assert me(first) == 401, "the revoked token stops at once"
        assert me(second) == me(session=browser) == 200, "and only that one"

        server.cli("users", "deactivate", "anna")
        assert me(session=browser) == 401, "the open session stops at once"
        assert me(second) == 401, "so do the user's tokens"
        assert me(bo) == 200
        assert browser.post(server.url("/api/v1/session"),
                            json={"username": "anna", "password": strong},
                            timeout=10).status_code == 401

        server.cli("users", "activate", "anna")
        assert me(second) == 200 and me(first) == 401
        users = server.cli("users", "list").stdout.splitlines()
        assert users[0].split("\t")[:4] == ["brugernavn", "navn", "rolle", "aktiv"]
        assert any(line.startswith("anna\t") and "\tja\t" in line for line in users)

        # an administrator through the API does the same
        server.cli("users", "create", "admin", "--role", "admin",
                   "--password-stdin", input=strong + "\n")
        admin = {"Authorization": "Bearer " + server.cli("users", "token", "admin").stdout.strip()}
        found = requests.get(server.url("/api/v1/users"), headers=admin, timeout=10).json()
        bo_id = next(u["id"] for u in found if u["username"] == "bo")
        assert requests.patch(server.url(f"/api/v1/users/{bo_id}"), json={"active": False},
                              headers=admin, timeout=10).status_code == 200
        assert me(bo) == 401
