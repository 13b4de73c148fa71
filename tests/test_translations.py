"""Every string shown to people has a Persian translation in one of the feature catalogues."""
from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from booking.i18n import PROJECT_ROOT, compile_catalogs, translation_directories

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


def _compile_after(ready, directory: str) -> None:
    po_path = Path(directory) / "fa" / "LC_MESSAGES" / "messages.po"
    ready.wait()
    for _ in range(20):  # the catalogue edited again and again: each compiles it anew
        later = time.time() + 3600
        os.utime(po_path, (later, later))
        compile_catalogs([Path(directory)])


def test_processes_starting_together_compile_the_catalogue_without_tripping_on_each_other(tmp_path) -> None:
    """gunicorn's workers and the RQ worker start at once on a fresh checkout: each compiles the catalogues, and
    none may fail on another's half-written file."""
    source = next(d for d in translation_directories() if (d / "fa" / "LC_MESSAGES" / "messages.po").exists())
    directory = tmp_path / "translations"
    (directory / "fa" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(source / "fa" / "LC_MESSAGES" / "messages.po", directory / "fa" / "LC_MESSAGES" / "messages.po")
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    workers = [context.Process(target=_compile_after, args=(ready, str(directory))) for _ in range(6)]
    for worker in workers:
        worker.start()
    ready.set()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0] * len(workers)
    mo_path = directory / "fa" / "LC_MESSAGES" / "messages.mo"
    with mo_path.open("rb") as mo_file:
        assert len(list(read_mo(mo_file))) > 10
    assert sorted(p.name for p in mo_path.parent.iterdir()) == ["messages.mo", "messages.po"]
