"""Request figures per unit and month: hand-made requests with figures worked out by hand."""

from __future__ import annotations

import io
import os
import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event, insert

from sipbot import cli, stats
from sipbot.db.engine import make_engine
from sipbot.db.migrate import upgrade
from sipbot.db.models import SipRequest
from tests.conftest import EXAMPLE_DEPLOYMENT, FakeClock

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = make_engine(database_url)
    upgrade(built)
    yield built
    built.dispose()


def row(
    ref: str,
    unit: str,
    sent: datetime,
    role: str,
    status: str,
    claimed: timedelta | None = None,
    meeting: timedelta | None = None,
    closed: timedelta | None = None,
    due: timedelta | None = 3 * D,
) -> dict[str, object]:
    """A request; times are offsets from `sent`."""
    return {
        "reference": ref,
        "telegram_id": 1,
        "flow_id": "sip_request",
        "flow_version": 1,
        "role": role,
        "municipality": unit,
        "unit": unit,
        "consent": "given",
        "status": status,
        "language": "sv",
        "easy": False,
        "answers": None,
        "submitted_at": sent,
        "claimed_at": None if claimed is None else sent + claimed,
        "meeting_at": None if meeting is None else sent + meeting,
        "closed_at": None if closed is None else sent + closed,
        "due_at": None if due is None else sent + due,
    }


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Krokom, November 2026 (local). Due three days after sending.
NOVEMBER = [
    # 00:30 on 1 November in Stockholm (UTC+1): November, not October.
    row("SIP-A", "krokom", utc(2026, 10, 31, 23, 30), "self", "meeting_booked", 2 * H, 10 * D),
    row("SIP-B", "krokom", utc(2026, 11, 3, 8), "relative", "contacted", 5 * H),
    # Claimed after its due time: overdue.
    row("SIP-C", "krokom", utc(2026, 11, 10, 8), "self", "plan_made", 96 * H, 20 * D),
    row("SIP-D", "krokom", utc(2026, 11, 20, 8), "guardian", "closed", 10 * H, 4 * D, 30 * D),
    # Never claimed, still open, due 28 November: overdue now.
    row("SIP-E", "krokom", utc(2026, 11, 25, 8), "self", "new"),
    # Withdrawn unclaimed before its due time: not overdue.
    row("SIP-F", "krokom", utc(2026, 11, 26, 8), "relative", "withdrawn", closed=1 * D),
    # Declined unclaimed (by an admin) after its due time: overdue.
    row("SIP-J", "krokom", utc(2026, 11, 5, 8), "representative", "declined", closed=5 * D),
]
OTHERS = [
    # 23:30 on 31 October in Stockholm: October.
    row("SIP-H", "krokom", utc(2026, 10, 31, 22, 30), "representative", "declined", H, None, D),
    # Sent yesterday, due in two days: not overdue.
    row("SIP-G", "krokom", utc(2026, 12, 9, 8), "self", "new"),
    row("SIP-I", "ostersund", utc(2026, 11, 15, 10), "self", "contacted", 3 * H),
    # No due time recorded: never overdue.
    row("SIP-K", "ostersund", utc(2026, 11, 16, 10), "guardian", "new", due=None),
]

HEADER = (
    "unit,month,total,status_new,status_contacted,status_meeting_booked,status_plan_made,"
    "status_followup_booked,status_closed,status_withdrawn,status_declined,status_deleted,"
    "role_self,role_relative,role_representative,role_guardian,claimed,claim_median_hours,"
    "claim_p90_hours,with_meeting,meeting_median_days,meeting_p90_days,overdue,overdue_share"
)
# Worked out by hand from the rows above.
# krokom 2026-11: claims 2, 5, 96, 10 h -> sorted 2 5 10 96: median (5+10)/2 = 7.5;
#   p90 at position 3*0.9 = 2.7: 10 + 0.7*(96-10) = 70.2. Meetings 10, 20, 4 d -> 4 10 20:
#   median 10; p90 at 2*0.9 = 1.8: 10 + 0.8*(20-10) = 18. Overdue C, E, J: 3 of 7.
EXPECTED_CSV = "\n".join(
    [
        HEADER,
        "krokom,2026-10,1,0,0,0,0,0,0,0,1,0,0,0,1,0,1,1.00,1.00,0,,,0,0.0000",
        "krokom,2026-11,7,1,1,1,1,0,1,1,1,0,3,2,1,1,4,7.50,70.20,3,10.00,18.00,3,0.4286",
        "krokom,2026-12,1,1,0,0,0,0,0,0,0,0,1,0,0,0,0,,,0,,,0,0.0000",
        "ostersund,2026-11,2,1,1,0,0,0,0,0,0,0,1,0,0,1,1,3.00,3.00,0,,,0,0.0000",
        "",
    ]
)


@pytest.fixture
def requests(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(insert(SipRequest), NOVEMBER + OTHERS)
    return engine


def test_percentile_interpolates_between_ranks() -> None:
    assert stats.percentile([], 0.5) is None
    assert stats.percentile([7.0], 0.9) == 7.0
    assert stats.percentile([4, 1, 3, 2], 0.5) == 2.5
    assert stats.percentile([4, 1, 3, 2], 0.9) == pytest.approx(3.7)
    assert stats.percentile([1, 2, 3, 4, 5], 0.5) == 3
    assert stats.percentile([10, 20], 0.0) == 10
    assert stats.percentile([10, 20], 1.0) == 20


def test_month_start_is_local() -> None:
    assert stats.month_start(utc(2026, 10, 31, 23, 30), TZ) == datetime(2026, 11, 1, tzinfo=TZ)
    assert stats.month_start(utc(2026, 10, 31, 22, 30), TZ) == datetime(2026, 10, 1, tzinfo=TZ)
    assert stats.month_start(utc(2026, 1, 15), TZ, -2) == datetime(2025, 11, 1, tzinfo=TZ)
    assert stats.month_start(utc(2026, 11, 15), TZ, 2) == datetime(2027, 1, 1, tzinfo=TZ)


def test_monthly_figures(requests: Engine) -> None:
    found = {(m.unit, m.month): m for m in stats.monthly(requests, NOW, TZ)}
    assert list(found) == [
        ("krokom", "2026-10"),
        ("krokom", "2026-11"),
        ("krokom", "2026-12"),
        ("ostersund", "2026-11"),
    ]
    nov = found[("krokom", "2026-11")]
    assert nov.total == 7
    assert nov.by_status == {
        "meeting_booked": 1,
        "contacted": 1,
        "plan_made": 1,
        "closed": 1,
        "new": 1,
        "withdrawn": 1,
        "declined": 1,
    }
    assert nov.by_role == {"self": 3, "relative": 2, "guardian": 1, "representative": 1}
    assert nov.claimed == 4
    assert nov.claim_median_hours == pytest.approx(7.5)
    assert nov.claim_p90_hours == pytest.approx(70.2)
    assert nov.with_meeting == 3
    assert nov.meeting_median_days == pytest.approx(10)
    assert nov.meeting_p90_days == pytest.approx(18)
    assert nov.overdue == 3
    assert nov.overdue_share == pytest.approx(3 / 7)

    dec = found[("krokom", "2026-12")]
    assert (dec.total, dec.claimed, dec.claim_median_hours, dec.overdue) == (1, 0, None, 0)
    assert found[("krokom", "2026-10")].by_role == {"representative": 1}


def test_overdue_depends_on_now(requests: Engine) -> None:
    # On 27 November SIP-E (due 28 November) is not yet late; SIP-C and SIP-J already were.
    before = {(m.unit, m.month): m for m in stats.monthly(requests, utc(2026, 11, 27, 12), TZ)}
    assert before[("krokom", "2026-11")].overdue == 2
    # SIP-G (due 12 December) becomes late after its due time.
    later = {(m.unit, m.month): m for m in stats.monthly(requests, utc(2026, 12, 13), TZ)}
    assert later[("krokom", "2026-12")].overdue == 1


def test_monthly_for_one_unit_and_a_window(requests: Engine) -> None:
    assert [
        (m.unit, m.month, m.total) for m in stats.monthly(requests, NOW, TZ, unit="ostersund")
    ] == [("ostersund", "2026-11", 2)]
    # Local November only: SIP-A (00:30 local on the 1st) is in, SIP-H (23:30 on the 31st) out.
    window = stats.monthly(
        requests,
        NOW,
        TZ,
        unit="krokom",
        since=datetime(2026, 11, 1, tzinfo=TZ),
        until=datetime(2026, 12, 1, tzinfo=TZ),
    )
    assert [(m.month, m.total) for m in window] == [("2026-11", 7)]
    assert stats.monthly(requests, NOW, TZ, unit="berg") == []


def test_csv_by_hand(requests: Engine) -> None:
    out = io.StringIO()
    stats.write_csv(stats.monthly(requests, NOW, TZ), out)
    assert out.getvalue() == EXPECTED_CSV


def test_csv_gets_a_column_for_an_unknown_role(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(SipRequest), [row("SIP-X", "berg", utc(2026, 5, 5), "ombud", "new")])
    out = io.StringIO()
    stats.write_csv(stats.monthly(engine, NOW, TZ), out)
    header, line = out.getvalue().splitlines()
    assert header.split(",")[12:17] == [
        "role_self",
        "role_relative",
        "role_representative",
        "role_guardian",
        "role_ombud",
    ]
    assert line.split(",")[12:17] == ["0", "0", "0", "0", "1"]


def test_unit_stats_for_the_bot(requests: Engine) -> None:
    got = stats.unit_stats(requests, "krokom", NOW, TZ, months=4)
    assert [(m.month, m.total) for m in got.months] == [
        ("2026-12", 1),
        ("2026-11", 7),
        ("2026-10", 1),
        ("2026-09", 0),
    ]
    assert (
        got.months[1]
        == {(m.unit, m.month): m for m in stats.monthly(requests, NOW, TZ)}[("krokom", "2026-11")]
    )
    # Open now: A, B, C, E, G; unclaimed: E, G; of those past due: E.
    assert (got.open_now, got.unclaimed_now, got.overdue_now) == (5, 2, 1)
    # The four months together: claims 1, 2, 5, 10, 96 h -> median 5, p90 at 3.6: 10 + 0.6*86.
    assert got.period.total == 9
    assert got.period.claim_median_hours == pytest.approx(5)
    assert got.period.claim_p90_hours == pytest.approx(61.6)
    assert got.period.overdue == 3
    # Two months: from 1 November 00:00 local, so SIP-H (31 October 23:30 local) is out.
    two = stats.unit_stats(requests, "krokom", NOW, TZ, months=2)
    assert [m.month for m in two.months] == ["2026-12", "2026-11"]
    assert two.period.total == 8


def test_unit_stats_with_no_requests(engine: Engine) -> None:
    got = stats.unit_stats(engine, "berg", NOW, TZ)
    assert (got.open_now, got.unclaimed_now, got.overdue_now) == (0, 0, 0)
    assert [(m.month, m.total) for m in got.months] == [
        ("2026-12", 0),
        ("2026-11", 0),
        ("2026-10", 0),
    ]
    assert got.period.total == 0 and got.period.overdue_share is None


def test_a_few_queries_and_never_the_persons_words(requests: Engine) -> None:
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(requests, "before_cursor_execute", seen)
    try:
        stats.monthly(requests, NOW, TZ)
        assert len(statements) == 3  # range, counts, times: whatever the number of requests
        stats.unit_stats(requests, "krokom", NOW, TZ)
    finally:
        event.remove(requests, "before_cursor_execute", seen)
    assert len(statements) == 3 + 6  # months, the period (counts, times), the unit now
    assert not [s for s in statements if "answers" in s]


def test_matches_a_plain_python_count_on_random_requests(engine: Engine) -> None:
    """Many requests across months, DST changes and units, against a row-by-row reckoning."""
    rnd = random.Random(7)
    rows = []
    for i in range(3000):
        sent = utc(2025, 1, 1) + timedelta(seconds=rnd.randrange(0, 700 * 86400))
        claimed = timedelta(hours=rnd.expovariate(1 / 30)) if rnd.random() < 0.8 else None
        meeting = timedelta(days=rnd.uniform(2, 40)) if rnd.random() < 0.4 else None
        status = rnd.choice(stats.STATUSES)
        closed = timedelta(days=rnd.uniform(0, 60)) if status in stats.ENDED else None
        unit = rnd.choice(["berg", "krokom", "are"])
        role = rnd.choice(stats.ROLES)
        rows.append(row(f"SIP-{i:05d}", unit, sent, role, status, claimed, meeting, closed))
    with engine.begin() as conn:
        conn.execute(insert(SipRequest), rows)
    now = utc(2026, 6, 1)
    groups: defaultdict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for r in rows:
        sent = r["submitted_at"]
        assert isinstance(sent, datetime)
        groups[(str(r["unit"]), sent.astimezone(TZ).strftime("%Y-%m"))].append(r)
    found = {(m.unit, m.month): m for m in stats.monthly(engine, now, TZ)}
    assert set(found) == set(groups)
    for key, members in groups.items():
        m = found[key]
        claims = [
            (r["claimed_at"] - r["submitted_at"]).total_seconds() / 3600  # type: ignore[operator]
            for r in members
            if r["claimed_at"]
        ]
        meetings = [
            (r["meeting_at"] - r["submitted_at"]).total_seconds() / 86400  # type: ignore[operator]
            for r in members
            if r["meeting_at"]
        ]
        overdue = sum(
            1
            for r in members
            if (r["claimed_at"] or r["closed_at"] or now) > r["due_at"]  # type: ignore[operator]
        )
        assert m.total == len(members)
        assert m.overdue == overdue
        assert sum(m.by_status.values()) == sum(m.by_role.values()) == len(members)
        for got, want in [
            (m.claim_median_hours, stats.percentile(claims, 0.5)),
            (m.claim_p90_hours, stats.percentile(claims, 0.9)),
            (m.meeting_median_days, stats.percentile(meetings, 0.5)),
            (m.meeting_p90_days, stats.percentile(meetings, 0.9)),
        ]:
            assert got == pytest.approx(want, abs=1e-6)


# -- sipbot stats ---------------------------------------------------------------------------------


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
    secret_key: str,
    requests: Engine,
) -> None:
    for name in list(os.environ):
        if name.startswith("SIPBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIPBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("SIPBOT_SECRET_KEY", secret_key)
    monkeypatch.setenv("SIPBOT_DEPLOYMENT", str(EXAMPLE_DEPLOYMENT))
    monkeypatch.setattr(cli, "clock", FakeClock(NOW))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        cli.main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("cli_env")
def test_stats_command_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "stats", "--unit", "ostersund") == (
        0,
        "ostersund 2026-11: 2 request(s)\n"
        "  status: new 1, contacted 1\n"
        "  sent by: self 1, guardian 1\n"
        "  sent to claimed: median 3.0 h, p90 3.0 h (1 claimed)\n"
        "  sent to meeting: median -, p90 - (0 with a meeting)\n"
        "  overdue: 0 of 2 (0%)\n",
        "",
    )
    code, out, _ = run(capsys, "stats")
    assert code == 0
    blocks = out.split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == [
        "krokom 2026-10: 1 request(s)",
        "krokom 2026-11: 7 request(s)",
        "krokom 2026-12: 1 request(s)",
        "ostersund 2026-11: 2 request(s)",
    ]
    assert blocks[1].splitlines()[1:] == [
        "  status: new 1, contacted 1, meeting_booked 1, plan_made 1, closed 1, withdrawn 1, "
        "declined 1",
        "  sent by: self 3, relative 2, representative 1, guardian 1",
        "  sent to claimed: median 7.5 h, p90 70.2 h (4 claimed)",
        "  sent to meeting: median 10.0 d, p90 18.0 d (3 with a meeting)",
        "  overdue: 3 of 7 (43%)",
    ]
    assert run(capsys, "stats", "--unit", "berg") == (0, "no requests in berg\n", "")


@pytest.mark.usefixtures("cli_env")
def test_stats_command_in_swedish_for_staff(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "stats", "--unit", "ostersund", "--lang", "sv")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "ostersund 2026-11: förfrågningar 2",
        "  status: ny 1, kontakt tagen 1",
        "  ifylld av: personen själv 1, vårdnadshavare 1",
        "  från skickad till tagen: median 3,0 tim, p90 3,0 tim (tagna 1)",
        "  från skickad till möte: median -, p90 - (med möte 0)",
        "  försenade 0 av 2 (0\xa0%)",
    ]
    assert run(capsys, "stats", "--unit", "berg", "--lang", "sv")[1] == (
        "inga förfrågningar i berg\n"
    )


@pytest.mark.usefixtures("cli_env")
def test_stats_command_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.csv"
    assert run(capsys, "stats", "--csv", str(target)) == (0, f"wrote 4 row(s) to {target}\n", "")
    assert target.read_text(encoding="utf-8") == EXPECTED_CSV
    code, out, _ = run(capsys, "stats", "--unit", "krokom", "--csv", "-")
    assert code == 0
    assert out == "\n".join(EXPECTED_CSV.splitlines()[:4]) + "\n"


@pytest.mark.usefixtures("cli_env")
def test_stats_command_unknown_unit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "stats", "--unit", "krokum")
    assert (code, out) == (2, "")
    assert err.startswith("sipbot: no unit 'krokum' in ") and err.count("\n") == 1
