"""When reminders fall: local wall-clock times, quiet hours. No database, no Telegram."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sipbot.deployment import ReminderPolicy

# A meeting whose day reminders have all passed at booking is reminded this long before it.
SHORT_NOTICE = timedelta(hours=2)


def is_quiet(moment: datetime, tz: ZoneInfo, policy: ReminderPolicy) -> bool:
    """Quiet hours either cross midnight (20:00-08:00) or lie within one day (04:00-04:01)."""
    local = moment.astimezone(tz).time()
    start, end = policy.quiet_from, policy.quiet_until
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def out_of_quiet(moment: datetime, tz: ZoneInfo, policy: ReminderPolicy) -> datetime:
    """The moment itself, or the end of the quiet hours it falls in (in UTC)."""
    if not is_quiet(moment, tz, policy):
        return moment
    local = moment.astimezone(tz)
    day = local.date()
    if policy.quiet_from > policy.quiet_until and local.time() >= policy.quiet_from:
        day += timedelta(days=1)  # in the evening part of a window that crosses midnight
    return datetime.combine(day, policy.quiet_until, tzinfo=tz).astimezone(ZoneInfo("UTC"))


def before_quiet(moment: datetime, tz: ZoneInfo, policy: ReminderPolicy) -> datetime:
    """The moment itself, or the last minute before the quiet hours it falls in (in UTC)."""
    if not is_quiet(moment, tz, policy):
        return moment
    local = moment.astimezone(tz)
    day = local.date()
    if policy.quiet_from > policy.quiet_until and local.time() < policy.quiet_until:
        day -= timedelta(days=1)  # in the morning part of a window that crosses midnight
    start = datetime.combine(day, policy.quiet_from, tzinfo=tz) - timedelta(minutes=1)
    return start.astimezone(ZoneInfo("UTC"))


def _local_at(day_offset: int, starts_at: datetime, at: time, tz: ZoneInfo) -> datetime:
    # Wall-clock arithmetic: "7 days before at 10:00" stays 10:00 across a DST change.
    day = starts_at.astimezone(tz).date() - timedelta(days=day_offset)
    return datetime.combine(day, at, tzinfo=tz).astimezone(ZoneInfo("UTC"))


def reminder_times(
    starts_at: datetime, now: datetime, tz: ZoneInfo, policy: ReminderPolicy
) -> list[tuple[str, datetime]]:
    """(kind, due time in UTC) of the reminders still ahead for an event starting then.

    Kinds: before_<days> for each reminder day, prepare for the preparation prompt. Times in
    quiet hours move to the morning; times already past, or not before the event, are left out.
    When every day reminder has passed (a meeting booked at short notice), one `soon` reminder
    comes SHORT_NOTICE before it (before the quiet hours if it would fall in them); none at
    all only when even that has passed: the booking is then inside the short-notice window.
    """
    planned = [(f"before_{d}", _local_at(d, starts_at, policy.at, tz)) for d in policy.before_days]
    if policy.prepare_days:
        planned.append(("prepare", _local_at(policy.prepare_days, starts_at, policy.at, tz)))
    out = []
    for kind, due in planned:
        due = out_of_quiet(due, tz, policy)
        if now < due < starts_at:
            out.append((kind, due))
    if not any(kind.startswith("before_") for kind, _ in out):
        soon = before_quiet(starts_at - SHORT_NOTICE, tz, policy)
        if now < soon < starts_at:
            out.append(("soon", soon))
    return sorted(out, key=lambda item: item[1])
