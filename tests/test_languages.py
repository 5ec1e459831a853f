"""More languages: plural forms, languages found from the catalogs and offered by the deployment,
right to left (Arabic, Persian), a language Babel does not know, and the catalogs' listing."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import get_day_names
from babel.messages.pofile import read_po
from pypdf import PdfReader
from sqlmodel import select

from sipbot import bidi
from sipbot.chat.keyboards import reading_order
from sipbot.cli import main
from sipbot.config import ConfigError
from sipbot.coverage import coverage
from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.documents.pdf import RequestDocument, Section, render_pdf
from sipbot.documents.request_doc import request_pdf
from sipbot.i18n import Catalogs, Texts
from sipbot.people import by_nearness, from_telegram
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.walker import request_through

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Europe/Stockholm")
THURSDAY = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # 10:00 in Stockholm


def plain(text: str) -> str:
    """The text without isolates and marks, as a reader sees the letters."""
    return bidi.strip_marks(text)


def _tiny_catalog(path: Path, lang: str, plural_forms: str, entries: str, extra: str = "") -> None:
    path.mkdir(parents=True)
    (path / "plain.po").write_text(
        'msgid ""\nmsgstr ""\n'
        f'"Language: {lang}\\n"\n"Plural-Forms: {plural_forms}\\n"\n'
        '"Content-Type: text/plain; charset=utf-8\\n"\n' + extra + "\n" + entries,
        encoding="utf-8",
    )


def _locales_with(tmp_path: Path) -> Path:
    """A locales dir with the Swedish catalogs (staff need them) and nothing else."""
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales" / "sv", locales / "sv")
    return locales


# -- plural forms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "one", "two", "five"),
    [
        ("sv", "1 arbetsdag", "2 arbetsdagar", "5 arbetsdagar"),
        ("en", "1 working day", "2 working days", "5 working days"),
    ],
)
def test_plural_forms_for_one_two_and_five(
    catalogs: Catalogs, lang: str, one: str, two: str, five: str
) -> None:
    for easy in (False, True):  # the easy catalog falls back to plain form by form
        t = catalogs.texts(lang, easy)
        got = [t.ngettext("count.working_days", n, n=n) for n in (1, 2, 5)]
        assert got == [one, two, five]


def test_arabic_has_six_plural_forms(catalogs: Catalogs) -> None:
    t = catalogs.texts("ar", False)
    got = {n: plain(t.ngettext("count.days", n, n=n)) for n in (0, 1, 2, 5, 11, 102)}
    assert got == {
        0: "0 يوم",  # zero
        1: "1 يوم",  # one
        2: "2 يومان",  # two (the dual)
        5: "5 أيام",  # few: 3-10
        11: "11 يومًا",  # many: 11-99
        102: "102 يوم",  # other
    }


def test_ukrainian_has_three_plural_forms(tmp_path: Path) -> None:
    locales = _locales_with(tmp_path)
    _tiny_catalog(
        locales / "uk" / "LC_MESSAGES",
        "uk",
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
        "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
        'msgid "count.days"\nmsgid_plural "count.days"\n'
        'msgstr[0] "{n} день"\nmsgstr[1] "{n} дні"\nmsgstr[2] "{n} днів"\n',
    )
    t = Catalogs(locales, TZ).texts("uk", False)
    got = [t.ngettext("count.days", n, n=n) for n in (1, 2, 5, 11, 21, 22)]
    assert got == ["1 день", "2 дні", "5 днів", "11 днів", "21 день", "22 дні"]


def test_a_plural_entry_with_a_context(tmp_path: Path) -> None:
    locales = _locales_with(tmp_path)
    _tiny_catalog(
        locales / "en" / "LC_MESSAGES",
        "en",
        "nplurals=2; plural=(n != 1);",
        'msgctxt "staff"\nmsgid "count.days"\nmsgid_plural "count.days"\n'
        'msgstr[0] "{n} working day"\nmsgstr[1] "{n} working days"\n',
    )
    t = Catalogs(locales, TZ).texts("en", False)
    assert t.npgettext("staff", "count.days", 1, n=1) == "1 working day"
    assert t.npgettext("staff", "count.days", 5, n=5) == "5 working days"


def test_decimals_are_written_the_readers_way(catalogs: Catalogs) -> None:
    assert catalogs.texts("sv", False).number(0.3) == "0,3"
    assert catalogs.texts("en", False).number(0.3) == "0.3"


# -- languages from the catalogs ---------------------------------------------------------------


def test_languages_are_found_from_the_catalogs(catalogs: Catalogs) -> None:
    assert {"sv", "en", "ar", "fa"} <= set(catalogs.offered)
    assert catalogs.offered[:2] == ("sv", "en")
    assert catalogs.language("ar").name == "العربية" and catalogs.language("ar").rtl
    assert catalogs.language("fa").name == "فارسی" and catalogs.language("fa").rtl
    assert catalogs.language("sv").name == "Svenska" and not catalogs.language("sv").rtl


def test_the_deployment_chooses_the_languages(catalogs: Catalogs) -> None:
    chosen = catalogs.configured(["sv", "fa"], "sv")
    assert chosen.offered == ("sv", "fa")
    assert catalogs.offered != chosen.offered  # the shared catalogs are not changed
    with pytest.raises(ConfigError, match="no catalog for xx"):
        catalogs.configured(["sv", "xx"], "sv")
    with pytest.raises(ConfigError, match="fallback_locale"):
        catalogs.configured(None, "qqq")


def test_telegram_language_picks_the_nearest_offered() -> None:
    offered = ("sv", "en", "ar", "fa")
    assert from_telegram("ar", offered) == "ar"
    assert from_telegram("fa-IR", offered) == "fa"
    assert from_telegram("prs", offered) == "fa"  # Dari reads Persian
    assert from_telegram("nb", offered) == "sv"  # Norwegian reads Swedish sooner than English
    assert from_telegram("de", offered) == "en"
    assert from_telegram(None, offered) == "sv"
    assert from_telegram("ar", ("sv", "en")) == "en"
    assert by_nearness("fa", offered) == ["fa", "sv", "en", "ar"]


async def test_the_language_choice_lists_every_offered_language_nearest_first(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    user = emu.user(1501, language_code="fa")
    user.send("/start")
    t = bot.services.catalogs.texts("fa", False)
    asked = await user.wait_for(lambda m: m.text == t("language.ask"))
    names = [bot.services.catalogs.language(x).name for x in bot.services.catalogs.offered]
    assert asked.button_texts[0] == "فارسی"  # Telegram says Persian: Persian first
    assert sorted(asked.button_texts) == sorted(names)
    assert "Svenska" in asked.button_texts and "العربية" in asked.button_texts


# -- right to left -----------------------------------------------------------------------------


def test_an_arabic_message_stays_right_to_left_around_a_reference(catalogs: Catalogs) -> None:
    t = catalogs.texts("ar", False)
    ref = "SIP-2026-0042"
    # requests.line begins with the reference: without care the paragraph turns left to right.
    text = t("requests.line", reference=ref, date=t.date(THURSDAY), status=t("status.new"))
    assert bidi.first_strong(text, skip_isolates=True) == "R"  # UAX #9, rule P2
    assert bidi.first_strong(text, skip_isolates=False) == "R"  # a client ignoring isolates
    assert f"{bidi.FSI}{ref}{bidi.PDI}" in text
    receipt = t("receipt.text", unit="Östersunds kommun", reference=ref, days="5")
    assert bidi.first_strong(receipt, skip_isolates=True) == "R"
    assert f"{bidi.FSI}Östersunds kommun{bidi.PDI}" in receipt
    # Left-to-right languages get no marks at all.
    sv = catalogs.texts("sv", False)("requests.line", reference=ref, date="x", status="y")
    assert not set(sv) & bidi.MARKS


def test_button_rows_run_in_reading_order() -> None:
    assert reading_order([("مساعدة", "M:help"), ("اللغة", "M:language")]) == [
        ("اللغة", "M:language"),
        ("مساعدة", "M:help"),
    ]
    assert reading_order([("Help", "M:help"), ("Language", "M:language")])[0][0] == "Help"
    assert reading_order([("Svenska", "L:sv"), ("العربية", "L:ar")])[0][0] == "Svenska"


def test_eastern_arabic_and_persian_digits_read_as_ascii() -> None:
    assert bidi.ascii_digits("+٤٦ ٧٠ ١٢٣ ٤٥ ٦٧") == "+46 70 123 45 67"
    assert bidi.ascii_digits("۰۷۰-۱۲۳ ۴۵ ۶۷") == "070-123 45 67"
    from sipbot.meetings.times import parse_meeting_time

    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert parse_meeting_time("۳/۱۲ ۱۰:۰۰", now, TZ) == parse_meeting_time("3/12 10:00", now, TZ)


# -- a language Babel has no locale for ---------------------------------------------------------


def test_a_language_babel_does_not_know_falls_back_for_dates(tmp_path: Path) -> None:
    # Ume Sami (sju) has no Babel locale; a tiny catalog stands in for one (none is shipped).
    locales = _locales_with(tmp_path)
    _tiny_catalog(
        locales / "sju" / "LC_MESSAGES",
        "sju",
        "nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);",
        'msgid "menu.text"\nmsgstr "Maj dåtta sïjhtah darjodh?"\n',
        extra='"X-Language-Name: Uumajsámegiella\\n"\n',
    )
    catalogs = Catalogs(locales, TZ)
    t = catalogs.texts("sju", False)
    assert t.date(THURSDAY) == "torsdag 3 december 2026"  # the default fallback: Swedish
    assert t.datetime(THURSDAY) == "torsdag 3 december 2026 10:00"
    assert t.number(0.5) == "0,5"
    assert catalogs.language("sju").name == "Uumajsámegiella"
    assert t("menu.text") == "Maj dåtta sïjhtah darjodh?"
    finnish = catalogs.configured(None, "fi").texts("sju", False)
    assert finnish.date(THURSDAY).endswith("3 joulukuuta 2026")
    # Staff who read it get Swedish staff texts, not ids.
    assert t("staff.queue.empty") == catalogs.texts("sv", False)("staff.queue.empty")


def test_a_catalog_can_set_its_date_pattern(tmp_path: Path) -> None:
    # Babel's "EEEE" is Finnish "torstaina" (on Thursday); a heading wants "torstai".
    locales = _locales_with(tmp_path)
    _tiny_catalog(
        locales / "fi" / "LC_MESSAGES",
        "fi",
        "nplurals=2; plural=(n != 1);",
        'msgid "menu.text"\nmsgstr "Mitä haluat tehdä?"\n',
        extra='"X-Date-Pattern: cccc d. MMMM y\\n"\n',
    )
    t = Catalogs(locales, TZ).texts("fi", False)
    assert t.date(THURSDAY) == "torstai 3. joulukuuta 2026"
    assert t.datetime(THURSDAY) == "torstai 3. joulukuuta 2026 10:00"


# -- PDFs in Tigrinya and Arabic ---------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_pdf_in_tigrinya_and_arabic_has_the_glyphs() -> None:
    tigrinya = "ሓገዝ ኣብ ገዛ የድልየኒ።"
    arabic = "أحتاج إلى مساعدة في البيت"
    doc = RequestDocument(
        title="ሕቶ ንSIP",
        reference="SIP-2026-0007",
        facts=[("ስም", "ዮሃንስ ተስፋይ")],
        sections=[Section("ጸገማት", [tigrinya]), Section("المشكلات", [arabic])],
        footer="sipbot",
        language="ti",
    )
    text = _pdf_text(render_pdf(doc))
    assert tigrinya in text and "ዮሃንስ ተስፋይ" in text
    assert arabic in text  # shaped and ordered, read back in logical order


# -- the listing -------------------------------------------------------------------------------


def test_sipbot_languages_shows_coverage_and_draft_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = {(r.lang, r.register): r for r in coverage(ROOT / "locales", ("sv", "en", "ar"))}
    assert rows["sv", "plain"].translated == rows["sv", "plain"].total
    ar = rows["ar", "plain"]
    assert ar.status == "draft, awaiting review by a qualified translator" and ar.offered
    assert 0 < ar.translated < ar.total  # staff texts are Swedish for Arabic readers
    assert rows["ar", "easy"].fallback and rows["fa", "easy"].fallback
    assert not rows["fa", "plain"].offered
    main(["languages"])
    out = capsys.readouterr().out
    assert "ar        plain" in out and "draft, awaiting review by a qualified translator" in out
    assert "no catalog: shows the plain texts" in out  # easy ar and fa: the plain text
    assert "staff texts shown in Swedish" in out


# -- end to end, in Arabic and Persian ----------------------------------------------------------


@pytest.mark.parametrize("lang", ["ar", "fa"])
async def test_a_request_and_a_meeting_notice_in_the_readers_language(
    emu: BotApiEmulator, bot: RunningBot, lang: str
) -> None:
    base = 1600 if lang == "ar" else 1700
    anna = Staff(emu, bot.services, base, "Anna")
    script = dict(BRANCHES["self"][0])
    script["phone"] = "+٤٦ ٧٠ ١٢٣ ٤٥ ٦٧" if lang == "ar" else "+۴۶ ۷۰ ۱۲۳ ۴۵ ۶۷"
    await anna.enrol(bot.services.deployment.municipality(script["municipality"]).intake_unit)
    p, request, receipt = await request_through(emu, bot, base + 1, lang, False, script)
    t: Texts = p.t
    assert request.language == lang
    assert request.answers["phone"] == "+46 70 123 45 67"  # stored as staff dial it
    days = bot.services.deployment.response_time_working_days
    assert plain(t.ngettext("count.working_days", days, n=days)) in plain(receipt)
    assert f"{bidi.FSI}{request.reference}{bidi.PDI}" in receipt
    assert bidi.first_strong(receipt, skip_isolates=True) == "R"

    # Staff read the card in Swedish, told the person reads Arabic or Persian.
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press(request.reference)
    await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)
    card = anna.user.last.text or ""
    assert anna.t.language_name(lang) in card  # "arabiska", "persiska"
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.books(request.reference, "7/12 13:30", 60, "office", "Storgatan 1")

    with session_scope(bot.services.engine) as s:
        row = s.exec(select(SipRequest).where(SipRequest.id == request.id)).one()
    assert row.meeting_at is not None
    notice = await p.user.wait_for(
        lambda m: request.reference in (m.text or "") and "13:30" in (m.text or "")
    )
    when = t.datetime(row.meeting_at)
    weekday = {"ar": "الاثنين", "fa": "دوشنبه"}[lang]  # Monday 7 December
    month = {"ar": "ديسمبر", "fa": "دسامبر"}[lang]
    assert weekday in when and month in when
    assert f"{bidi.FSI}{when}{bidi.PDI}" in (notice.text or "")
    assert plain(t("person.notice.meeting").split("{")[0]) in plain(notice.text or "")
    assert bidi.first_strong(notice.text or "", skip_isolates=True) == "R"

    # The person's own PDF is in their language, with the letters drawn.
    pdf = _pdf_text(request_pdf(bot.services, row, lang))
    # Text comes back in visual order, so only a run without mirrored brackets is compared.
    assert plain(t("doc.title")).split(" (")[0] in pdf
    assert plain(t("doc.person")) in pdf


# -- end to end, in the left-to-right draft languages --------------------------------------------


@pytest.mark.parametrize(
    ("lang", "forms"), [("uk", (0, 1, 2)), ("fi", (0, 1, 1)), ("so", (0, 1, 1)), ("ti", (0, 1, 1))]
)
def test_plural_forms_pick_the_languages_own_form_for_one_two_and_five(
    catalogs: Catalogs, lang: str, forms: tuple[int, int, int]
) -> None:
    """1, 2 and 5 take the form the language's Plural-Forms rule gives (uk: one, few, many;
    ti: n > 1), as written in its catalog."""
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "plain.po").open("rb") as f:
        written = read_po(f).get("count.working_days")
    assert written is not None and isinstance(written.string, tuple)
    t = catalogs.texts(lang, False)
    got = [t.ngettext("count.working_days", n, n=n) for n in (1, 2, 5)]
    want = [written.string[i].format(n=n) for i, n in zip(forms, (1, 2, 5), strict=True)]
    assert got == want
    # the written forms differ where the rule says they do
    assert len({written.string[i] for i in forms}) == len(set(forms))


@pytest.mark.parametrize("lang", ["uk", "fi", "so", "ti"])
async def test_a_request_and_a_notice_in_a_left_to_right_draft_language(
    emu: BotApiEmulator, bot: RunningBot, lang: str
) -> None:
    base = {"uk": 1800, "fi": 1900, "so": 2000, "ti": 2100}[lang]
    anna = Staff(emu, bot.services, base, "Anna")
    script = dict(BRANCHES["self"][0])
    await anna.enrol(bot.services.deployment.municipality(script["municipality"]).intake_unit)
    p, request, receipt = await request_through(emu, bot, base + 1, lang, False, script)
    t: Texts = p.t
    assert request.language == lang
    days = bot.services.deployment.response_time_working_days
    assert t.ngettext("count.working_days", days, n=days) in receipt
    assert request.reference in receipt
    assert bidi.FSI not in receipt  # isolates only where the text runs right to left

    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press(request.reference)
    await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.books(request.reference, "7/12 13:30", 60, "office", "Storgatan 1")
    with session_scope(bot.services.engine) as s:
        row = s.exec(select(SipRequest).where(SipRequest.id == request.id)).one()
    assert row.meeting_at is not None
    notice = await p.user.wait_for(
        lambda m: request.reference in (m.text or "") and "13:30" in (m.text or "")
    )
    when = t.datetime(row.meeting_at)
    assert when in (notice.text or "")
    # Monday 7 December in the reader's language (Babel's names), not in Swedish.
    locale = t.locale
    monday = {get_day_names("wide", c, locale)[0].lower() for c in ("format", "stand-alone")}
    assert any(name in when.lower() for name in monday)
    assert "måndag" not in when.lower()
    assert t("person.notice.meeting").split("{")[0].strip() in (notice.text or "")
