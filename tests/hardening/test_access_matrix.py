"""Each role against each operator and supervisor route, enumerated from ``app.url_map``.

A route is a staff route when its view is guarded by :func:`offices.auth.operator_required`,
:func:`offices.auth.supervisor_required` or ``login_required``, or when it belongs to the console, the
dashboard or the planning blueprint; a new route is therefore in the matrix as soon as it is registered,
and a new route in those blueprints that forgets its guard fails :func:`test_every_staff_route_is_guarded`.

Expected answers:

| role \\ route                    | operator route, office A | operator route, no office | supervisor route, office A | supervisor route, no office |
|----------------------------------|--------------------------|---------------------------|----------------------------|-----------------------------|
| anonymous, citizen               | login                    | login                     | login                      | login                       |
| operator of A                    | allowed                  | allowed                   | 403                        | 403                         |
| operator of B                    | 403                      | allowed (its own office)  | 403                        | 403                         |
| supervisor of A's district / A's province / the nation | 403 | 403                  | allowed                    | allowed                     |
| supervisor of B's district       | 403                      | 403                       | 403                        | allowed (its own scope)     |
| admin                            | allowed                  | allowed                   | allowed                    | allowed                     |

Nation-wide supervisor pages (``level="nation"``) are for national supervisors and admins only. A province's
booking rules and the no-show bans (:data:`PROVINCE_SCOPE`) are for province and national supervisors and
admins: district supervisors are refused.

"allowed" is any answer below 500 other than 401/403 and a redirect to the login page (a POST without the
fields an action needs is refused with a 4xx of its own; that is still access). Nothing may answer 500.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
from werkzeug.routing import Rule

from booking.extensions import db
from tests.hardening.conftest import Cast, log_in

PUBLIC_IN_STAFF_BLUEPRINTS = {"console.lobby", "console.lobby_json"}  # the lobby screen is public by design
STAFF_BLUEPRINTS = ("console", "dashboard", "planning")
PROVINCE_SCOPE = {"dashboard.province_rules", "dashboard.bans", "dashboard.lift_ban"}
OFFICE_ARGUMENTS = {"office_code", "code", "level", "province_code", "district_code", "city_en"}
ROLES = ["anonymous", "citizen", "operator_a", "operator_b", "district_supervisor", "other_district_supervisor",
         "province_supervisor", "national_supervisor", "admin"]


def _guard_codes() -> dict[Any, str]:
    from flask_login import login_required

    from offices.auth import operator_required, supervisor_required

    return {operator_required(lambda: None).__code__: "operator",
            supervisor_required(lambda: None).__code__: "supervisor",
            login_required(lambda: None).__code__: "login"}


def guards_of(view: Any) -> set[str]:
    """The access guards wrapped around a view function."""
    codes, found = _guard_codes(), set()
    while view is not None:
        kind = codes.get(getattr(view, "__code__", None))
        if kind:
            found.add(kind)
        view = getattr(view, "__wrapped__", None)
    return found


def staff_rules(app) -> list[tuple[Rule, str]]:
    """(rule, "operator" | "supervisor") for every staff route."""
    rules = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        guards = guards_of(app.view_functions[rule.endpoint])
        if rule.endpoint in PUBLIC_IN_STAFF_BLUEPRINTS:
            continue
        if "supervisor" in guards or blueprint in ("dashboard", "planning"):
            rules.append((rule, "supervisor"))
        elif "operator" in guards or blueprint == "console":
            rules.append((rule, "operator"))
    return sorted(rules, key=lambda pair: pair[0].rule)


def _any_choice(rule: Rule, name: str) -> str | None:
    converter = rule._converters.get(name)
    match = re.search(r"\(\?:([^)]*)\)", getattr(converter, "regex", "") or "")
    return match.group(1).split("|")[0] if match else None


def fill(rule: Rule, cast: Cast, complaint_code: str) -> dict[str, str]:
    """Values for a rule's arguments, all about office A."""
    from offices.console.routes import ACTIONS

    values: dict[str, str] = {}
    for name in rule.arguments - set(rule.defaults or {}):
        choice = _any_choice(rule, name)
        if name == "level":
            values[name] = "office"
        elif choice is not None:
            values[name] = choice
        elif name == "office_code":
            values[name] = cast.office_a.code
        elif name == "province_code":
            values[name] = cast.office_a.district.province.code
        elif name == "district_code":
            values[name] = cast.office_a.district.code
        elif name == "city_en":
            values[name] = cast.office_a.district.city_en
        elif name == "code" and rule.rule.startswith("/dashboard/province/"):
            values[name] = cast.office_a.district.province.code
        elif name == "code":
            values[name] = complaint_code if "complaint" in rule.rule else cast.office_a.code
        elif name == "ban_id":
            values[name] = "1"
        elif name == "action":
            values[name] = next(iter(ACTIONS))
        else:
            raise AssertionError(f"{rule.endpoint}: no test value for the argument {name!r}; add one to fill()")
    return values


def expected(role: str, kind: str, about_office: bool, about_nation: bool = False,
             province_scope: bool = False) -> str:
    """'login', 'deny' or 'allow' (see the module's table; nation-wide pages only for national supervisors)."""
    if role in ("anonymous", "citizen"):
        return "login"
    if role == "admin":
        return "allow"
    if about_nation:
        return "allow" if role == "national_supervisor" else "deny"
    if province_scope:
        return "allow" if role in ("province_supervisor", "national_supervisor") else "deny"
    if kind == "operator":
        if role == "operator_a" or (role == "operator_b" and not about_office):
            return "allow"
        return "deny"
    if role.startswith("operator"):
        return "deny"
    if role == "other_district_supervisor" and about_office:
        return "deny"
    return "allow"


def outcome(response) -> str:
    if response.status_code >= 500:
        return f"error {response.status_code}"
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return "login"
    if response.status_code in (401, 403):
        return "deny"
    return "allow"


@pytest.fixture()
def complaint_code(cast: Cast) -> str:
    from offices.dashboard.complaints import file_complaint

    complaint = file_complaint(cast.office_a, "The queue did not move for an hour.", "09121234567")
    db.session.commit()
    return complaint.public_code


def test_every_staff_route_is_guarded(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS and rule.endpoint not in PUBLIC_IN_STAFF_BLUEPRINTS:
            assert guards_of(app.view_functions[rule.endpoint]), f"{rule.rule} has no access guard"


def test_matrix_covers_the_console_and_the_dashboard(app):
    kinds = {kind for _rule, kind in staff_rules(app)}
    assert kinds == {"operator", "supervisor"}
    assert len(staff_rules(app)) >= 10


@pytest.mark.parametrize("role", ROLES)
def test_role_against_every_staff_route(app, cast: Cast, complaint_code: str, role: str):
    client = app.test_client()
    if role == "citizen":
        from booking.citizen import owner

        with client.session_transaction() as session, app.test_request_context():
            session[owner.SESSION_KEY] = owner.remember("0499370899", "09121234567")
    elif role != "anonymous":
        log_in(client, cast.users[role])
    wrong = []
    for rule, kind in staff_rules(app):
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **fill(rule, cast, complaint_code))
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        about_office = bool(OFFICE_ARGUMENTS & (rule.arguments - set(rule.defaults or {})))
        about_nation = (rule.defaults or {}).get("level") == "nation"
        want, got = expected(role, kind, about_office, about_nation, rule.endpoint in PROVINCE_SCOPE), outcome(response)
        if want != got:
            wrong.append(f"{method} {url} ({kind}): expected {want}, got {got} ({response.status_code})")
        db.session.rollback()
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
