"""When reminders fall: local wall-clock times, quiet hours. No database, no Telegram."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sipbot.deployment import ReminderPolicy


def is_quiet(moment: datetime, tz: ZoneInfo, policy: ReminderPolicy) -> bool:
    local = moment.astimezone(tz).time()
    return local >= policy.quiet_from or local < policy.quiet_until


def out_of_quiet(moment: datetime, tz: ZoneInfo, policy: ReminderPolicy) -> datetime:
    """The moment itself, or the end of the quiet hours it falls in (in UTC)."""
    if not is_quiet(moment, tz, policy):
        return moment
    local = moment.astimezone(tz)
    day = local.date() if local.time() < policy.quiet_until else local.date() + timedelta(days=1)
    return datetime.combine(day, policy.quiet_until, tzinfo=tz).astimezone(ZoneInfo("UTC"))


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
    """
    planned = [(f"before_{d}", _local_at(d, starts_at, policy.at, tz)) for d in policy.before_days]
    if policy.prepare_days:
        planned.append(("prepare", _local_at(policy.prepare_days, starts_at, policy.at, tz)))
    out = []
    for kind, due in planned:
        due = out_of_quiet(due, tz, policy)
        if now < due < starts_at:
            out.append((kind, due))
    return sorted(out, key=lambda item: item[1])
