"""``next=`` after a language switch or a login goes only to a path of this site, whatever it holds."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.hardening.conftest import PASSWORD, Cast

HOSTILE = [
    "/%09/evil.example/", "/\t/evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example/",
    "https://evil.example/", "https:/evil.example", "javascript:alert(1)", "/\r\n/evil.example/",
    "/%0d%0aSet-Cookie:%20x=1", "\r\nLocation: https://evil.example", "/\x00/evil.example", " //evil.example",
    "/\u3000/evil.example",
]


def _as_a_browser_reads_it(location: str) -> tuple[str, str, str]:
    """Browsers drop tabs and newlines from a URL and read a backslash as a slash."""
    cleaned = "".join(ch for ch in location if ch not in "\t\r\n").replace("\\", "/").strip()
    parts = urlsplit(cleaned)
    return parts.scheme, parts.netloc, cleaned


def _assert_stays_here(response) -> None:
    assert response.status_code == 302, response.status_code
    scheme, netloc, cleaned = _as_a_browser_reads_it(response.headers["Location"])
    assert scheme == "" and netloc == "", response.headers["Location"]
    assert cleaned.startswith("/") and not cleaned.startswith("//"), response.headers["Location"]


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_never_leaves_the_site(client, target: str):
    _assert_stays_here(client.get("/language/en", query_string={"next": target}))


@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_leaves_the_site(app, cast: Cast, target: str):
    response = app.test_client().post("/login", query_string={"next": target},
                                      data={"username": cast.users["admin"].username, "password": PASSWORD})
    _assert_stays_here(response)


def test_a_path_of_the_site_is_kept(client):
    response = client.get("/language/en", query_string={"next": "/find?province=23&service=x"})
    assert response.headers["Location"] == "/find?province=23&service=x"
