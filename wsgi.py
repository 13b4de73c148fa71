"""The WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""
from __future__ import annotations

import sys

from booking import ConfigError, create_app

try:
    app = create_app()
except ConfigError as error:
    sys.stderr.write(f"error: {error}\n")
    raise SystemExit(2) from None
