"""A five-field cron (minute hour day-of-month month day-of-week, UTC): parse and find the next
time. Supports `*`, numbers, ranges `a-b`, lists `a,b` and steps `*/n`, `a-b/n`."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from testforge.domain.errors import ConfigurationError

_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_NAMES = ("minute", "hour", "day of month", "month", "day of week")
MAX_LOOKAHEAD = timedelta(days=366 * 4)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    def _day_matches(self, at: datetime) -> bool:
        day_ok = at.day in self.days
        weekday_ok = (at.isoweekday() % 7) in self.weekdays
        # Cron's rule: when both day fields are restricted, either may match.
        if self.any_day or self.any_weekday:
            return day_ok and weekday_ok
        return day_ok or weekday_ok

    def matches(self, at: datetime) -> bool:
        return (
            at.month in self.months
            and self._day_matches(at)
            and at.hour in self.hours
            and at.minute in self.minutes
        )

    def next_after(self, after: datetime) -> datetime:
        """The first matching minute strictly after `after` (skipping whole months, days and
        hours that cannot match, so a yearly schedule costs a few hundred steps)."""
        at = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = after + MAX_LOOKAHEAD
        while at <= limit:
            if at.month not in self.months:
                at = (at.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(at):
                at = at.replace(hour=0, minute=0) + timedelta(days=1)
            elif at.hour not in self.hours:
                at = at.replace(minute=0) + timedelta(hours=1)
            elif at.minute not in self.minutes:
                at += timedelta(minutes=1)
            else:
                return at
        raise ConfigurationError(f"cron never fires within {MAX_LOOKAHEAD.days} days")


def _field(text: str, low: int, high: int, name: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if body == "*":
                start, end = low, high
            elif "-" in body:
                start, end = (int(x) for x in body.split("-", 1))
            else:
                start = end = int(body)
        except ValueError as exc:
            raise ConfigurationError(f"cron {name} field {text!r} is not valid") from exc
        if step < 1 or start < low or end > high or start > end:
            raise ConfigurationError(
                f"cron {name} field {text!r} is out of range {low}-{high}",
                fix="use five fields: minute hour day-of-month month day-of-week",
            )
        values.update(range(start, end + 1, step))
    return frozenset(values)


def parse(expression: str) -> Cron:
    fields = expression.split()
    if len(fields) != 5:
        raise ConfigurationError(
            f"cron {expression!r} has {len(fields)} fields, not 5",
            fix="use five fields: minute hour day-of-month month day-of-week, e.g. '0 3 * * *'",
        )
    parsed = [_field(f, lo, hi, n) for f, (lo, hi), n in zip(fields, _RANGES, _NAMES, strict=True)]
    # 7 means Sunday too in most crons.
    weekdays = frozenset(d % 7 for d in parsed[4])
    return Cron(
        minutes=parsed[0],
        hours=parsed[1],
        days=parsed[2],
        months=parsed[3],
        weekdays=weekdays,
        any_day=fields[2] == "*",
        any_weekday=fields[4] == "*",
    )
