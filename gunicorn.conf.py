"""gunicorn's settings for Safnama, read by ``gunicorn wsgi:app`` when started in this directory.

Threaded workers: browsers open connections they send nothing on yet (Chromium preconnects the one it
expects to need next). A sync worker waits on such a connection until its timeout, 30 s, and serves nobody
meanwhile, so a few open tabs stall the site; a threaded worker serves on its other threads and sets idle
connections aside until they send a request.
The number of worker processes is gunicorn's own setting (``-w``, or ``WEB_CONCURRENCY``); anything here
can be overridden on the command line or in ``GUNICORN_CMD_ARGS``.

Without ``REDIS_URL`` each process would start its own embedded Redis: one-time codes sent through one
worker would be "expired" in the other, per-mobile caps would double and the public load would disagree.
So more than one worker without ``REDIS_URL`` is refused at start, in one line.

Each worker listens on its own socket on the same port (``SO_REUSEPORT``), and the kernel spreads new
connections over them. On one shared socket the worker that wakes first takes whatever is waiting: a burst of
keep-alive connections (a proxy's, or a load tool's) often all went to one worker while the other idled, and
stayed there for as long as they were kept open.

Responses say ``Server: Safnama`` rather than naming the server software.
"""
import os
import sys

import gunicorn.http.wsgi

worker_class = "gthread"
threads = 4
reuse_port = True

gunicorn.http.wsgi.SERVER = "Safnama"  # the Server header gunicorn writes on every response


def on_starting(server) -> None:
    """Refuse several workers on the embedded Redis (one per process) before any worker starts; fix when a
    chosen clock (``SAFNAMA_CLOCK``) was read, so that every worker keeps the same clock."""
    from booking.dates import anchor_clock

    anchor_clock(os.environ)
    if server.cfg.workers > 1 and not os.environ.get("REDIS_URL", "").strip():
        sys.stderr.write(f"error: {server.cfg.workers} workers would each start their own embedded Redis; "
                         "set REDIS_URL to a Redis server shared by all of them, or run one worker (-w 1)\n")
        sys.exit(2)


def post_worker_init(worker) -> None:
    """The application is loaded: keep what it made at start (modules, templates, tables) out of the garbage
    collector's full passes, which otherwise walk them again and again while pages are served."""
    import gc

    gc.collect()
    gc.freeze()
