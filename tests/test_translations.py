"""Every string shown to people has a Persian translation in one of the feature catalogues."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from booking.i18n import PROJECT_ROOT, translation_directories

METHOD_MAP = [("booking/**.py", "python"), ("offices/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def persian_translations() -> dict[str, str]:
    merged: dict[str, str] = {}
    for directory in translation_directories():
        po_path = Path(directory) / "fa" / "LC_MESSAGES" / "messages.po"
        if po_path.exists():
            with po_path.open("rb") as po_file:
                for message in read_po(po_file):
                    text = message.string if isinstance(message.string, str) else (message.string or [""])[0]
                    if message.id and text and not message.fuzzy:
                        key = message.id if isinstance(message.id, str) else message.id[0]
                        merged.setdefault(key, text)
    return merged


def test_every_message_has_a_persian_translation() -> None:
    translated = persian_translations()
    missing = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(PROJECT_ROOT), METHOD_MAP, keywords=KEYWORDS,
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        if filename.startswith((".venv", "tests", "build")):
            continue
        msgid = message if isinstance(message, str) else message[0]
        if msgid and msgid not in translated:
            missing.add(f"{filename}: {msgid!r}")
    assert not missing, "untranslated:\n" + "\n".join(sorted(missing))
