"""The process's copy of the offices' public load documents, kept exact by Redis publish/subscribe.

``GET /api/offices/<code>/load`` is the most frequently polled endpoint (pages and lobby screens refresh
it). Its document is written to Redis with each live load (:func:`offices.live._write`, key
``live-public:<office id>``), which also publishes the offices' ids on :data:`offices.live.PUBLIC_CHANNEL`.
Each web process keeps the documents it has read and drops one as soon as its office is announced, so that
a read costs no Redis round trip and still never shows an older load than Redis holds (but for the
message's delivery, milliseconds): server-assisted client-side caching, done with a plain subscription
because Redis' own tracking needs a newer server than production runs.

Safety rules:

* nothing is kept unless the subscription is up: it is (re)made before any document is kept, and the copy
  is emptied whenever the connection drops (Redis restarting, or away: then every read goes to Redis, or
  to the database through :func:`booking.finder.public_load_document`);
* a document read from Redis is kept only if no announcement arrived while it was being read (a generation
  counter), so a late reply cannot overwrite a newer load;
* a kept document is reread after :data:`MAX_AGE` seconds anyway, bounding any failure the connection does
  not report;
* ``stale`` is decided on every read from the reading's time, by the caller.

The listener is a daemon thread started on first use in each process (after gunicorn's fork).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

import redis

from offices.live import PUBLIC_CHANNEL

log = logging.getLogger(__name__)

#: Seconds a kept document is served before it is read from Redis again.
MAX_AGE = 10.0
#: Seconds between reconnection attempts of the listener.
RETRY_AFTER = 1.0


class PublicLoadCache:
    """Documents by office id, dropped when :data:`PUBLIC_CHANNEL` announces their office.

    Args:
        client: the Redis client whose server publishes the announcements.
        max_age: seconds a document is kept at most.
    """

    def __init__(self, client: redis.Redis, max_age: float = MAX_AGE) -> None:
        self._client = client
        self._max_age = max_age
        self._docs: dict[int, tuple[float, bytes]] = {}
        self._generation = 0
        self._subscribed = False
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def subscribed(self) -> bool:
        """Whether the listener is subscribed (documents are kept only then)."""
        return self._subscribed

    def __contains__(self, office_id: int) -> bool:
        """Whether a document of the office is kept."""
        return office_id in self._docs

    def get(self, office_id: int, fetch: Callable[[], bytes | None]) -> bytes | None:
        """The office's document: the kept one, or ``fetch()`` (kept if it is safe to)."""
        self._ensure_listener()
        if self._subscribed:
            entry = self._docs.get(office_id)
            if entry is not None and time.monotonic() - entry[0] < self._max_age:
                return entry[1]
        generation = self._generation
        document = fetch()
        if document is not None and self._subscribed and generation == self._generation:
            self._docs[office_id] = (time.monotonic(), document)
        return document

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the listener and forget every document."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._forget_all()

    def _ensure_listener(self) -> None:
        if self._pid == os.getpid() or self._stop.is_set():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._forget_all()  # a forked child must not trust its parent's copy
            self._thread = threading.Thread(target=self._listen, name="public-load-listener", daemon=True)
            self._pid = os.getpid()
            self._thread.start()

    def _forget_all(self) -> None:
        self._subscribed = False
        self._generation += 1
        self._docs.clear()

    def _listen(self) -> None:
        while not self._stop.is_set():
            pubsub = None
            try:
                pubsub = self._client.pubsub()
                pubsub.subscribe(PUBLIC_CHANNEL)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self._forget_all()
                        self._subscribed = True
                    elif message["type"] == "message":
                        self._generation += 1
                        for raw in message["data"].split(b","):
                            self._docs.pop(int(raw), None)
            except Exception as exc:  # noqa: BLE001  (any failure: forget everything, reconnect)
                if not self._stop.is_set():
                    log.warning("public load announcements lost (%s); reading from Redis until back", exc)
            finally:
                self._forget_all()
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # noqa: BLE001
                        pass
            self._stop.wait(RETRY_AFTER)
