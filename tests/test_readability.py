"""What a reader actually gets: every person-facing message with realistic values filled in.

tests/test_catalogs.py measures the catalog texts with their {placeholders} left out. A reader
never sees those: they read "Östersunds kommun – SIP-samordning", "torsdag 3 december 2026
10:00" and "SIP-7KQ3" in their place, which are long words. Here each message is rendered as
the bot renders it (sipbot.i18n.Texts, the easy register falling back to plain), with values
like the bot's own, and:

- easy Swedish: LIX <= 35 per message, <= 30 for all of them together (sipbot/lix.py);
- English, both registers: a Swedish term a reader of English cannot be expected to know
  (god man, förvaltare, LSS, kallelse, ...) is explained in the same message: an English
  explanation next to it in parentheses, "God man (a trustee appointed by a court)", or the
  term itself in parentheses after the English, "home health care (hemsjukvård)".

Person-facing: every id that is not staff-only (staff.*), as in tests/test_catalogs.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from string import Formatter
from zoneinfo import ZoneInfo

import pytest

from sipbot.i18n import Catalogs, Texts
from sipbot.lix import lix, sentences, words
from tests.test_catalogs import CATALOGS, EASY_LIX_MAX, EASY_LIX_OVERALL_MAX, lix_applies

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Europe/Stockholm")
MEETING = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def person_facing(msgid: str) -> bool:
    # mail.*: the kallelse to invited organisations, read by their staff in plain Swedish.
    if msgid.startswith(("staff.", "mail.")) or msgid in FRAGMENTS:
        return False
    return not msgid.startswith(FRAGMENT_PREFIXES)


# Parts the plan's messages are built from (a date range, a name with its organisation): not
# messages of their own, so no readability is measured on them alone, only in what they build.
FRAGMENT_PREFIXES = ("plan.when.", "plan.who.")
FRAGMENTS = {"plan.version"}
# Values that differ by message, where the shared ones would read as nonsense.
CONTEXT = {
    "plan.summary.action": {
        "what": "Träna på att laga mat",
        "who": "Hemtjänst",
        "when": "varje vecka",
    },
}


def _values(t: Texts) -> dict[str, object]:
    """Values as the bot fills them in, in the reader's language where the bot translates."""
    return {
        "reference": "SIP-7KQ3",
        "unit": "Östersunds kommun – SIP-samordning",
        "from_unit": "Krokoms kommun – SIP-samordning",
        "name": "Karl Öberg",
        "date": t.datetime(MEETING),
        "when": t.datetime(MEETING),
        "sent": t.date(MEETING),
        "due": t.date(MEETING),
        "minutes": 60,
        "where": f"{t('meeting.place.office')}: Storgatan 12, Östersund",
        "who": f"{t('actor.vardcentral')}, {t('meeting.convener', name=t('actor.hemtjanst'))}",
        "goal": "Klara gymnasiet",
        "problems": "Jag orkar inte gå till skolan och sover dåligt.",
        "responsible": "Anna Berg, Lits vårdcentral",
        "days": 3,
        "draft_days": 30,
        "keep_days": 90,
        "limit": 1000,
        "length": 1240,
        "items": 10,
        "item": t("actor.psykiatri"),
        "n": 2,
        "total": 10,
        "status": t("status.claimed"),
        "consent": t("consent.given"),
        "link": "https://t.me/sipbot_bot?start=c_AbCdEfGhIjKlMnOpQrStUvWx",
        "text": "Hej! Vi ringer dig på tisdag förmiddag.",
        "reason": "Du får redan samordnad hjälp genom din LSS-handläggare.",
        "suggestion": "Socialtjänsten i Östersund, 063-14 30 00",
        "seconds": 42,
        "answer": "Laga mat och ta mina mediciner",
        "what": t("sip.problems.title"),
        "voice": t("review.voice", seconds=42),
        "count": 3,
        "number": 2,
        "org": "Lits vårdcentral",
        "start": t.date(MEETING),
        "end": t.date(MEETING),
        "convener": "Östersunds kommun – SIP-samordning",
        "main": "Anna Berg, Östersunds kommun",
        "often": "En gång i veckan",
        "view": "Det känns bra, men jag vill börja försiktigt.",
        "region": "Region Jämtland Härjedalen",
        "contact": "tillganglighet@example.se",
    }


def _render(t: Texts, msgid: str) -> str:
    """The message as a reader gets it; an unknown placeholder fails (give it a value here)."""
    template = t(msgid)
    values = {**_values(t), **CONTEXT.get(msgid, {})}
    wanted = {field for _, field, _, _ in Formatter().parse(template) if field}
    missing = wanted - set(values)
    assert not missing, f"{msgid}: no realistic value for {sorted(missing)} in this test"
    return template.format(**values) if wanted else template


@pytest.fixture(scope="module")
def texts(catalogs: Catalogs) -> dict[tuple[str, bool], Texts]:
    return {(lang, easy): catalogs.texts(lang, easy) for lang in ("sv", "en") for easy in (0, 1)}


def _ids() -> list[str]:
    return sorted(mid for mid in CATALOGS["sv", "plain"] if person_facing(mid))


def test_easy_swedish_as_read_lix_per_message_and_overall(
    texts: dict[tuple[str, bool], Texts],
) -> None:
    t = texts["sv", True]
    rendered = {mid: _render(t, mid) for mid in _ids()}
    problems = [
        f"sv easy {mid}: LIX {lix(text):.1f} > {EASY_LIX_MAX} "
        f"({len(words(text))} words, {len(sentences(text))} sentences): {text!r}"
        for mid, text in rendered.items()
        if lix_applies(text) and lix(text) > EASY_LIX_MAX
    ]
    overall = lix("\n".join(rendered.values()))
    if overall > EASY_LIX_OVERALL_MAX:
        problems.append(f"sv easy, all messages as read: LIX {overall:.1f} > 30")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# -- Swedish terms in English -------------------------------------------------------------

# Terms of the Swedish system that an English reader meets. Proper names of agencies count
# too: "Försäkringskassan" tells a newcomer nothing.
SWEDISH_TERMS = (
    "god man",
    "gode man",
    "förvaltare",
    "vårdnadshavare",
    "framtidsfullmakt",
    "LSS",
    "habilitering",
    "hemsjukvård",
    "hemtjänst",
    "frivård",
    "kriminalvård",
    "personligt ombud",
    "kallelse",
    "samordnad individuell plan",
    "socialtjänst",
    "vårdcentral",
    "elevhälsa",
    "Försäkringskassan",
    "Arbetsförmedlingen",
)
_TERM = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(term) for term in SWEDISH_TERMS) + r")(?![\w])",
    re.IGNORECASE,
)
_SWEDISH_ONLY = re.compile("|".join(re.escape(t) for t in SWEDISH_TERMS), re.IGNORECASE)


def _english_words(text: str) -> int:
    """Words in `text` that are not part of a Swedish term (a rough 'is there English')."""
    return len(re.findall(r"[A-Za-z]{2,}", _SWEDISH_ONLY.sub(" ", text)))


def explained(text: str, start: int, end: int) -> bool:
    """Is the term at text[start:end] explained next to it, in parentheses?"""
    # The term in parentheses, after English in the same sentence: "home care (hemtjänst)".
    opened, closed = text.rfind("(", 0, start), text.rfind(")", 0, start)
    if opened > closed and text.find(")", end) != -1:
        before = re.split(r"[.!?\n]", text[:opened])[-1]
        if _english_words(before) >= 1:
            return True
    # An English explanation right after it: "God man (a trustee appointed by a court)",
    # "LSS-handläggare (disability support officer)".
    after = re.match(r"[\w-]*\s*\(([^()]*)\)", text[end:])
    return after is not None and _english_words(after.group(1)) >= 2


def unexplained_terms(text: str) -> list[str]:
    return [m.group(1) for m in _TERM.finditer(text) if not explained(text, m.start(), m.end())]


def test_the_term_check_itself() -> None:
    assert unexplained_terms("Contact your god man.") == ["god man"]
    assert unexplained_terms("God man (a trustee appointed by a court)") == []
    assert unexplained_terms("Home health care (hemsjukvård)") == []
    assert unexplained_terms("Disability support officer (LSS)") == []
    assert unexplained_terms("LSS-handläggare (disability support officer)") == []
    assert unexplained_terms("You will get a kallelse.") == ["kallelse"]
    assert unexplained_terms("(god man, förvaltare)") == ["god man", "förvaltare"]
    assert unexplained_terms("Legal representative (god man, förvaltare)") == []
    assert unexplained_terms("Förvaltare (Förvaltare)") == ["Förvaltare", "Förvaltare"]


@pytest.mark.parametrize("easy", [False, True], ids=["plain", "easy"])
def test_no_swedish_term_unexplained_in_english(
    texts: dict[tuple[str, bool], Texts], easy: bool
) -> None:
    t = texts["en", easy]
    problems = [
        f"en {'easy' if easy else 'plain'} {mid}: {', '.join(found)} unexplained: {t(mid)!r}"
        for mid in sorted(CATALOGS["en", "plain"])
        if (found := unexplained_terms(t(mid)))
    ]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
