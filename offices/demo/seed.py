"""Write the demo network, staff and queue history to the database, fast.

``seed_demo()`` refuses to write over a database that already has data unless ``force=True`` (then it empties
every application table first). Small tables go through SQLAlchemy Core; the big ones (queue tickets, counter
shifts, feedback) through the driver directly: ``executemany`` on SQLite, ``COPY`` on PostgreSQL, with values
formatted by NumPy. Primary keys are given explicitly (and PostgreSQL's sequences moved past them).

Demo staff: an operator per office (``op-<office code>``), a supervisor per province (``sup-<province code>``),
one per Tehran judicial district (``sup-<district code>``, e.g. ``sup-23-06``), a national supervisor
(``sup-iran``) and ``admin``. Every user of a role has the role's demo password (:data:`DEMO_PASSWORDS`),
hashed once per role.
"""
from __future__ import annotations

import datetime as dt
import io
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence

import numpy as np
from sqlalchemy import func, insert, select, text
from werkzeug.security import generate_password_hash

from booking.extensions import db
from offices.demo.geography import TEHRAN_PROVINCE_CODE
from offices.demo.history import FEEDBACK_COMMENTS, OUTCOMES, History, generate_history
from offices.demo.network import DEFAULT_OFFICES, OfficeNetwork, build_network, fa_digits
from offices.service_catalogue import SERVICE_CATALOGUE

DEFAULT_SEED = 1405
DEMO_PASSWORDS = {"operator": "operator-1405", "supervisor": "supervisor-1405", "admin": "admin-1405"}
CHUNK_ROWS = 250_000
TICKET_COLUMNS = ("id", "office_id", "service_type_id", "appointment_id", "number", "kind", "arrived_at",
                  "called_at", "counter_no", "started_at", "ended_at", "outcome")


class DatabaseNotEmpty(RuntimeError):
    """The database already holds data and ``force`` was not given."""


@dataclass
class SeedSummary:
    """What ``seed_demo`` wrote, and how long each part took (seconds)."""

    provinces: int = 0
    districts: int = 0
    offices: int = 0
    users: int = 0
    tickets: int = 0
    counter_shifts: int = 0
    feedback: int = 0
    closures: int = 0
    first_day: Optional[dt.date] = None
    last_day: Optional[dt.date] = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())

    def report(self) -> str:
        """A few lines for the console: what was written, and how to log in."""
        lines = [
            f"Seeded {self.provinces} provinces, {self.districts} judicial districts, {self.offices} offices, "
            f"{self.users} staff users in {self.seconds:.1f} s.",
        ]
        if self.first_day:
            lines.append(f"History {self.first_day} .. {self.last_day}: {self.tickets:,} queue tickets, "
                         f"{self.counter_shifts:,} counter shifts, {self.feedback:,} ratings, "
                         f"{self.closures} closures.")
        lines += [
            "Demo logins (username / password):",
            f"  admin / {DEMO_PASSWORDS['admin']}",
            f"  sup-iran (national supervisor) / {DEMO_PASSWORDS['supervisor']}",
            f"  sup-<province code>, e.g. sup-23 (Tehran province) / {DEMO_PASSWORDS['supervisor']}",
            f"  sup-<Tehran district code>, e.g. sup-23-06 (Tehran district 6) / {DEMO_PASSWORDS['supervisor']}",
            f"  op-<office code>, e.g. op-230001 / {DEMO_PASSWORDS['operator']}",
        ]
        return "\n".join(lines)


def _count(table_name: str) -> int:
    table = db.metadata.tables[table_name]
    return int(db.session.execute(select(func.count()).select_from(table)).scalar_one())


def database_is_empty() -> bool:
    """True when there are no provinces, offices, service types or users (the run command seeds then)."""
    return all(_count(name) == 0 for name in ("provinces", "offices", "service_types", "users"))


def wipe_data() -> None:
    """Delete every row of every application table (the demo data and anything added since)."""
    db.session.rollback()
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


# --- value formatting, vectorised ---

def _iso_seconds(epoch: np.ndarray) -> np.ndarray:
    """Unix seconds as a (n, 19) uint32 array of the characters ``YYYY-MM-DD HH:MM:SS``."""
    text_ = np.datetime_as_string(epoch.astype("datetime64[s]"), unit="s")
    chars = np.ascontiguousarray(text_.astype("U19")).view(np.uint32).reshape(-1, 19).copy()
    chars[:, 10] = ord(" ")
    return chars


def _with_suffix(chars: np.ndarray, suffix: str) -> np.ndarray:
    out = np.empty((chars.shape[0], chars.shape[1] + len(suffix)), dtype=np.uint32)
    out[:, : chars.shape[1]] = chars
    out[:, chars.shape[1]:] = np.array([ord(c) for c in suffix], dtype=np.uint32)
    return out.view(f"U{out.shape[1]}").reshape(-1)


def sqlite_datetimes(epoch: np.ndarray) -> list[Optional[str]]:
    """Unix seconds as SQLAlchemy's SQLite datetime text (``2026-11-24 07:30:00.000000``); -1 → None."""
    if len(epoch) == 0:
        return []
    strings = _with_suffix(_iso_seconds(np.maximum(epoch, 0)), ".000000").astype(object)
    strings[epoch < 0] = None
    return strings.tolist()


def postgres_timestamps(epoch: np.ndarray) -> np.ndarray:
    """Unix seconds as PostgreSQL ``timestamptz`` COPY text (``2026-11-24 04:00:00+00``); -1 → ``\\N``."""
    strings = _with_suffix(_iso_seconds(np.maximum(epoch, 0)), "+00")
    return np.where(epoch < 0, "\\N", strings)


def _nullable_ints(values: np.ndarray) -> list[Optional[int]]:
    out = values.astype(object)
    out[values <= 0] = None
    return out.tolist()


# --- bulk writing ---

def _bulk_write(raw: Any, dialect: str, table: str, columns: Sequence[str], sqlite_columns: list[list[Any]],
                pg_columns: Optional[list[np.ndarray]] = None, bar: Any = None) -> None:
    """Write columns of values: ``executemany`` on SQLite, ``COPY`` text on PostgreSQL."""
    n = len(sqlite_columns[0]) if sqlite_columns else 0
    if dialect == "sqlite":
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        cursor = raw.cursor()
        for lo in range(0, n, CHUNK_ROWS):
            hi = min(n, lo + CHUNK_ROWS)
            cursor.executemany(sql, zip(*(col[lo:hi] for col in sqlite_columns)))
            if bar is not None:
                bar.update(hi - lo)
        cursor.close()
        return
    assert pg_columns is not None
    cursor = raw.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for lo in range(0, n, CHUNK_ROWS):
            hi = min(n, lo + CHUNK_ROWS)
            line = pg_columns[0][lo:hi].astype(str)
            for col in pg_columns[1:]:
                line = np.strings.add(np.strings.add(line, "\t"), col[lo:hi].astype(str))
            buffer = io.StringIO()
            buffer.write("\n".join(line.tolist()))
            buffer.write("\n")
            copy.write(buffer.getvalue())
            if bar is not None:
                bar.update(hi - lo)
    cursor.close()


def _ticket_numbers(history: History) -> np.ndarray:
    letters = np.array([s.letter for s in SERVICE_CATALOGUE])[history.t_service]
    seq = np.char.zfill(history.t_seq.astype(str), 3)
    return np.strings.add(np.strings.add(letters, "-"), seq)


def write_history(history: History, raw: Any, dialect: str, bar: Any = None) -> None:
    """Write the queue tickets, counter shifts and feedback of ``history``."""
    n = history.tickets
    ids = np.arange(1, n + 1, dtype=np.int64)
    office_ids = history.t_office.astype(np.int64) + 1
    service_ids = history.t_service.astype(np.int64) + 1
    numbers = _ticket_numbers(history)
    kinds = np.where(history.t_booked, "booked", "walk_in")
    outcomes = np.array(OUTCOMES)[history.t_outcome]
    times = (history.t_arrived, history.t_called, history.t_started, history.t_ended)
    if dialect == "sqlite":
        arrived, called, started, ended = (sqlite_datetimes(t) for t in times)
        cols: list[list[Any]] = [ids.tolist(), office_ids.tolist(), service_ids.tolist(), [None] * n,
                                 numbers.tolist(), kinds.tolist(), arrived, called,
                                 _nullable_ints(history.t_counter), started, ended, outcomes.tolist()]
        _bulk_write(raw, dialect, "queue_tickets", TICKET_COLUMNS, cols, bar=bar)
    else:
        counter = np.where(history.t_counter > 0, history.t_counter.astype(str), "\\N")
        pg = [ids, office_ids, service_ids, np.full(n, "\\N"), numbers, kinds,
              *(postgres_timestamps(t) for t in times[:2]), counter,
              *(postgres_timestamps(t) for t in times[2:]), outcomes]
        pg = [pg[i] for i in range(12)]
        _bulk_write(raw, dialect, "queue_tickets", TICKET_COLUMNS, [ids], pg, bar=bar)

    m = len(history.s_office)
    shift_cols = ("id", "office_id", "counter_no", "opened_at", "closed_at")
    s_ids = np.arange(1, m + 1, dtype=np.int64)
    s_office = history.s_office.astype(np.int64) + 1
    if dialect == "sqlite":
        _bulk_write(raw, dialect, "counter_shifts", shift_cols,
                    [s_ids.tolist(), s_office.tolist(), history.s_counter.astype(np.int64).tolist(),
                     sqlite_datetimes(history.s_opened), sqlite_datetimes(history.s_closed)], bar=bar)
    else:
        _bulk_write(raw, dialect, "counter_shifts", shift_cols, [s_ids],
                    [s_ids, s_office, history.s_counter, postgres_timestamps(history.s_opened),
                     postgres_timestamps(history.s_closed)], bar=bar)

    f = len(history.f_ticket)
    fb_cols = ("id", "office_id", "ticket_id", "rating", "comment", "created_at")
    f_ids = np.arange(1, f + 1, dtype=np.int64)
    f_office = history.t_office[history.f_ticket].astype(np.int64) + 1
    comments = np.array([""] + [c for _, c in FEEDBACK_COMMENTS])[history.f_comment + 1]
    if dialect == "sqlite":
        _bulk_write(raw, dialect, "feedback", fb_cols,
                    [f_ids.tolist(), f_office.tolist(), (history.f_ticket + 1).tolist(),
                     history.f_rating.astype(np.int64).tolist(), comments.tolist(),
                     sqlite_datetimes(history.f_created)], bar=bar)
    else:
        _bulk_write(raw, dialect, "feedback", fb_cols, [f_ids],
                    [f_ids, f_office, history.f_ticket + 1, history.f_rating, comments,
                     postgres_timestamps(history.f_created)], bar=bar)


def _minutes_to_time(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def write_network(network: OfficeNetwork, history: Optional[History]) -> int:
    """Write provinces, districts, services, offices, hours, closures and staff with Core; returns users."""
    from offices.models import (Closure, District, OpeningHours, Office, Province, ServiceType, User,
                                office_services)

    session = db.session
    province_id = {p.code: i + 1 for i, p in enumerate(network.provinces)}
    session.execute(insert(Province), [dict(
        id=province_id[p.code], code=p.code, name_fa=p.name_fa, name_en=p.name_en, capital_fa=p.capital.name_fa,
        capital_en=p.capital.name_en, lat=p.capital.lat, lon=p.capital.lon, population=p.population)
        for p in network.provinces])
    district_id = {d.code: i + 1 for i, d in enumerate(network.districts)}
    session.execute(insert(District), [dict(
        id=district_id[d.code], province_id=province_id[d.province_code], code=d.code, name_fa=d.name_fa,
        name_en=d.name_en, city_fa=d.city_fa, city_en=d.city_en, lat=d.lat, lon=d.lon)
        for d in network.districts])
    service_id = {s.code: i + 1 for i, s in enumerate(SERVICE_CATALOGUE)}
    session.execute(insert(ServiceType), [dict(
        id=service_id[s.code], code=s.code, letter=s.letter, name_fa=s.name_fa, name_en=s.name_en,
        typical_minutes=s.typical_minutes) for s in SERVICE_CATALOGUE])
    session.execute(insert(Office), [dict(
        id=i + 1, code=o.code, name_fa=o.name_fa, name_en=o.name_en, address_fa=o.address_fa,
        address_en=o.address_en, lat=o.lat, lon=o.lon, district_id=district_id[o.district_code],
        counters=o.counters, slot_minutes=o.slot_minutes, walkin_reserve=o.walkin_reserve, is_active=True)
        for i, o in enumerate(network.offices)])
    session.execute(insert(office_services), [dict(office_id=i + 1, service_type_id=service_id[code])
                                              for i, o in enumerate(network.offices) for code in o.services])
    hours = [dict(office_id=i + 1, weekday=wd, opens=_minutes_to_time(o.opens[wd]),
                  closes=_minutes_to_time(o.closes[wd]))
             for i, o in enumerate(network.offices) for wd in range(7) if o.opens[wd] >= 0]
    session.execute(insert(OpeningHours), [dict(id=k + 1, **row) for k, row in enumerate(hours)])
    if history is not None:
        closures = [dict(office_id=None, day=h.day, reason_fa=h.reason_fa, reason_en=h.reason_en)
                    for h in history.holidays]
        closures += [dict(office_id=office + 1, day=day, reason_fa=fa, reason_en=en)
                     for office, day, fa, en in history.office_closures]
        if closures:
            session.execute(insert(Closure), [dict(id=k + 1, **row) for k, row in enumerate(closures)])

    hashes = {role: generate_password_hash(password) for role, password in DEMO_PASSWORDS.items()}
    users: list[dict[str, Any]] = [
        dict(username="admin", password_hash=hashes["admin"], full_name="مدیر سامانه", role="admin"),
        dict(username="sup-iran", password_hash=hashes["supervisor"], full_name="ناظر کشوری",
             role="supervisor", scope="nation"),
    ]
    users += [dict(username=f"sup-{p.code}", password_hash=hashes["supervisor"],
                   full_name=f"ناظر استان {p.name_fa}", role="supervisor", scope="province",
                   province_id=province_id[p.code]) for p in network.provinces]
    users += [dict(username=f"sup-{d.code}", password_hash=hashes["supervisor"], full_name=f"ناظر {d.name_fa}",
                   role="supervisor", scope="district", province_id=province_id[d.province_code],
                   district_id=district_id[d.code])
              for d in network.districts
              if d.province_code == TEHRAN_PROVINCE_CODE and d.city_en == "Tehran"]
    users += [dict(username=f"op-{o.code}", password_hash=hashes["operator"],
                   full_name=f"اپراتور دفتر {fa_digits(o.code)}", role="operator", office_id=i + 1)
              for i, o in enumerate(network.offices)]
    defaults = dict(office_id=None, scope=None, province_id=None, district_id=None, active=True, failed_logins=0)
    session.execute(insert(User), [dict(defaults, id=k + 1, **row) for k, row in enumerate(users)])
    return len(users)


def _fix_postgres_sequences() -> None:
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement is not False:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def seed_demo(offices: int = DEFAULT_OFFICES, days: int = 60, seed: int = DEFAULT_SEED, force: bool = False,
              progress: bool = True, end_day: Optional[dt.date] = None) -> SeedSummary:
    """Seed the demo network, staff and ``days`` days of history ending ``end_day`` (default: yesterday).

    Raises:
        DatabaseNotEmpty: the database has data and ``force`` is false.
    """
    from tqdm import tqdm

    if not database_is_empty() and not force:
        raise DatabaseNotEmpty("the database already has data; use --force to wipe it and seed the demo data again")
    summary = SeedSummary()
    clock = time.perf_counter()
    if force:
        wipe_data()
    network = build_network(offices, seed)
    summary.timings["network"] = time.perf_counter() - clock

    clock = time.perf_counter()
    history: Optional[History] = None
    if days > 0:
        with tqdm(total=1, desc="Simulating history", unit="step", disable=not progress, leave=False) as bar:
            def step(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            history = generate_history(network, days=days, seed=seed, end_day=end_day, on_step=step)
    summary.timings["simulate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    dialect = db.engine.dialect.name
    journal_mode = None
    if dialect == "sqlite":
        # Outside a transaction: no fsync while loading, and a rollback journal instead of the write-ahead log
        # (which would write every page twice); both are restored afterwards.
        db.session.commit()
        journal_mode = db.session.execute(text("PRAGMA journal_mode")).scalar()
        if journal_mode == "wal":
            db.session.execute(text("PRAGMA journal_mode = DELETE"))
        db.session.execute(text("PRAGMA synchronous = OFF"))
    try:
        summary.users = write_network(network, history)
        if history is not None:
            rows = history.tickets + len(history.s_office) + len(history.f_ticket)
            connection = db.session.connection()
            raw = connection.connection.driver_connection
            with tqdm(total=rows, desc="Writing history", unit="row", unit_scale=True, disable=not progress,
                      leave=False) as bar:
                write_history(history, raw, dialect, bar)
        if dialect == "postgresql":
            _fix_postgres_sequences()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if dialect == "sqlite":
            db.session.execute(text("PRAGMA synchronous = NORMAL"))
            if journal_mode == "wal":
                db.session.execute(text("PRAGMA journal_mode = WAL"))
            db.session.commit()
    summary.timings["write"] = time.perf_counter() - clock

    summary.provinces = len(network.provinces)
    summary.districts = len(network.districts)
    summary.offices = len(network.offices)
    if history is not None:
        summary.tickets = history.tickets
        summary.counter_shifts = len(history.s_office)
        summary.feedback = len(history.f_ticket)
        summary.closures = len(history.holidays) + len(history.office_closures)
        summary.first_day, summary.last_day = history.days[0], history.days[-1]
    return summary
