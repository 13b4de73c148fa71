"""A bare Flask application with one JSON endpoint: the ceiling ``bench/http.py`` compares Safnama with."""
from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/ping")
def ping():
    return jsonify({"ok": True, "waiting": 0, "level": "quiet"})
