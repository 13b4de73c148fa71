"""Security headers, no inline script, CSRF on every form, masking, password hashing, audit log, no secrets."""
from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from booking import PROJECT_ROOT
from booking.extensions import db
from booking.security import (
    CONTENT_SECURITY_POLICY,
    PiiMaskingFilter,
    mask_pii,
    mask_text,
)
from tests.hardening.conftest import Cast, log_in

TEMPLATES = PROJECT_ROOT / "templates"


# ---------------------------------------------------------------- headers

@pytest.mark.parametrize("path", ["/", "/find", "/login", "/api/offices", "/api/docs", "/no-such-page"])
def test_security_headers_on_pages_api_and_errors(client, path: str):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    # The policy, with the street map's tile server (and only it) allowed as a source of images.
    assert csp == CONTENT_SECURITY_POLICY.replace("img-src 'self' data:",
                                                  "img-src 'self' data: https://tile.openstreetmap.org")
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS


def test_hsts_when_served_over_https(client):
    response = client.get("/", base_url="https://safnama.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_cookie_flags(app, client, cast: Cast):
    response = client.post("/login", data={"username": cast.users["admin"].username, "password": "correct horse 7"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# ---------------------------------------------------------------- no inline script anywhere

def _template_files() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_templates_have_no_inline_script_handler_or_style():
    found = []
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0):
                found.append(f"{path.name}: inline <script>")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            found.append(f"{path.name}: event handler attribute {match.group(0).strip()}")
        if "javascript:" in text:
            found.append(f"{path.name}: javascript: URL")
        if re.search(r"<style\b|<[a-z][^<>{]*\sstyle\s*=\s*[\"']", text):
            found.append(f"{path.name}: inline style (blocked by style-src 'self')")
    assert not found, "\n".join(found)


def test_python_made_markup_has_no_inline_script():
    """SVG charts and heatmaps are made in Python; they must not carry script or event handlers either."""
    found = []
    for package in ("booking", "offices"):
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"<script\b(?![^>]*src=)", text) or re.search(r"""\son(click|load|error|mouse\w+)=""", text):
                found.append(str(path.relative_to(PROJECT_ROOT)))
    assert not found


# ---------------------------------------------------------------- CSRF

def test_every_post_form_carries_a_csrf_token():
    missing = []
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<form\b[^>]*>(.*?)</form>", text, flags=re.DOTALL | re.IGNORECASE):
            opening = match.group(0)[:match.group(0).index(">") + 1].lower()
            if "method=\"get\"" in opening or "method" not in opening:
                continue
            if "csrf_token" not in match.group(1) and "hidden_tag" not in match.group(1):
                missing.append(f"{path.relative_to(TEMPLATES)}: {opening[:80]}")
    assert not missing, "\n".join(missing)


@pytest.fixture()
def csrf_app(backend):
    """The application with CSRF checks on (the shared test config turns them off)."""
    from booking import create_app

    application = create_app(dict(backend["config"], WTF_CSRF_ENABLED=True))
    with application.app_context():
        yield application
        db.session.remove()
    from booking.redis_conn import redis_handle

    redis_handle(application).close()


def test_session_posts_without_a_token_are_refused(csrf_app, app, cast: Cast):
    client = csrf_app.test_client()
    assert client.post("/login", data={"username": cast.users["admin"].username,
                                       "password": "correct horse 7"}).status_code == 400
    for path in (f"/console/{cast.office_a.code}/walk-in", "/my", "/logout", "/complaints/new"):
        assert client.post(path, data={}).status_code in (400, 404, 405), path


def test_login_with_a_token_is_accepted(csrf_app, app, cast: Cast):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": cast.users["admin"].username,
                                           "password": "correct horse 7"})
    assert response.status_code == 302


def test_the_api_keeps_no_session(client):
    """The API is exempt from CSRF because no API view uses the session (only the language is read from it)."""
    for path in (PROJECT_ROOT / "booking" / "api").glob("*.py"):
        assert not re.search(r"\bsession\[|\bsession\.get\(|current_user", path.read_text(encoding="utf-8")), path
    response = client.get("/api/offices")
    assert "Set-Cookie" not in response.headers


# ---------------------------------------------------------------- masking

def test_mask_text_hides_national_ids_and_mobiles():
    text = "nid=0499370899 mobile 09121234567, +989121234567 and ۰۹۱۲۱۲۳۴۵۶۷; office 000123; code ABCD234567"
    masked = mask_text(text)
    assert "0499370899" not in masked and "049****899" in masked
    assert "09121234567" not in masked and "0912***4567" in masked
    assert "+989121234567" not in masked and "+98912***4567" in masked
    assert "۰۹۱۲۱۲۳۴۵۶۷" not in masked
    assert "000123" in masked and "ABCD234567" in masked


def test_logs_are_masked_whatever_the_logger(caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("safnama.test").info("booked for %s with mobile %s", "0499370899", "09121234567")
    try:
        raise ValueError("duplicate key (national_id)=(0499370899)")
    except ValueError:
        logging.getLogger("sqlalchemy.test").exception("insert failed")
    text = caplog.text
    assert "0499370899" not in text and "09121234567" not in text
    assert "049****899" in text and "0912***4567" in text


def test_masking_filter_on_a_handler():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "to %s", ("09121234567",), None)
    PiiMaskingFilter().filter(record)
    assert record.getMessage() == "to 0912***4567"


def test_pii_in_full_only_for_the_office_handling_it(app, cast: Cast):
    from flask_login import login_user

    from offices.dashboard.complaints import file_complaint

    complaint = file_complaint(cast.office_a, "Nobody answered.", "09121234567")
    db.session.commit()
    seen = {}
    for role in ("operator_a", "operator_b", "national_supervisor", "admin"):
        with app.test_request_context():
            login_user(cast.users[role])
            seen[role] = mask_pii(complaint.contact, cast.office_a)
    assert seen["operator_a"] == seen["admin"] == "09121234567"
    assert seen["operator_b"] == seen["national_supervisor"] == "0912***4567"
    client = log_in(app.test_client(), cast.users["national_supervisor"])
    page = client.get(f"/dashboard/complaints/{complaint.public_code}").get_data(as_text=True)
    assert "0912***4567" in page and "09121234567" not in page


# ---------------------------------------------------------------- passwords

def test_passwords_are_hashed_with_scrypt(app, cast: Cast):
    user = cast.users["operator_a"]
    assert user.password_hash.startswith("scrypt:")
    assert "correct horse 7" not in user.password_hash
    assert user.check_password("correct horse 7") and not user.check_password("correct horse 8")
    other = cast.users["operator_b"]
    assert other.password_hash != user.password_hash  # salted


# ---------------------------------------------------------------- audit log

def test_staff_actions_and_logins_are_audited(app, cast: Cast):
    from booking.audit import AuditEntry
    from offices.dashboard.complaints import file_complaint

    client = app.test_client()
    assert client.post("/login", data={"username": cast.users["operator_a"].username,
                                       "password": "wrong"}).status_code == 401
    log_in(client, cast.users["operator_a"])
    service = cast.office_a.services[0]
    client.post(f"/console/{cast.office_a.code}/walk-in", data={"service": service.code})
    client.post("/logout")
    complaint = file_complaint(cast.office_a, "Nobody answered.", "")
    db.session.commit()
    supervisor = log_in(app.test_client(), cast.users["national_supervisor"])
    supervisor.post(f"/dashboard/complaints/{complaint.public_code}",
                    data={"status": "resolved", "answer": "We added a counter."})
    db.session.expire_all()
    rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    summary = [(r.username, r.action, r.status) for r in rows]
    operator, national = cast.users["operator_a"].username, cast.users["national_supervisor"].username
    assert (operator, "auth.login", 401) in summary
    assert (operator, "auth.login", 302) in summary
    assert any(r.username == operator and r.action == "console.act" and r.role == "operator" for r in rows)
    assert any(r.username == operator and r.action == "auth.logout" for r in rows)
    assert any(r.username == national and r.action == "dashboard.complaint" and r.method == "POST" for r in rows)
    assert all(r.at is not None and r.address for r in rows)


def test_citizen_posts_are_not_staff_audit(app, client):
    from booking.audit import AuditEntry

    client.post("/my", data={"national_id": "0499370899", "mobile": "09121234567"})
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == 0


# ---------------------------------------------------------------- no secret in the repository

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abpr]-[A-Za-z0-9-]{10,}\b"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    "password in a URL": re.compile(r"\b[a-z+]+://[^/\s:@'\"]+:(?!\{|\$|\*|password@|pass@|secret@)[^@\s/'\"]{3,}@"),
    "hard-coded secret key": re.compile(
        r"""(?i)\b(SECRET_KEY|API_KEY|SMS_HTTP_TOKEN|AUTH_TOKEN)\b\s*[=:]\s*["'][A-Za-z0-9+/_\-]{16,}["']"""),
}


def _tracked_files() -> list[Path]:
    try:
        names = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True,
                               timeout=30).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: every file
        return [p for p in PROJECT_ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    return [PROJECT_ROOT / name for name in names if name]


def test_no_secret_in_the_repository():
    found = []
    for path in _tracked_files():
        if not path.is_file() or path.stat().st_size > 2_000_000 or path.suffix in (".png", ".woff2", ".ico"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for name, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(PROJECT_ROOT)}: {name}: {match.group(0)[:40]}")
    assert not found, "\n".join(found)
    assert not (PROJECT_ROOT / "instance" / "secret_key").exists() or "instance/secret_key" not in {
        str(p.relative_to(PROJECT_ROOT)) for p in _tracked_files()}


@pytest.mark.parametrize("tiles, img_src", [
    ("none", "img-src 'self' data:;"),
    ("https://{s}.tiles.example.ir/{z}/{x}/{y}.png", "img-src 'self' data: https://*.tiles.example.ir;"),
    ("http://127.0.0.1:8090/{z}/{x}/{y}.png", "img-src 'self' data: http://127.0.0.1:8090;"),
])
def test_the_tile_server_is_the_only_other_image_source(backend, tiles, img_src):
    from booking import create_app

    app = create_app(dict(backend["config"], MAP_TILE_URL=tiles if tiles != "none" else ""))
    csp = app.test_client().get("/").headers["Content-Security-Policy"]
    assert img_src in csp + ";"


@pytest.mark.parametrize("raw", ["javascript:alert(1)//{z}/{x}/{y}", "https://tiles.example.ir/map.png",
                                 "ftp://tiles.example.ir/{z}/{x}/{y}.png"])
def test_a_tile_address_that_is_not_one_is_refused_at_start(raw):
    from booking.maps import MapConfigError, tile_url

    with pytest.raises(MapConfigError):
        tile_url(raw)
    assert tile_url(None).startswith("https://tile.openstreetmap.org/") and tile_url("none") == ""
