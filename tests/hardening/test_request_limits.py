"""Oversized bodies get 413 and JSON nested too deep gets 400, never a 500."""
from __future__ import annotations

import pytest

DEEP = "[" * 2000 + "]" * 2000
DEEP_OBJECT = '{"a":' * 2000 + "1" + "}" * 2000


def test_a_body_over_the_limit_gets_413_in_the_api(client):
    response = client.post("/api/otp", data=b'{"mobile": "' + b"9" * 2_000_000 + b'"}',
                           content_type="application/json", headers={"Accept-Language": "en"})
    assert response.status_code == 413
    body = response.get_json()
    assert body["status"] == 413 and "large" in body["title"] and "1 MB" in body["detail"]


def test_a_form_over_the_limit_gets_413_as_a_page(client):
    response = client.post("/complaints/new", data={"office": "1", "text": "x" * 2_000_000},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert "1 MB" in response.get_data(as_text=True)


def test_the_limit_is_one_megabyte(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


@pytest.mark.parametrize("path", ["/api/otp", "/api/appointments", "/api/offices/000001/going"])
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_deeply_nested_json_gets_400(client, path: str, body: str):
    response = client.post(path, data=body, content_type="application/json", headers={"Accept-Language": "en"})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["status"] == 400
