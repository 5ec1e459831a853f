"""The text catalogs: complete, consistent, and easy enough to read.

Checks, for every catalog found, locales/<lang>/LC_MESSAGES/{plain,easy}.po (a language may
lack easy.po: its easy readers get plain text, and `sipbot languages` says so):

- all catalogs have the same msgids; plain has every msgstr filled in;
- every msgstr has the same `{placeholders}` as the plain Swedish text;
- plural entries (msgid_plural) are plural in every catalog, with as many forms as the
  catalog's Plural-Forms header says, each form with the placeholders of plain Swedish;
- readability (see sipbot/lix.py for how words and sentences are counted):
  easy Swedish: LIX <= 35 per message and <= 30 for all messages together;
  plain Swedish: LIX <= 45 per message;
  easy register, Swedish and English: no sentence over 15 words;
  an easy msgstr may be empty (the reader then gets the plain text) only where the plain text
  already meets the easy bar;
- every catalog id used by conversations/*.yaml and every `actor.<id>` exists.

The per-message LIX bars apply only to messages with at least 2 sentences or at least 8 words:
LIX divides by the number of words, so a one-word button label ("Förvaltare") would score 100.
Labels are kept easy by being short, which the label-length check below enforces instead.
Sentence-length and placeholder checks apply to every message.

"Effective" easy text = the easy msgstr, or the plain one where the easy msgstr is empty; that
is what sipbot.i18n.Texts shows an easy-register reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from babel.messages.catalog import Catalog

from sipbot.i18n import STAFF_LANGUAGES, headers, read_catalog
from sipbot.lix import is_long, lix, sentences, words

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
LANGUAGES = tuple(sorted(p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/plain.po")))
REGISTERS = ("plain", "easy")

EASY_LIX_MAX = 35.0
EASY_LIX_OVERALL_MAX = 30.0
PLAIN_LIX_MAX = 45.0
EASY_SENTENCE_WORDS_MAX = 15
ASK_SENTENCES_MAX = 3  # a question in the easy register: at most three short sentences
LABEL_CHARS_MAX = 50  # buttons and headings in the easy register

# Where the LIX bar applies: at least this many sentences or words (see the module docstring).
LIX_MIN_SENTENCES = 2
LIX_MIN_WORDS = 8

YAML_TEXT_KEYS = ("ask", "title", "label", "many_note_text")
YAML_TEXT_KEYS += ("ask_on_behalf", "title_on_behalf", "label_on_behalf")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _path(lang: str, register: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{register}.po"


def _read(lang: str, register: str) -> Catalog:
    return read_catalog(_path(lang, register))


def _load(catalog: Catalog) -> dict[str, str]:
    """id -> text; a plural entry reads as its forms joined by " | " ("" when all empty),
    so every check below sees every form."""
    found = {}
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            forms = [str(f or "") for f in m.string]
            found[str(m.id[0])] = " | ".join(forms) if any(forms) else ""
        else:
            found[str(m.id)] = str(m.string or "")
    return found


def _plurals(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    return {
        str(m.id[0]): tuple(str(f or "") for f in m.string)
        for m in catalog
        if isinstance(m.id, tuple)
    }


RAW: dict[tuple[str, str], Catalog] = {
    (lang, reg): _read(lang, reg)
    for lang in LANGUAGES
    for reg in REGISTERS
    if _path(lang, reg).is_file()
}
CATALOGS: dict[tuple[str, str], dict[str, str]] = {key: _load(c) for key, c in RAW.items()}
PLURALS = {key: _plurals(c) for key, c in RAW.items()}
PLAIN_SV = CATALOGS["sv", "plain"]
WITH_EASY = tuple(lang for lang in LANGUAGES if (lang, "easy") in CATALOGS)


def staff_only(msgid: str) -> bool:
    """Texts only staff read; staff always get the plain register."""
    return msgid.startswith("staff.")


def staff_languages_only(msgid: str) -> bool:
    """Texts shown only in the staff languages: staff texts, the e-mails to organisations
    (sipbot/mail.py writes Swedish), and the web pages until the person's own pages come
    (sipbot/web/server.py shows them in Swedish or English)."""
    return staff_only(msgid) or msgid.startswith(("web.", "mail."))


def effective_easy(lang: str) -> dict[str, str]:
    plain, easy = CATALOGS[lang, "plain"], CATALOGS.get((lang, "easy"), {})
    return {mid: easy.get(mid) or plain.get(mid, "") for mid in plain if not staff_only(mid)}


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def lix_applies(text: str) -> bool:
    return len(sentences(text)) >= LIX_MIN_SENTENCES or len(words(text)) >= LIX_MIN_WORDS


def long_sentences(text: str, limit: int) -> list[tuple[int, str]]:
    return [(len(words(s)), s) for s in sentences(text) if len(words(s)) > limit]


def meets_easy_bar(lang: str, text: str) -> bool:
    if long_sentences(text, EASY_SENTENCE_WORDS_MAX):
        return False
    return not (lang == "sv" and lix_applies(text) and lix(text) > EASY_LIX_MAX)


def is_label(msgid: str) -> bool:
    """Button labels and headings: must stay short."""
    return (
        msgid.startswith(("button.", "command.", "actor."))
        or msgid in {"register.plain", "register.easy"}
        or msgid in {"draft.continue", "draft.restart", "cancel.yes", "cancel.no"}
        or (msgid.startswith("menu.") and msgid != "menu.text")
        or msgid in {"withdraw.yes", "withdraw.no", "privacy.delete_yes", "privacy.delete_no"}
        or msgid in {"requests.show", "requests.withdraw", "requests.back", "requests.pdf"}
        or msgid == "privacy.delete"
        or msgid in {"consent_link.yes", "consent_link.no", "person.reply", "person.reminder.add"}
        or msgid.startswith("meeting.place.")
        or msgid in {"person.notice.can_come", "person.notice.other_time"}
        or msgid == "person.notice.questions"
        or (msgid.startswith("sip.") and not msgid.endswith((".ask", ".many")))
    )


def _fail(problems: list[str]) -> None:
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# -- the metric itself -------------------------------------------------------------------------


def test_lix_hand_computed() -> None:
    # 7 words, 2 sentences, 1 long word (Stockholm): 7/2 + 100*1/7
    assert lix("Jag heter Anna. Hon bor i Stockholm.") == pytest.approx(3.5 + 100 / 7)
    # 11 words, 3 sentences, 3 long (godkänner, ansökan, skickas; "planen" has only 6 letters)
    text = "Jag godkänner planen. Ansökan är klar! Nu skickas den till dig."
    assert words(text)[:3] == ["Jag", "godkänner", "planen"]
    assert len(words(text)) == 11
    assert len(sentences(text)) == 3
    assert lix(text) == pytest.approx(11 / 3 + 100 * 3 / 11)


def test_lix_rules() -> None:
    assert lix("") == 0.0
    assert is_long("planera") and not is_long("planen") and not is_long("1234567")
    # no sentence end: one sentence
    assert sentences("Hoppa över") == ["Hoppa över"]
    assert lix("Hoppa över") == pytest.approx(2.0)
    # placeholders and URLs are not words; numbers are
    assert words("Ditt nummer är {reference}. Läs på https://www.1177.se/sip") == [
        "Ditt", "nummer", "är", "Läs", "på",
    ]  # fmt: skip
    assert words("Efter 2 veckor") == ["Efter", "2", "veckor"]
    assert words("LSS-handläggare och don't") == ["LSS-handläggare", "och", "don't"]
    # colon ends a sentence, but not inside a time; lines and bullets are sentences
    assert len(sentences("Kommandon: /start visar menyn")) == 2
    assert len(sentences("Mötet börjar 12:30 i dag.")) == 1
    assert sentences("Det här har du skrivit:\n• Sova bättre\n• Gå ut") == [
        "Det här har du skrivit:", "Sova bättre", "Gå ut",
    ]  # fmt: skip
    # 7 words, 3 sentences (a line break ends one), 0 long
    assert lix("Ja! Vad heter du?\nJag heter Bo") == pytest.approx(7 / 3)


# -- completeness and consistency -----------------------------------------------------------


def test_same_msgids_everywhere() -> None:
    reference = set(PLAIN_SV)
    problems = []
    for (lang, reg), catalog in CATALOGS.items():
        missing, extra = reference - set(catalog), set(catalog) - reference
        if missing:
            problems.append(f"{lang}/{reg}.po lacks: {', '.join(sorted(missing))}")
        if extra:
            problems.append(
                f"{lang}/{reg}.po has ids not in sv/plain.po: {', '.join(sorted(extra))}"
            )
    _fail(problems)


def test_plain_is_complete() -> None:
    """Every text is there, but staff texts only in the staff languages (sv, en): another
    language may leave them empty, and its staff readers get Swedish (sipbot/i18n.py)."""
    problems = [
        f"{lang}/plain.po: {mid} has an empty msgstr"
        for lang in LANGUAGES
        for mid, text in CATALOGS[lang, "plain"].items()
        if not text.strip() and (lang in STAFF_LANGUAGES or not staff_languages_only(mid))
    ]
    _fail(problems)


def test_placeholders_match_plain_swedish() -> None:
    problems = []
    for (lang, reg), catalog in CATALOGS.items():
        for mid, text in catalog.items():
            if not text or mid not in PLAIN_SV:
                continue  # empty easy text: fallback, checked elsewhere
            want, got = placeholders(PLAIN_SV[mid]), placeholders(text)
            if want != got:
                problems.append(
                    f"{lang}/{reg}.po {mid}: placeholders {sorted(got)}, want {sorted(want)}"
                )
    _fail(problems)


def test_plural_entries() -> None:
    """A count's text has every form its language needs: 2 in Swedish, 3 in Ukrainian, 6 in
    Arabic; each form keeps the placeholders of plain Swedish."""
    reference = PLURALS["sv", "plain"]
    sv_forms = {mid: [placeholders(f) for f in forms] for mid, forms in reference.items()}
    assert reference, "no plural entries in sv/plain.po"
    problems = []
    for (lang, reg), catalog in RAW.items():
        plurals = PLURALS[lang, reg]
        if set(plurals) != set(reference):
            problems.append(
                f"{lang}/{reg}.po: plural entries differ from sv/plain.po: "
                f"{sorted(set(plurals) ^ set(reference))}"
            )
        for mid, forms in plurals.items():
            if len(forms) != catalog.num_plurals:
                problems.append(
                    f"{lang}/{reg}.po {mid}: {len(forms)} forms, Plural-Forms says "
                    f"{catalog.num_plurals}"
                )
            if not any(forms) and (reg == "easy" or lang not in STAFF_LANGUAGES):
                continue  # all empty: the plain forms (or Swedish staff texts) are shown
            want = set().union(*sv_forms.get(mid, [set()]))
            for i, form in enumerate(forms):
                if not form.strip():
                    problems.append(f"{lang}/{reg}.po {mid}: msgstr[{i}] is empty")
                elif placeholders(form) != want:
                    problems.append(
                        f"{lang}/{reg}.po {mid}[{i}]: placeholders {sorted(placeholders(form))}, "
                        f"want {sorted(want)}"
                    )
    _fail(problems)


def test_every_catalog_has_plural_forms() -> None:
    problems = [
        f"{lang}/{reg}.po: no Plural-Forms header"
        for (lang, reg) in RAW
        if "Plural-Forms" not in headers(_path(lang, reg))
    ]
    _fail(problems)


def _yaml_text_ids(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in YAML_TEXT_KEYS and isinstance(value, str):
                yield value
            elif key == "ask_by_option" and isinstance(value, dict):
                yield from value.values()
            else:
                yield from _yaml_text_ids(value)
    elif isinstance(node, list):
        for item in node:
            yield from _yaml_text_ids(item)


def test_conversation_texts_exist() -> None:
    files = sorted((ROOT / "conversations").glob("*.yaml"))
    assert files, "no conversations/*.yaml found"
    problems = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for mid in _yaml_text_ids(data):
            for (lang, reg), catalog in CATALOGS.items():
                if mid not in catalog:
                    problems.append(f"{path.name}: {mid} missing from {lang}/{reg}.po")
    _fail(problems)


def test_actor_labels_exist() -> None:
    from sipbot import deployment

    wanted = {f"actor.{actor}" for actor in deployment.KNOWN_ACTORS}
    wanted |= set(getattr(deployment, "ACTOR_LABELS", {}).values())
    assert wanted
    problems = [
        f"{mid} (sipbot/deployment.py) missing from {lang}/{reg}.po"
        for mid in sorted(wanted)
        for (lang, reg), catalog in CATALOGS.items()
        if mid not in catalog
    ]
    _fail(problems)


# -- readability ---------------------------------------------------------------------------


def test_easy_swedish_lix_per_message() -> None:
    problems = [
        f"sv easy {mid}: LIX {lix(text):.1f} > {EASY_LIX_MAX} "
        f"({len(words(text))} words, {len(sentences(text))} sentences): {text!r}"
        for mid, text in effective_easy("sv").items()
        if lix_applies(text) and lix(text) > EASY_LIX_MAX
    ]
    _fail(problems)


def test_easy_swedish_lix_overall() -> None:
    texts = effective_easy("sv")
    overall = lix("\n".join(texts.values()))
    assert overall <= EASY_LIX_OVERALL_MAX, (
        f"sv easy, all {len(texts)} messages together: LIX {overall:.1f} > {EASY_LIX_OVERALL_MAX}"
    )


def test_plain_swedish_lix_per_message() -> None:
    problems = [
        f"sv plain {mid}: LIX {lix(text):.1f} > {PLAIN_LIX_MAX}: {text!r}"
        for mid, text in PLAIN_SV.items()
        if lix_applies(text) and lix(text) > PLAIN_LIX_MAX
    ]
    _fail(problems)


@pytest.mark.parametrize("lang", WITH_EASY)
def test_easy_sentences_are_short(lang: str) -> None:
    problems = [
        f"{lang} easy {mid}: sentence of {n} words > {EASY_SENTENCE_WORDS_MAX}: {sentence!r}"
        for mid, text in effective_easy(lang).items()
        for n, sentence in long_sentences(text, EASY_SENTENCE_WORDS_MAX)
    ]
    _fail(problems)


@pytest.mark.parametrize("lang", WITH_EASY)
def test_easy_empty_only_where_plain_is_easy(lang: str) -> None:
    plain, easy = CATALOGS[lang, "plain"], CATALOGS[lang, "easy"]
    problems = []
    for mid, text in plain.items():
        if easy.get(mid) or meets_easy_bar(lang, text) or staff_only(mid):
            continue
        detail = [
            f"sentence of {n} words" for n, _ in long_sentences(text, EASY_SENTENCE_WORDS_MAX)
        ]
        if lang == "sv" and lix_applies(text) and lix(text) > EASY_LIX_MAX:
            detail.append(f"LIX {lix(text):.1f}")
        problems.append(
            f"{lang}/easy.po {mid} is empty, but the plain text is not easy enough "
            f"({', '.join(detail)}): {text!r}"
        )
    _fail(problems)


@pytest.mark.parametrize("lang", WITH_EASY)
def test_easy_questions_have_few_sentences(lang: str) -> None:
    problems = [
        f"{lang} easy {mid}: {len(sentences(text))} sentences > {ASK_SENTENCES_MAX}: {text!r}"
        for mid, text in effective_easy(lang).items()
        if mid.startswith("sip.")
        and mid.endswith(".ask")
        and len(sentences(text)) > ASK_SENTENCES_MAX
    ]
    _fail(problems)


@pytest.mark.parametrize("lang", WITH_EASY)
def test_easy_labels_are_short(lang: str) -> None:
    problems = [
        f"{lang} easy {mid}: label of {len(text)} characters > {LABEL_CHARS_MAX}: {text!r}"
        for mid, text in effective_easy(lang).items()
        if is_label(mid) and (len(text) > LABEL_CHARS_MAX or len(sentences(text)) > 1)
    ]
    _fail(problems)
