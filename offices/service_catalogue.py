"""The catalogue of services an e-judicial services office (دفتر خدمات الکترونیک قضایی) offers.

Each entry is a real service of the judiciary's offices, with

* ``code``: a stable machine name, ``letter``: the ticket series (``A`` → ticket ``A-042``);
* ``typical_minutes``: the mean time at the counter;
* ``demand_share``: the share of visits asking for this service (the shares add up to 1);
* ``service_cv``: the coefficient of variation of the time at the counter (lognormal in the demo model);
* ``offered_share``: the share of offices that offer it (the core services are offered everywhere).

The arrival model in :mod:`offices.demo.history` draws each visit's service from ``demand_share`` and its
duration from a lognormal distribution with mean ``typical_minutes`` and CV ``service_cv``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    """One service type of the catalogue (see the module docstring for the fields)."""

    code: str
    letter: str
    name_fa: str
    name_en: str
    typical_minutes: float
    demand_share: float
    service_cv: float
    offered_share: float = 1.0


SERVICE_CATALOGUE: tuple[ServiceSpec, ...] = (
    ServiceSpec("sana_registration", "A", "ثبت‌نام و احراز هویت در سامانه ثنا",
                "SANA registration and identity check", 10.0, 0.24, 0.45),
    ServiceSpec("petition", "B", "ثبت دادخواست", "Filing a petition", 20.0, 0.17, 0.60),
    ServiceSpec("criminal_complaint", "C", "ثبت شکواییه", "Filing a criminal complaint (shekvaeeyeh)",
                18.0, 0.12, 0.60),
    ServiceSpec("brief", "D", "ثبت لایحه و ارسال مدارک به پرونده", "Submitting a brief or bill to a case file",
                12.0, 0.14, 0.50),
    ServiceSpec("served_papers", "E", "دریافت اوراق قضایی و ابلاغیه الکترونیک",
                "Receiving served papers and electronic notices", 6.0, 0.12, 0.50),
    ServiceSpec("case_copies", "F", "درخواست تصویر مصدق و رونوشت اوراق پرونده",
                "Requesting certified copies of case documents", 8.0, 0.06, 0.50, 0.9),
    ServiceSpec("case_inquiry", "G", "پیگیری و استعلام وضعیت پرونده", "Case status inquiry and follow-up",
                7.0, 0.06, 0.55),
    ServiceSpec("administrative_court", "H", "خدمات دیوان عدالت اداری",
                "Administrative Justice Court services", 18.0, 0.06, 0.70, 0.85),
    ServiceSpec("armed_forces_judiciary", "J", "خدمات سازمان قضایی نیروهای مسلح",
                "Armed Forces Judicial Organisation services", 15.0, 0.03, 0.70, 0.6),
)
"""The catalogue, in ticket-letter order (``I`` is skipped: it reads like ``1`` on a display)."""

assert abs(sum(s.demand_share for s in SERVICE_CATALOGUE) - 1.0) < 1e-9
assert len({s.letter for s in SERVICE_CATALOGUE}) == len(SERVICE_CATALOGUE)


#: What to bring for each service (Persian, English). Every service needs the citizen's national card and a
#: mobile number in their own name (for SANA codes); the lists add what the service itself asks for.
_ALWAYS = (("کارت ملی هوشمند (یا رسید آن با شناسنامه)", "Smart national ID card (or its receipt with the birth certificate)"),)
DOCUMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "sana_registration": _ALWAYS + (
        ("شناسنامه", "Birth certificate (shenasnameh)"),
        ("گوشی همراه با سیم‌کارتی به نام خودتان", "A mobile phone with a SIM card in your own name"),
        ("برای شخص حقوقی: روزنامهٔ رسمی و معرفی‌نامهٔ نماینده", "For a company: its official gazette and a letter naming its representative"),
    ),
    "petition": _ALWAYS + (
        ("کد کاربری ثنا", "Your SANA user code"),
        ("اصل و تصویر مدارک و مستندات دعوا", "The originals and copies of the documents your claim rests on"),
        ("نشانی و مشخصات خوانده", "The defendant's name and address"),
        ("وکالت‌نامه، اگر وکیل یا نماینده هستید", "A power of attorney, if you act for someone"),
    ),
    "criminal_complaint": _ALWAYS + (
        ("کد کاربری ثنا", "Your SANA user code"),
        ("مدارک و مستندات شکایت (گزارش، عکس، پیامک…)", "Evidence for the complaint (reports, photos, messages…)"),
        ("مشخصات و نشانی مشتکی‌عنه، اگر می‌دانید", "The accused's name and address, if known"),
    ),
    "brief": _ALWAYS + (
        ("شمارهٔ پرونده و شعبه", "The case number and the court branch"),
        ("متن لایحه و پیوست‌های آن", "The brief and its attachments"),
    ),
    "served_papers": _ALWAYS + (
        ("کد کاربری و رمز ثنا", "Your SANA user code and password"),
    ),
    "case_copies": _ALWAYS + (
        ("شمارهٔ پرونده", "The case number"),
        ("مدرکی که نشان دهد از طرفین پرونده یا وکیل آن هستید", "Proof that you are a party to the case or its lawyer"),
    ),
    "case_inquiry": _ALWAYS + (
        ("شمارهٔ پرونده یا کد رهگیری", "The case number or tracking code"),
    ),
    "administrative_court": _ALWAYS + (
        ("کد کاربری ثنا", "Your SANA user code"),
        ("تصویر تصمیم یا رأی اداری مورد اعتراض", "A copy of the administrative decision you contest"),
    ),
    "armed_forces_judiciary": _ALWAYS + (
        ("کد کاربری ثنا", "Your SANA user code"),
        ("کارت پرسنلی یا معرفی‌نامهٔ یگان، در صورت لزوم", "Service card or a letter from your unit, where needed"),
    ),
}
assert set(DOCUMENTS) == {s.code for s in SERVICE_CATALOGUE}


def documents_for(code: str, locale: str) -> list[str]:
    """What to bring for the service ``code`` in ``locale`` (``fa`` or ``en``); the national card for a service
    outside the catalogue."""
    return [fa if locale == "fa" else en for fa, en in DOCUMENTS.get(code, _ALWAYS)]


def service_by_code(code: str) -> ServiceSpec:
    """The catalogue entry with this code."""
    for spec in SERVICE_CATALOGUE:
        if spec.code == code:
            return spec
    raise KeyError(code)


def mean_service_minutes() -> float:
    """The demand-weighted mean time at the counter over the whole catalogue."""
    return sum(s.demand_share * s.typical_minutes for s in SERVICE_CATALOGUE)
