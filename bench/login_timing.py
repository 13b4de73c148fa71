"""Time of a refused staff login: a wrong password for a real username against one for an unknown username.

Both should take the same time (an unknown username is checked against a dummy hash of the same cost), so
that timing does not tell which usernames exist. Each attempt comes from its own address, so throttling
does not shorten any. Printed: median and p90 of each, and their ratio.

    .venv/bin/python -m bench.login_timing [--tries 40]

Runs on a fresh SQLite file and an embedded Redis in a temporary instance folder, through the test client.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("SAFNAMA_INSTANCE", tempfile.mkdtemp(prefix="safnama-bench-"))
    os.environ.setdefault("SAFNAMA_DEMO", "0")
    from booking import create_app
    from booking.extensions import db

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from offices.models import User

        user = User(username="admin-bench", full_name="bench", role="admin")
        user.set_password("the right password 1")
        db.session.add(user)
        db.session.commit()
        client = app.test_client()
        times: dict[str, list[float]] = {"real": [], "unknown": []}
        for n in range(args.tries):
            for kind, username in (("real", "admin-bench"), ("unknown", "admin-nobody")):
                start = time.perf_counter()
                response = client.post("/login", data={"username": username, "password": "wrong"},
                                       environ_base={"REMOTE_ADDR": f"10.9.{n // 250}.{n % 250}"})
                times[kind].append((time.perf_counter() - start) * 1000)
                assert response.status_code == 401, response.status_code
        for kind, values in times.items():
            values.sort()
            print(f"{kind:8s} username, wrong password: median {statistics.median(values):6.1f} ms, "
                  f"p90 {values[int(len(values) * 0.9)]:6.1f} ms ({len(values)} tries)")
        ratio = statistics.median(times["unknown"]) / statistics.median(times["real"])
        print(f"unknown / real (medians): {ratio:.2f}")


if __name__ == "__main__":
    main()
