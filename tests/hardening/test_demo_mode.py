"""Demo mode (the readable SMS outbox) only when asked for: ``SAFNAMA_DEMO=1``, as ``scripts/run`` does."""
from __future__ import annotations

from pathlib import Path

from booking import PROJECT_ROOT, create_app
from booking.config import load_config


def test_sqlite_alone_does_not_turn_demo_mode_on(tmp_path: Path):
    config = load_config(tmp_path, {})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and config["DEMO_MODE"] is False
    assert config["DEMO_ACTIVITY"] is False
    assert load_config(tmp_path, {"SAFNAMA_DEMO": "1"})["DEMO_MODE"] is True


def test_no_outbox_page_unless_asked(backend, monkeypatch):
    monkeypatch.delenv("SAFNAMA_DEMO", raising=False)
    config = {k: v for k, v in backend["config"].items() if k != "DEMO_MODE"}
    application = create_app(config)
    assert application.config["DEMO_MODE"] is False
    assert application.test_client().get("/dev/outbox").status_code == 404
    from booking.redis_conn import redis_handle

    redis_handle(application).close()


def test_the_run_script_asks_for_demo_mode():
    assert "SAFNAMA_DEMO" in (PROJECT_ROOT / "scripts" / "run").read_text()
