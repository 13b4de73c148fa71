"""Staff login: throttled per account and address instead of a lock anyone can set off, one answer whether or
not the username exists, and the same work (a password hash is checked) either way."""
from __future__ import annotations

import re

from booking.extensions import db
from offices import auth
from offices.auth import MAX_FAILED_LOGINS
from tests.hardening.conftest import PASSWORD, Cast

ATTACKER = {"REMOTE_ADDR": "203.0.113.5"}
OFFICE = {"REMOTE_ADDR": "198.51.100.7"}


def _post(client, username: str, password: str, environ: dict[str, str]):
    return client.post("/login", data={"username": username, "password": password}, environ_base=environ,
                       headers={"Accept-Language": "en"})


def _message(response) -> str:
    found = re.search(r'class="flash[^"]*"[^>]*>(.*?)<', response.get_data(as_text=True), flags=re.DOTALL)
    return found.group(1).strip() if found else ""


def test_wrong_passwords_from_elsewhere_do_not_lock_the_account(app, cast: Cast):
    user = cast.users["operator_a"]
    attacker = app.test_client()
    for _ in range(MAX_FAILED_LOGINS + 3):
        assert _post(attacker, user.username, "wrong", ATTACKER).status_code in (401, 429)
    assert _post(app.test_client(), user.username, PASSWORD, OFFICE).status_code == 302


def test_the_attacking_address_is_throttled_even_with_the_right_password(app, cast: Cast):
    user = cast.users["operator_a"]
    attacker = app.test_client()
    for _ in range(MAX_FAILED_LOGINS):
        _post(attacker, user.username, "wrong", ATTACKER)
    assert _post(attacker, user.username, PASSWORD, ATTACKER).status_code == 429


def test_a_known_device_behind_the_same_address_still_gets_in(app, cast: Cast):
    user = cast.users["operator_a"]
    counter = app.test_client()
    assert _post(counter, user.username, PASSWORD, OFFICE).status_code == 302
    assert counter.get_cookie(auth.KNOWN_DEVICE_COOKIE) is not None
    counter.post("/logout", environ_base=OFFICE)
    stranger = app.test_client()  # same office network, no cookie
    for _ in range(MAX_FAILED_LOGINS + 1):
        _post(stranger, user.username, "wrong", OFFICE)
    assert _post(stranger, user.username, PASSWORD, OFFICE).status_code == 429
    assert _post(counter, user.username, PASSWORD, OFFICE).status_code == 302


def test_one_answer_whether_or_not_the_username_exists(app, cast: Cast):
    real, unknown = cast.users["operator_a"].username, "op-999999"
    answers = {}
    for username, address in ((real, "203.0.113.5"), (unknown, "203.0.113.6")):
        client = app.test_client()
        answers[username] = [(r.status_code, _message(r))
                             for r in (_post(client, username, "wrong", {"REMOTE_ADDR": address})
                                       for _ in range(MAX_FAILED_LOGINS + 2))]
    assert answers[real] == answers[unknown]
    assert answers[real][0][0] == 401 and answers[real][-1][0] == 429
    assert "locked" not in " ".join(message for _status, message in answers[real]).lower()


def test_an_unknown_username_costs_a_password_check(app, cast: Cast, monkeypatch):
    """The time spent is the same because the same work is done: one scrypt check against a dummy hash."""
    checked: list[str] = []
    real_check = auth.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real_check(pwhash, password)

    monkeypatch.setattr(auth, "check_password_hash", counting)
    client = app.test_client()
    _post(client, "op-999999", "wrong", ATTACKER)
    _post(client, cast.users["operator_a"].username, "wrong", ATTACKER)
    assert len(checked) == 2
    assert checked[0].split("$")[0] == checked[1].split("$")[0]  # the same method and cost


def test_the_account_columns_of_the_old_lock_are_gone(app, cast: Cast):
    user = cast.users["admin"]
    db.session.refresh(user)
    assert not hasattr(user, "locked_until")
