"""Dates in answers: which day a question is about, and how a version's period reads.

Content versions apply from one day until another (``valid_from``/``valid_until``). A
question is answered as of today, unless it names another time: "vor Juli 2026", "im Mai",
"2025", "mein alter Bescheid", "früher" ask about the past; "ab Januar", "2027" about the
future. ``time_reference`` finds that; ``period_label`` says in German when a version applies.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from . import tuning

MONTHS = {
    "januar": 1, "jan": 1, "jänner": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3, "marz": 3,
    "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8,
    "aug": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11,
    "nov": 11, "dezember": 12, "dez": 12,
}
MONTHS_SHORT = {k: v for k, v in MONTHS.items() if len(k) <= 4 and k not in ("mai", "juni", "juli")}
MONTH_NAMES = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
               "September", "Oktober", "November", "Dezember")
# Years a question can mean as a time (not an amount: "2000 Euro").
YEARS = range(2005, 2041)
# An upcoming version is shown after the current answer when it starts within this many days.
UPCOMING_DAYS = tuning.UPCOMING_DAYS

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_BEFORE = r"(?P<before>vor|bis|bis zum|bis ende|vor dem|vor der)"
_AFTER = r"(?P<after>ab|seit|nach|ab dem|seit dem|nach dem)"
DATE = re.compile(
    rf"\b(?:(?:{_BEFORE}|{_AFTER}|(?P<within>im|in|anfang|mitte|ende|letzten|diesen))\s+)?"
    rf"(?:(?P<day>\d{{1,2}})\.\s*)?"
    rf"(?:(?P<month>{_MONTH})\.?|(?P<mnum>\d{{1,2}})\.)\s*(?P<year>\d{{4}})?\b"
    rf"|(?:(?:{_BEFORE.replace('before', 'before2')}|{_AFTER.replace('after', 'after2')})\s+)?"
    rf"(?:(?:im )?jahr\s+)?(?P<year2>\d{{4}})\b(?!\s*(?:€|euro|eur\b|,-))",
    re.IGNORECASE)
# Words that place an unspecified time in the past: an old notice, "früher", "damals".
PAST = re.compile(
    r"\b(früher|frueher|damals|vorher|bisher|bislang|vor der reform|vor der änderung|"
    r"vor der aenderung|alte[nmrs]?\b.{0,30}\b(bescheid|regel|recht)|"
    r"galt|gegolten|war es|war das)\b", re.IGNORECASE)
# Words that place a month without a year in the future.
FUTURE = re.compile(r"\b(ab|nächste[nmrs]?|naechste[nmrs]?|kommende[nmrs]?|wird|werden|künftig|"
                    r"kuenftig|demnächst|bald|ändert sich|aendert sich)\b", re.IGNORECASE)


@dataclass(frozen=True)
class TimeReference:
    """The time a question names: a day in the past to answer as of, a day in the future
    whose versions to show after today's answer, or just "the past" (before the last change)."""

    past: dt.date | None = None
    future: dt.date | None = None
    earlier: bool = False         # "früher", "mein alter Bescheid": before the last change
    text: str = ""                # what named it, for staff


def time_reference(question: str, today: dt.date) -> TimeReference:
    """The time ``question`` refers to, relative to ``today``.

    >>> today = dt.date(2026, 12, 1)
    >>> time_reference("Wie viel Vermögen durfte ich vor Juli 2026 haben?", today).past
    datetime.date(2026, 6, 30)
    >>> time_reference("Regelsatz 2025", today).past
    datetime.date(2025, 12, 31)
    >>> time_reference("Minijob ab Januar", today).future
    datetime.date(2027, 1, 1)
    >>> time_reference("Mein alter Bürgergeld-Bescheid", today).earlier
    True
    >>> time_reference("Ich brauche 2000 Euro", today)
    TimeReference(past=None, future=None, earlier=False, text='')
    """
    for match in DATE.finditer(question):
        day = _day_of(match, today, question)
        if day is None:
            continue
        if day < today:
            return TimeReference(past=day, text=match.group(0).strip())
        if day > today:
            return TimeReference(future=day, text=match.group(0).strip())
    found = PAST.search(question)
    if found:
        return TimeReference(earlier=True, text=found.group(0))
    return TimeReference()


def _day_of(match: re.Match, today: dt.date, question: str) -> dt.date | None:
    """The day a date expression means: "vor Juli 2026" the last day before it, "ab Juli
    2026" its first, "im Mai 2026" the middle of the month, "2025" the end of that year."""
    if match.group("year2"):
        year = int(match.group("year2"))
        if year not in YEARS:
            return None
        if match.group("before2"):
            return dt.date(year, 1, 1) - dt.timedelta(days=1)
        if match.group("after2") or year > today.year:
            return dt.date(year, 1, 1)
        return dt.date(year, 12, 31) if year < today.year else None
    month = MONTHS.get((match.group("month") or "").lower().rstrip(".")) if match.group("month") \
        else int(match.group("mnum"))
    if not month or not 1 <= month <= 12:
        return None
    if match.group("mnum") and not match.group("day"):
        return None                       # "3." alone is no date
    year = int(match.group("year")) if match.group("year") else None
    if year is not None and year not in YEARS:
        return None
    if year is None:
        if match.group("mnum"):
            return None                   # "1.7." without a year: too ambiguous
        named = (match.group("month") or "").lower().rstrip(".")
        cue = match.group("before") or match.group("after") or match.group("within")
        if not cue or MONTHS_SHORT.get(named):
            return None                   # "Jan" may be a name; "Mai" alone is no time
        future = bool(match.group("after")) or bool(FUTURE.search(question))
        year = today.year
        if future and month <= today.month:
            year += 1
        elif not future and month > today.month:
            year -= 1
    last = calendar.monthrange(year, month)[1]
    day = min(int(match.group("day")), last) if match.group("day") else None
    if match.group("before"):
        start = dt.date(year, month, day or 1)
        return start - dt.timedelta(days=1) if match.group("before").lower().startswith("vor") \
            else dt.date(year, month, day or last)
    if match.group("after"):
        return dt.date(year, month, day or 1)
    return dt.date(year, month, day or 15)


def german_date(day: dt.date | str) -> str:
    """ "1. Juli 2026" """
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{day.day}. {MONTH_NAMES[day.month - 1]} {day.year}"


def period_label(valid_from: str | None, valid_until: str | None, today: dt.date) -> str:
    """When a version applies, said from ``today``: "Gilt seit 1. Juli 2026", "Galt bis 30.
    Juni 2026", "Ab 1. Januar 2027"; "" for a version without limits."""
    start = dt.date.fromisoformat(valid_from) if valid_from else None
    end = dt.date.fromisoformat(valid_until) if valid_until else None
    if start and start > today:
        return f"Ab {german_date(start)}" + (f" bis {german_date(end)}" if end else "")
    if end and end < today:
        return (f"Galt vom {german_date(start)} bis {german_date(end)}" if start
                else f"Galt bis {german_date(end)}")
    if start and end:
        return f"Gilt seit {german_date(start)} bis {german_date(end)}"
    if start:
        return f"Gilt seit {german_date(start)}"
    if end:
        return f"Gilt bis {german_date(end)}"
    return ""


def parse_day(value: str) -> dt.date:
    """An ISO date (YYYY-MM-DD) from a request or setting; ``ValueError`` with a German
    message otherwise."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError(f"Das Datum muss die Form JJJJ-MM-TT haben, nicht '{str(value)[:40]}'.")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"'{value.strip()}' ist kein gültiges Datum.") from None
