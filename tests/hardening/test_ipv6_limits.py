"""Defect 2 (part): per-address limits were keyed on the full IPv6 address, so one subscriber (who holds a /64)
got a fresh allowance with every address. They are now keyed on the /64; IPv4 as is, IPv4-mapped as IPv4."""
from __future__ import annotations

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from booking.limits import client_address


def _otp(client, n: int, **request):
    return client.post("/api/otp", json={"mobile": f"0912555{n:04d}", "purpose": "booking"}, **request)


@pytest.mark.parametrize(("remote", "key"), [
    ("10.1.2.3", "10.1.2.3"),
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("::ffff:10.1.2.3", "10.1.2.3"),
    ("fe80::1%eth0", "fe80::/64"),
])
def test_client_address_keys_ipv6_on_its_64(app, remote: str, key: str):
    with app.test_request_context(environ_base={"REMOTE_ADDR": remote}):
        assert client_address() == key


def test_addresses_in_one_64_share_a_limit_and_another_64_does_not(client):
    for n in range(5):  # 5 a minute per address: each from a new address of the same /64
        answer = _otp(client, n, environ_base={"REMOTE_ADDR": f"2001:db8:77:1::{n + 1:x}"})
        assert answer.status_code == 202, answer.get_json()
    refused = _otp(client, 5, environ_base={"REMOTE_ADDR": "2001:db8:77:1:dead:beef:0:1"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    other = _otp(client, 6, environ_base={"REMOTE_ADDR": "2001:db8:77:2::1"})  # the next /64
    assert other.status_code == 202


def test_an_ipv4_mapped_address_counts_as_its_ipv4_address(client):
    for n in range(5):
        remote = "10.9.9.9" if n % 2 else "::ffff:10.9.9.9"
        assert _otp(client, 20 + n, environ_base={"REMOTE_ADDR": remote}).status_code == 202
    assert _otp(client, 30, environ_base={"REMOTE_ADDR": "::ffff:10.9.9.9"}).status_code == 429
    assert _otp(client, 31, environ_base={"REMOTE_ADDR": "10.9.9.10"}).status_code == 202


def test_behind_a_proxy_the_forwarded_address_is_keyed_on_its_64(app):
    """With ``ProxyFix`` (as a deployment behind a reverse proxy sets it up) every request comes from the proxy;
    the limit follows the client's forwarded address, by /64."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.254"}
    for n in range(5):
        answer = _otp(client, 40 + n, environ_base=proxy, headers={"X-Forwarded-For": f"2001:db8:99:5::{n + 1:x}"})
        assert answer.status_code == 202
    assert _otp(client, 50, environ_base=proxy, headers={"X-Forwarded-For": "2001:db8:99:5::ff"}).status_code == 429
    assert _otp(client, 51, environ_base=proxy, headers={"X-Forwarded-For": "2001:db8:99:6::1"}).status_code == 202
