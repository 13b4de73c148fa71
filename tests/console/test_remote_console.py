"""The console and the lobby with places taken from home: their state, checking them in, the next to call."""
from __future__ import annotations

from flask_babel import refresh

from booking.extensions import db
from offices import queue_ops
from tests.citizen.helpers import national_id
from tests.citizen.test_remote_queue_web import office  # noqa: F401  (the fixture: an open office, a walk-in)


def test_console_shows_remote_tickets_and_checks_them_in(client, office, make_user, login):  # noqa: F811
    from booking import remote_queue

    remote = remote_queue.join(office, office.services[0], national_id(), "09124440030")
    queue_ops.commit_and_publish(office.id)
    login(make_user("operator", office=office))
    refresh()
    board = client.get(f"/console/{office.code}?lang=en").get_data(as_text=True)
    assert "remote-at_home" in board and "Arrived" in board
    lobby = client.get(f"/lobby/{office.code}/state.json").get_json()
    assert lobby["remote_at_home"] == 1 and remote.ticket.number not in lobby["next"]
    assert client.post(f"/console/{office.code}/check-in", data={"query": remote.ticket.number}).status_code == 303
    db.session.refresh(remote)
    assert remote.here_at is not None
    lobby = client.get(f"/lobby/{office.code}/state.json").get_json()
    assert lobby["remote_at_home"] == 0 and remote.ticket.number in lobby["next"]
