"""Signing in to the back office: argon2 passwords, throttling held in the database, CSRF refusal, session
expiry on the service's clock, password change ending the other sessions, safe redirects, cookie flags; on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select

from notice_service.adapters.system_clock import FixedClock
from notice_service.app import create_app
from notice_service.db.models.users import LoginFailure, User
from notice_service.services import Services
from tests.functional.pages.support import Login, csrf_of, post, sign_in


def attempt(client: FlaskClient, email: str, password: str) -> int:
    token = csrf_of(client)
    return client.post("/app/login", data={"email": email, "password": password, "csrf_token": token}).status_code


def test_sign_in_then_out(client: FlaskClient, people: dict[str, Login], services: Services) -> None:
    assert client.get("/app/").status_code == 302  # to the login page
    assert client.get("/app/dossiers").headers["Location"].startswith("/app/login?next=/app/dossiers")
    answer = sign_in(client, people["credit"])
    assert answer.headers["Location"] == "/app/"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/app" in cookie
    assert "Secure" not in cookie  # the embedded profile serves plain HTTP on the loopback
    home = client.get("/app/")
    assert home.status_code == 200 and people["credit"].email in home.get_data(as_text=True)
    with services.db.reading() as session:
        assert session.get_one(User, people["credit"].user_id).last_login_at == services.clock.now()
    assert post(client, "/app/logout", {}).status_code == 303
    assert client.get("/app/").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client: FlaskClient, people: dict[str, Login]) -> None:
    wrong = client.post(
        "/app/login",
        data={"email": people["admin"].email, "password": "not it at all", "csrf_token": csrf_of(client)},
    )
    unknown = client.post(
        "/app/login", data={"email": "nobody@atelier.example", "password": "x" * 14, "csrf_token": csrf_of(client)}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "E-mail ou mot de passe incorrect." in wrong.get_data(as_text=True)
    assert 'aria-describedby="e-password"' in wrong.get_data(as_text=True)
    assert client.get("/app/").status_code == 302


def test_five_failures_then_a_wait_even_with_the_right_password(
    client: FlaskClient, people: dict[str, Login], services: Services
) -> None:
    login = people["approver"]
    assert [attempt(client, login.email, "wrong password!") for _ in range(5)] == [401] * 5
    assert attempt(client, login.email, login.password) == 429  # throttled: the right password waits too
    page = client.post(
        "/app/login", data={"email": login.email, "password": login.password, "csrf_token": csrf_of(client)}
    ).get_data(as_text=True)
    assert "Trop de tentatives" in page and "15 min" in page
    with services.db.reading() as session:
        assert session.execute(select(func.count()).where(LoginFailure.email == login.email)).scalar_one() == 5
    # another person is not held back, nor the same person from another address
    assert attempt(client.application.test_client(), people["viewer"].email, people["viewer"].password) == 303
    other = client.application.test_client()
    token = csrf_of(other)
    held = other.post(
        "/app/login",
        data={"email": login.email, "password": login.password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert held.status_code == 303
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(minutes=15, seconds=1))
    assert attempt(client, login.email, login.password) == 303  # the window passed
    with services.db.reading() as session:
        assert session.execute(select(func.count()).where(LoginFailure.email == login.email)).scalar_one() == 0


def test_throttle_holds_across_processes(client: FlaskClient, people: dict[str, Login], services: Services) -> None:
    """A second app on the same database (another process would be the same) sees the failures."""
    login = people["lawyer"]
    for _ in range(5):
        attempt(client, login.email, "wrong password!")
    second = create_app(services=services).test_client()
    assert attempt(second, login.email, login.password) == 429


def test_disabled_account_cannot_sign_in(client: FlaskClient, people: dict[str, Login], services: Services) -> None:
    sign_in(client, people["admin"])
    viewer = people["viewer"]
    assert post(client, f"/app/parametres/utilisateurs/{viewer.user_id}/statut", {"disabled": "1"}).status_code == 303
    other = client.application.test_client()
    assert attempt(other, viewer.email, viewer.password) == 401


def test_csrf_refused_and_nothing_written(
    client: FlaskClient, people: dict[str, Login], seeded: tuple[str, str, str], services: Services
) -> None:
    _, invoice_id, case_id = seeded
    sign_in(client, people["credit"])
    body = {"invoice_id": invoice_id, "amount": "10.00", "paid_on": "2026-04-02"}
    for token in (None, "", "forged-token"):
        data = body if token is None else {**body, "csrf_token": token}
        refused = client.post(f"/app/dossiers/{case_id}/paiements", data=data)
        assert refused.status_code == 400 and "Formulaire expiré" in refused.get_data(as_text=True)
    # a token from another session is not this session's
    other = client.application.test_client()
    foreign = csrf_of(other)
    assert client.post(f"/app/dossiers/{case_id}/paiements", data={**body, "csrf_token": foreign}).status_code == 400
    assert client.post("/app/login", data={"email": "a@b.fr", "password": "x"}).status_code == 400
    from notice_service.db.models.claims import Payment

    with services.db.reading() as session:
        assert session.execute(select(func.count()).select_from(Payment)).scalar_one() == 0
    assert post(client, f"/app/dossiers/{case_id}/paiements", body, page=f"/app/dossiers/{case_id}").status_code == 303


def test_session_expires_when_idle_and_after_its_lifetime(
    client: FlaskClient, people: dict[str, Login], services: Services
) -> None:
    assert isinstance(services.clock, FixedClock)
    sign_in(client, people["viewer"])
    services.clock.advance(timedelta(minutes=29))
    assert client.get("/app/").status_code == 200  # seen: the idle time starts again
    services.clock.advance(timedelta(minutes=29))
    assert client.get("/app/").status_code == 200
    services.clock.advance(timedelta(minutes=31))
    assert client.get("/app/").status_code == 302  # idle more than 30 minutes
    sign_in(client, people["viewer"])
    for _ in range(25):  # active all along, but a session lasts 12 hours at most
        services.clock.advance(timedelta(minutes=29))
        client.get("/app/")
    assert client.get("/app/").status_code == 302


def test_password_change_ends_other_sessions(client: FlaskClient, people: dict[str, Login], services: Services) -> None:
    login = people["credit"]
    sign_in(client, login)
    elsewhere = client.application.test_client()
    sign_in(elsewhere, login)
    new = "correct horse battery staple"
    fields = {"current_password": login.password, "new_password": new, "confirm_password": new}
    changed = post(client, "/app/password", fields, page="/app/password")
    assert changed.status_code == 303
    assert client.get("/app/").status_code == 200  # this session carries on
    assert elsewhere.get("/app/").status_code == 302  # the other one ended
    assert attempt(elsewhere, login.email, login.password) == 401
    assert attempt(elsewhere, login.email, new) == 303
    with services.db.reading() as session:
        stored = session.get_one(User, login.user_id).password_hash
    assert stored.startswith("$argon2id$") and new not in stored


def test_password_change_bad_inputs_name_their_field(
    client: FlaskClient, people: dict[str, Login], services: Services
) -> None:
    login = people["credit"]
    sign_in(client, login)
    with services.db.reading() as session:
        before = session.get_one(User, login.user_id).password_hash
    cases = [
        ({"current_password": "wrong", "new_password": "x" * 12, "confirm_password": "x" * 12}, "current_password"),
        ({"current_password": login.password, "new_password": "short", "confirm_password": "short"}, "new_password"),
        (
            {"current_password": login.password, "new_password": "y" * 12, "confirm_password": "z" * 12},
            "confirm_password",
        ),
        (
            {"current_password": login.password, "new_password": "y" * 201, "confirm_password": "y" * 201},
            "new_password",
        ),
        (
            {"current_password": login.password, "new_password": login.password, "confirm_password": login.password},
            "new_password",
        ),
    ]
    for fields, bad in cases:
        answer = post(client, "/app/password", fields, page="/app/password")
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422, fields
        assert f'id="e-{bad}"' in html and f'aria-describedby="e-{bad}' in html, (fields, bad)
    with services.db.reading() as session:
        assert session.get_one(User, login.user_id).password_hash == before


def test_next_only_leads_inside_the_pages(client: FlaskClient, people: dict[str, Login]) -> None:
    for target, expected in (
        ("/app/dossiers", "/app/dossiers"),
        ("https://evil.example/", "/app/"),
        ("//evil.example/app/", "/app/"),
        ("/v1/tenant", "/app/"),
    ):
        fresh = client.application.test_client()
        token = csrf_of(fresh)
        login = people["viewer"]
        answer = fresh.post(
            "/app/login", data={"email": login.email, "password": login.password, "csrf_token": token, "next": target}
        )
        assert answer.headers["Location"] == expected, target
