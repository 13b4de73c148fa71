"""Parts of the citizens' pages repeated once per office (load badges, "I'm going" forms, office links, the
search form's options), written in Python from pieces kept in the process.

A find page shows some twenty-five load badges and seventy options; rendered by Jinja macros and loops they
cost more than the rest of the page. Here the part of a badge that depends only on the language and the load
figures is rendered once by the template's own macro (``citizen/_load.html``), kept, and reused with the
"updated ..." line written afresh; the other parts are formatted strings. The HTML is the same as
the templates write, character for character.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from flask import current_app, g, url_for
from markupsafe import Markup, escape

from booking.dates import clock, jalali_date, jalali_long, to_tehran, utcnow
from booking.i18n import current_locale, local_digits, translations

#: Entries a kept-pieces dict holds at most before it is emptied (they are cheap to make again).
MAX_KEPT = 4096
_lock = threading.Lock()
_BADGE_HEADS: dict[tuple, tuple[str, str]] = {}
_OPTIONS: dict[tuple, Markup] = {}
_UPDATED = '<small class="updated'


def _keep(kept: dict, key: tuple, value: Any) -> Any:
    if len(kept) >= MAX_KEPT:
        with _lock:
            kept.clear()
    kept[key] = value
    return value


def _macros() -> Any:
    """The module of ``citizen/_load.html`` (its macros, callable from Python)."""
    return current_app.jinja_env.get_template("citizen/_load.html").module


def badge_level(load: Any, fc: Any = None) -> str:
    """The level a badge shows (the forecast ``fc`` speaks of the moment the citizen would arrive)."""
    if fc and not fc.is_open:
        return "closed"
    if fc and fc.no_counter_open:
        return "no_counter"
    return load.level


def load_badge(load: Any, fc: Any = None) -> Markup:
    """The template macro ``load_badge(load, fc)``'s HTML: the badge but its last line rendered once per
    language and figures shown, the "updated ..." line written for now."""
    locale = current_locale()
    if load is None:
        key: tuple = (locale, None)
    else:
        key = (locale, badge_level(load, fc), load.waiting, load.counters_open, load.wait_p50, load.wait_p90,
               bool(load.stale))
    kept = _BADGE_HEADS.get(key)
    if kept is None:
        html = str(_macros().load_badge(load, fc))
        at = html.find(_UPDATED)
        if at < 0:  # no "updated" line (no load): kept whole
            kept = _keep(_BADGE_HEADS, key, (html, ""))
        else:
            opening_end = html.index(">", at) + 1
            kept = _keep(_BADGE_HEADS, key, (html[:opening_end], html[html.index("</small>", opening_end):]))
    head, tail = kept
    if load is None:
        return Markup(head)
    return Markup(head + str(escape(updated_line(load.updated_at))) + tail)


def updated_line(moment: Any, now: Any = None) -> str:
    """When a load was last updated, in the visitor's language: seconds or minutes ago within the hour, the time
    of day earlier today, else the day and time (an office closed since Thursday says so, not "259,199 seconds
    ago")."""
    now = now or utcnow()
    seconds = max(0, int((now - moment).total_seconds()))
    words = translations()
    if seconds < 120:
        return words.ugettext("updated %(n)s seconds ago") % {"n": local_digits(seconds)}
    if seconds < 3600:
        return words.ugettext("updated %(n)s minutes ago") % {"n": local_digits(seconds // 60)}
    locale = current_locale()
    if to_tehran(moment).date() == to_tehran(now).date():
        return words.ugettext("updated at %(time)s") % {"time": clock(moment, locale)}
    return words.ugettext("updated %(day)s at %(time)s") % {"day": jalali_long(moment, locale),
                                                             "time": clock(moment, locale)}


def going_form(code: str, here: Sequence[float] | None) -> Markup:
    """The template macro ``going_form(code, here)``'s HTML ("I'm going", with the visitor's form token)."""
    token = current_app.jinja_env.globals["csrf_token"]()
    position = (f'<input type="hidden" name="lat" value="{escape(here[0])}">'
                f'<input type="hidden" name="lon" value="{escape(here[1])}">') if here else ""
    return Markup(f'\n<form class="going" method="post" action="{escape(office_path(code))}/going">\n'
                  f'  <input type="hidden" name="csrf_token" value="{escape(token)}">\n'
                  f'  {position}\n'
                  f'  <button type="submit" class="button secondary">'
                  f'{translations().ugettext("I" + chr(39) + "m going")}</button>\n</form>\n')


def office_path(code: str, here: Sequence[float] | None = None) -> str:
    """``url_for('citizen.office_page', code=code)`` (with ``lat`` and ``lon`` when ``here`` is given), the
    address's prefix built once per request."""
    prefix = g.get("safnama_office_prefix")
    if prefix is None:
        prefix = g.safnama_office_prefix = url_for("citizen.office_page", code="0")[:-1]
    path = prefix + str(code)
    return f"{path}?lat={here[0]}&lon={here[1]}" if here else path


def options(kind: str, places: Sequence[Any], chosen: str | None, group: Any = None) -> Markup:
    """The ``<option>`` elements of the search form's ``kind`` list (``service``, ``province``,
    ``district``), ``chosen`` selected; kept by the language, the list (``group``) and the choice."""
    locale = current_locale()
    key = (kind, locale, id(places) if group is None else group, chosen)
    kept = _OPTIONS.get(key)
    if kept is not None:
        return kept
    parts = []
    for p in places:
        selected = " selected" if chosen == p.code else ""
        name = escape(p.name_en if locale == "en" else p.name_fa)
        if kind == "district":
            city = escape(p.city_en if locale == "en" else p.city_fa)
            parts.append(f'<option value="{escape(p.code)}" data-province="{escape(p.province)}"{selected}>'
                         f'{name} ({city})</option>')
        else:
            parts.append(f'<option value="{escape(p.code)}"{selected}>{name}</option>')
    return _keep(_OPTIONS, key, Markup("".join(parts)))


def slot_info(view: Any, office_code: str, service_code: str, rescheduling: Any = None) -> Markup:
    """What the booking page says of a slot after its time: "past", "full" (with the waitlist link unless
    rescheduling) or the places left and the predicted wait, as ``citizen/book.html`` wrote it."""
    tr = translations()
    if view.state == "past":
        return Markup(tr.ugettext("past"))
    if view.state == "full":
        html = Markup(tr.ugettext("full"))
        if not rescheduling:
            link = url_for("citizen.join_waitlist", code=office_code, slot=view.slot.id, service=service_code)
            html += Markup(f' · <a class="waitlist-link" href="{escape(link)}">'
                           f'{tr.ugettext("join the waitlist")}</a>')
        return html
    wait = view.wait_minutes
    left = Markup(tr.ugettext("%(n)s left")) % {"n": local_digits(view.remaining)}
    wait_text = "—" if wait is None else local_digits(int(round(wait)))
    minutes = Markup(tr.ugettext("~%(n)s min wait")) % {"n": wait_text}
    return Markup(f"{left} · {minutes}")


def slot_items(views: Sequence[Any], chosen: Any, focus_first: bool, office_code: str, service_code: str,
               rescheduling: Any = None) -> Markup:
    """The booking page's slots: a radio button per slot (``chosen``, the slot id the form sent back, checked
    when still bookable; with ``focus_first``, the first bookable one focused), its time and :func:`slot_info`."""
    locale = current_locale()
    chosen = str(chosen)
    parts = []
    for view in views:
        slot_id = str(view.slot.id)
        bookable = view.bookable
        checked = "checked" if bookable and chosen == slot_id else ""
        focus = "autofocus" if focus_first and bookable else ""
        focus_first = focus_first and not bookable
        parts.append(f'\n      <li><label class="slot state-{escape(view.state)}">\n'
                     f'        <input type="radio" name="slot" value="{escape(slot_id)}" {"" if bookable else "disabled"}'
                     f'\n          {checked}\n          {focus} required>\n'
                     f'        <span class="slot-time">{escape(clock(view.slot.starts_at, locale))}</span>\n'
                     f'        <span class="slot-info">{slot_info(view, office_code, service_code, rescheduling)}</span>\n'
                     f'      </label></li>')
    return Markup("".join(parts))


_ENTRIES: dict[tuple, tuple[Any, str, str]] = {}


def office_entry(card: Any, travel: float | None) -> Markup:
    """An office in the find page's list: its link and address (kept per office card and language), with the
    travel minutes when the search has a position."""
    locale = current_locale()
    key = (locale, card.id)
    kept = _ENTRIES.get(key)
    if kept is None or kept[0] is not card:
        name, address = (card.name_en, card.address_en) if locale == "en" else (card.name_fa, card.address_fa)
        head = (f'<a class="office-link" href="{escape(office_path(card.code))}">{escape(name)}</a>\n'
                f'      <div class="muted">{escape(address)}')
        kept = _keep(_ENTRIES, key, (card, head, "</div>"))
    _card, head, tail = kept
    if travel is None:
        return Markup(head + tail)
    away = Markup(translations().ugettext("%(n)s min away")) % {"n": local_digits(int(round(travel)))}
    return Markup(f"{head} · {away}{tail}")


def office_items(cards: Sequence[Any], travel: Any, loads: Any) -> Markup:
    """The find page's list of offices: for each card, its ``<li>`` with :func:`office_entry` and its load badge
    (``travel`` and ``loads`` by office id)."""
    return Markup("".join(f'\n<li class="card office-item">\n  {office_entry(card, travel.get(card.id))}\n  '
                          f'{load_badge(loads.get(card.id))}\n</li>' for card in cards))


def day_links(days: Sequence[Any], chosen: Any, endpoint: str, office_code: str, tracking_code: str | None,
              service_code: str) -> Markup:
    """The booking page's days (``<li>`` links to each open day, the chosen one marked), the address built
    once and each day's date put in it."""
    placeholder = "0000-00-00"
    address = str(escape(url_for(endpoint, code=office_code, tracking_code=tracking_code, date=placeholder,
                                 service=service_code)))
    locale = current_locale()
    parts = []
    for d in days:
        mark = ' chosen" aria-current="date"' if d == chosen else '" '
        href = address.replace(placeholder, d.isoformat(), 1)
        parts.append(f'<li><a class="day{mark}\n      href="{href}">'
                     f'{escape(jalali_date(d, locale, True))}</a></li>')
    return Markup("".join(parts))
