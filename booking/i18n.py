"""Languages: Persian first (right to left), English second; Jalali dates and Persian digits in Persian."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, has_request_context, request, session
from flask.globals import _cv_request
from flask_babel import get_locale, get_translations

from booking import dates, numbers
from booking.extensions import babel

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def translation_directories() -> list[Path]:
    """Each feature package keeps its own catalogue in a ``translations`` folder; all are merged."""
    found = []
    for package in ("booking", "offices"):
        found += sorted((PROJECT_ROOT / package).rglob("translations"))
    return [path for path in found if path.is_dir()]


def compile_catalogs(directories: list[Path] | None = None) -> None:
    """Compile each ``messages.po`` to ``messages.mo`` when the ``.mo`` is missing or older."""
    for po_path in (p for d in (directories or translation_directories()) for p in d.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        # A file of its own for each process: processes starting together (gunicorn's workers, the RQ worker,
        # two commands) each write theirs and move it into place, and the last move wins whole.
        fd, name = tempfile.mkstemp(dir=mo_path.parent, prefix="messages.", suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as mo_file:
                write_mo(mo_file, catalog)
            os.chmod(name, 0o644)
            os.replace(name, mo_path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise


def select_locale() -> str:
    """``?lang=`` for this request, then the language kept in the session, then Persian."""
    if not has_request_context():  # jobs and commands: Persian
        return "fa"
    languages = g.get("languages") or ("fa", "en")
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    kept = session.get("lang")
    if kept in languages:
        return kept
    if request.path.startswith("/api/"):
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    return "fa"


def init_app(app: Flask) -> None:
    directories = translation_directories()
    compile_catalogs(directories)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(str(d) for d in directories))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    # Templates translate through the request's catalogue, looked up once per request: Flask-Babel's own
    # callables look it up again for every string (a page of office cards has hundreds).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)


def _per_request(name: str, make: Callable[[], Any]) -> Any:
    """``make()``, kept on the current request (computed each time outside one). Read straight from Flask's
    context variable: a page asks for its language and catalogue hundreds of times."""
    context = _cv_request.get(None)
    if context is None:
        return make()
    kept = context.request.__dict__
    try:
        return kept[name]
    except KeyError:
        value = kept[name] = make()
        return value


def translations() -> Any:
    """The request's translations (Flask-Babel's, merged from every feature's catalogue)."""
    return _per_request("safnama_translations", get_translations)


def current_locale() -> str:
    """``fa`` or ``en``: the language of this request's page."""
    return _per_request("safnama_locale", _locale_language)


def _locale_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "fa"


def local_number(value: int | float, decimals: int | None = None) -> str:
    """A number in the request's language (:func:`booking.numbers.format_number`): ``۱۲٬۳۴۵٫۶`` in Persian,
    ``12,345.6`` in English. The same few numbers recur on every page (minutes, people, counters): the text
    of each is kept in the process."""
    key = (value.__class__, value, current_locale(), decimals)
    try:
        return _NUMBERS[key]
    except KeyError:
        if len(_NUMBERS) >= 4096:
            _NUMBERS.clear()
        text = _NUMBERS[key] = numbers.format_number(value, key[2], decimals)
        return text


_NUMBERS: dict[tuple, str] = {}


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Flask-Babel's ``ngettext``, with the count (``%(num)s``) written by :func:`local_number`."""
    variables.setdefault("num", local_number(num))
    return translations().ungettext(singular, plural, num) % variables


def opens_text(opens_at) -> str:
    """"closed now: opens Saturday 1405/09/15 at 07:30" in the request's language (the Jalali day and Tehran
    time): what every surface says of an office closed now, instead of a wait."""
    from flask_babel import gettext as _

    locale = current_locale()
    return _("closed now: opens %(day)s at %(time)s", day=dates.jalali_date(opens_at, locale, with_weekday=True),
             time=dates.clock(opens_at, locale))


def local_digits(value: object) -> str:
    """``value`` as text in the request's language: a number through :func:`local_number` (Persian digits and
    separators in Persian), anything else (a ticket number ``A-012``) with its digits localised."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return local_number(value)
    return numbers.localize_digits(value, current_locale())


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def language_context() -> dict:
        locale = current_locale()
        return {
            "locale": locale,
            "text_direction": "rtl" if locale == "fa" else "ltr",
            "today_jalali": dates.jalali_long(dates.utcnow(), locale),
        }

    app.add_template_filter(local_digits, "digits")
    app.add_template_filter(local_number, "number")

    @app.template_filter("jdate")
    def jdate_filter(value, with_weekday: bool = False) -> str:
        return dates.jalali_date(value, current_locale(), with_weekday)

    @app.template_filter("jlong")
    def jlong_filter(value) -> str:
        return dates.jalali_long(value, current_locale())

    @app.template_filter("clock")
    def clock_filter(value) -> str:
        return dates.clock(value, current_locale())

    @app.template_filter("localized")
    def localized_filter(obj, attribute: str) -> str:
        """``office|localized('name')`` → ``office.name_fa`` or ``office.name_en``."""
        return getattr(obj, f"{attribute}_{current_locale()}")
