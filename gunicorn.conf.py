"""gunicorn's settings for Safnama, read by ``gunicorn wsgi:app`` when started in this directory.

Threaded workers: browsers open connections they send nothing on yet (Chromium preconnects the one it
expects to need next). A sync worker waits on such a connection until its timeout, 30 s, and serves nobody
meanwhile, so a few open tabs stall the site; a threaded worker serves on its other threads and sets idle
connections aside until they send a request.
The number of worker processes is gunicorn's own setting (``-w``, or ``WEB_CONCURRENCY``); anything here
can be overridden on the command line or in ``GUNICORN_CMD_ARGS``.
"""
worker_class = "gthread"
threads = 4
