"""SQLite settings for every connection: enforce foreign keys, write-ahead log, wait on locks."""
from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False


def _configure(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 15000")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()


def install() -> None:
    """Listen for new connections once per process."""
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _configure)
        _installed = True
