"""Configuration from the environment, and the one-line errors for unusable settings."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from booking.config import ConfigError, database_uri, load_config, redis_url


def test_database_defaults_to_sqlite_file_under_instance(tmp_path: Path) -> None:
    assert database_uri(None, tmp_path) == f"sqlite:///{tmp_path / 'safnama.sqlite3'}"


def test_postgres_scheme_uses_psycopg_driver(tmp_path: Path) -> None:
    assert database_uri("postgres://u@db:5432/x", tmp_path) == "postgresql+psycopg://u@db:5432/x"
    assert database_uri("postgresql://u@db/x", tmp_path).startswith("postgresql+psycopg://")


@pytest.mark.parametrize("raw, words", [
    ("not a url", "is not a database URL"),
    ("mysql://u@h/x", "not supported"),
    ("postgresql://u@h", "no database name"),
])
def test_bad_database_url_names_the_variable(tmp_path: Path, raw: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        database_uri(raw, tmp_path)
    assert str(info.value).startswith("DATABASE_URL:")
    assert words in str(info.value)


def test_redis_url_is_checked() -> None:
    assert redis_url(None) is None
    assert redis_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    with pytest.raises(ConfigError, match="^REDIS_URL:"):
        redis_url("http://127.0.0.1:6379")


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_config(tmp_path, {})["SECRET_KEY"]
    second = load_config(tmp_path, {})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert load_config(tmp_path, {"SECRET_KEY": "given"})["SECRET_KEY"] == "given"


def test_defaults_are_embedded_redis_persian_and_tehran(tmp_path: Path) -> None:
    config = load_config(tmp_path, {})
    assert config["REDIS_URL"] is None and config["REDIS_EMBEDDED_PATH"].startswith(str(tmp_path))
    assert config["BABEL_DEFAULT_LOCALE"] == "fa"
    assert config["TIMEZONE"] == "Asia/Tehran"


def _safnama(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("safnama")
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    full_env.update(env, SAFNAMA_INSTANCE=str(tmp_path))
    return subprocess.run([str(script), *args], env=full_env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("env, variable", [
    ({"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, "DATABASE_URL"),
    ({"REDIS_URL": "ftp://x"}, "REDIS_URL"),
    ({"REDIS_URL": "redis://127.0.0.1:1/0"}, "REDIS_URL"),
    ({"PUBLIC_BASE_URL": "javascript:alert(1)"}, "PUBLIC_BASE_URL"),
    ({"PUBLIC_BASE_URL": "safnama.example.ir"}, "PUBLIC_BASE_URL"),
])
def test_command_line_reports_bad_settings_in_one_line(tmp_path: Path, env: dict, variable: str) -> None:
    result = _safnama(["check"], env, tmp_path)
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_command_line_check_passes_on_defaults(tmp_path: Path) -> None:
    result = _safnama(["check"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "reachable" in result.stdout


def test_remote_queue_settings_are_checked(tmp_path: Path) -> None:
    from booking.config import ConfigError, load_config

    config = load_config(tmp_path, {"SMS_INBOUND_TOKEN": "t0k", "REMOTE_MISS_RISK": "0.1"})
    assert config["SMS_INBOUND_TOKEN"] == "t0k" and config["REMOTE_MISS_RISK"] == 0.1
    assert config["REMOTE_AHEAD_ALERT"] == 3
    for bad in ({"REMOTE_MISS_RISK": "0.9"}, {"REMOTE_MISS_RISK": "often"}, {"REMOTE_AHEAD_ALERT": "0"}):
        with pytest.raises(ConfigError, match="REMOTE_"):
            load_config(tmp_path, bad)


def test_call_windows_are_configured_and_checked(tmp_path: Path) -> None:
    config = load_config(tmp_path, {"QUEUE_EARLY_GRACE_MINUTES": "10", "QUEUE_LATE_GRACE_MINUTES": "20"})
    assert (config["QUEUE_EARLY_GRACE_MINUTES"], config["QUEUE_LATE_GRACE_MINUTES"]) == (10.0, 20.0)
    with pytest.raises(ConfigError, match="QUEUE_"):
        load_config(tmp_path, {"QUEUE_LATE_GRACE_MINUTES": "-5"})
