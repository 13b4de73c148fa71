"""Text messages: every SMS is first a row in the outbox, then delivered by a job through a backend.

``queue_sms`` is what views, the API and jobs call. It writes the :class:`SmsMessage` row (a repeated
``dedupe_key`` returns the row already written, so a retried job sends nothing twice) and, once the
request's transaction commits, enqueues :func:`deliver_sms` on RQ. The job hands the message to the
configured :class:`SmsBackend`:

* ``outbox`` (default): the message is only stored; in demo mode ``/dev/outbox`` shows it;
* ``http``: an SMS provider's HTTP API, configured by environment variables
  ``SMS_HTTP_URL`` (POST endpoint), ``SMS_HTTP_TOKEN`` (sent as ``Authorization: Bearer``),
  ``SMS_HTTP_SENDER`` (the sender line) and ``SMS_HTTP_TIMEOUT`` (seconds, default 10).

Choose with ``SMS_BACKEND=outbox|http``.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import urllib.error
import urllib.request
from typing import Protocol

from flask import has_app_context
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.dates import utcnow
from booking.extensions import db
from booking.models import SmsMessage

log = logging.getLogger(__name__)
_PENDING_KEY = "safnama_sms_pending"


class SmsBackend(Protocol):
    """Something that delivers one text message; raises on failure (the job is then retried)."""

    name: str

    def send(self, mobile: str, body: str) -> None: ...


class OutboxBackend:
    """Keeps messages in the outbox table only (the default; nothing leaves the machine)."""

    name = "outbox"

    def send(self, mobile: str, body: str) -> None:
        return None


class HttpProviderBackend:
    """Posts ``{"to", "from", "text"}`` as JSON to an SMS provider's HTTP endpoint."""

    name = "http"

    def __init__(self, url: str, token: str = "", sender: str = "", timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("SMS_HTTP_URL must be an http(s) URL")
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout

    def send(self, mobile: str, body: str) -> None:
        payload = json.dumps({"to": "+98" + mobile[1:], "from": self.sender, "text": body}).encode()
        request = urllib.request.Request(self.url, data=payload, method="POST",
                                         headers={"Content-Type": "application/json"})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
            if response.status >= 300:
                raise RuntimeError(f"SMS provider answered HTTP {response.status}")


def backend_from_environment(environ: dict[str, str] | None = None) -> SmsBackend:
    """The backend named by ``SMS_BACKEND`` (default ``outbox``)."""
    env = os.environ if environ is None else environ
    name = env.get("SMS_BACKEND", "outbox").strip() or "outbox"
    if name == "outbox":
        return OutboxBackend()
    if name == "http":
        return HttpProviderBackend(env.get("SMS_HTTP_URL", ""), env.get("SMS_HTTP_TOKEN", ""),
                                   env.get("SMS_HTTP_SENDER", ""), float(env.get("SMS_HTTP_TIMEOUT", "10")))
    raise ValueError(f"SMS_BACKEND: unknown backend {name!r} (use outbox or http)")


def queue_sms(mobile: str, body: str, purpose: str, dedupe_key: str | None = None) -> SmsMessage:
    """Write an SMS to the outbox and have it delivered after the current transaction commits.

    Args:
        mobile: normalised ``09xxxxxxxxx``.
        body: the text (Persian).
        purpose: what it is for, e.g. ``otp``, ``booking_confirmation``, ``reminder``.
        dedupe_key: a key unique to this message (e.g. ``reminder-day:<appointment id>``): a second call
            with the same key writes and sends nothing and returns the first message.
    """
    if dedupe_key is not None:
        found = db.session.scalar(select(SmsMessage).where(SmsMessage.dedupe_key == dedupe_key))
        if found is not None:
            return found
    message = SmsMessage(mobile=mobile, body=body, purpose=purpose, dedupe_key=dedupe_key, status="queued",
                         created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(message)
            db.session.flush()
    except IntegrityError:  # written by a concurrent run with the same key
        return db.session.scalar(select(SmsMessage).where(SmsMessage.dedupe_key == dedupe_key))
    db.session.info.setdefault(_PENDING_KEY, []).append(message.id)
    return message


def _enqueue_pending(session) -> None:
    ids = session.info.pop(_PENDING_KEY, None)
    if not ids or not has_app_context():
        return
    try:
        from booking.redis_conn import get_queue

        queue = get_queue()
        for message_id in ids:
            queue.enqueue("booking.sms.deliver_sms", message_id, job_id=f"sms-{message_id}",
                          retry=_retry())
    except Exception:  # Redis away: the messages stay queued; deliver_queued() sends them later
        log.warning("could not enqueue SMS delivery; %d message(s) stay queued", len(ids))


def _discard_pending(session) -> None:
    session.info.pop(_PENDING_KEY, None)


def _retry():
    from rq import Retry

    return Retry(max=5, interval=[10, 30, 60, 300, 900])


# Enqueue SMS deliveries when a transaction that wrote them commits; forget them when it rolls back.
if not event.contains(Session, "after_commit", _enqueue_pending):
    event.listen(Session, "after_commit", _enqueue_pending)
    event.listen(Session, "after_rollback", _discard_pending)


def deliver(message_id: int, backend: SmsBackend | None = None) -> str:
    """Send one outbox message through the backend unless it is already sent; returns its status."""
    message = db.session.get(SmsMessage, message_id, with_for_update=db.engine.dialect.name == "postgresql")
    if message is None:
        return "missing"
    if message.status == "sent":
        return "sent"
    backend = backend or backend_from_environment()
    backend.send(message.mobile, message.body)
    message.status = "sent"
    message.sent_at = utcnow()
    db.session.commit()
    return "sent"


def deliver_sms(message_id: int) -> str:
    """RQ job: deliver one outbox message (safe to run twice)."""
    from booking.job_context import job_context

    with job_context():
        return deliver(message_id)


def deliver_queued(limit: int = 500, older_than: dt.timedelta | None = None) -> int:
    """Deliver messages left queued (e.g. written while Redis was away); returns how many were sent.

    Args:
        older_than: only messages written at least this long ago (their own job has had its chance).
    """
    query = select(SmsMessage.id).where(SmsMessage.status == "queued")
    if older_than is not None:
        query = query.where(SmsMessage.created_at <= utcnow() - older_than)
    ids = list(db.session.scalars(query.order_by(SmsMessage.id).limit(limit)))
    return sum(1 for message_id in ids if deliver(message_id) == "sent")


def recent_messages(limit: int = 50) -> list[SmsMessage]:
    """The newest outbox messages (for the demo outbox page)."""
    return list(db.session.scalars(select(SmsMessage).order_by(SmsMessage.id.desc()).limit(limit)))
