"""The printable SIP request: text survives, in order, on the right pages, in any script.

The PDF is read back with pypdf. A PDF draws right-to-left text in visual order and
pypdf turns runs of RTL letters back into typed order on extraction; what that does and
does not prove is explained at ``test_rtl_names_read_in_logical_order``.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings

import pypdf
import pytest

from sipbot.documents.pdf import RequestDocument, Section, render_pdf, unsupported_characters

ARABIC = "محمد العلي"
HEBREW = "דוד כהן"

PROBLEMS = (
    "Jag har haft svår ångest sedan våren och sover dåligt, ofta bara tre–fyra timmar "
    "per natt. Det gör att jag inte orkar gå till jobbet på lagret i Östersund, och jag "
    "har varit sjukskriven i två månader. Min mamma hjälper mig med mat och räkningar "
    "men hon är själv sjuk och bor i Åre, så hon kan inte komma varje vecka. Jag träffar "
    "en läkare på vårdcentralen och en kurator på psykiatrin, och jag har kontakt med "
    "socialtjänsten om ekonomiskt bistånd. Ingen av dem vet vad de andra gör, och jag "
    "måste berätta samma sak om och om igen. Det är det som är svårast för mig. "
)
GOAL = "Att kunna gå tillbaka till jobbet på halvtid före sommaren och må bättre i vardagen."
SUBGOALS = [
    "Sova minst sex timmar per natt inom en månad.",
    "Handla mat själv en gång i veckan.",
    "Få hjälp att söka bostadstillägg och göra en budget.",
    "Träffa Försäkringskassan och arbetsgivaren tillsammans innan jag börjar jobba igen.",
]
HEADINGS_SV = [
    "Vad är mina största problem som jag behöver hjälp med? Vad är viktigt för mig?",
    "Mitt huvudmål (långsiktigt)",
    "Mina delmål (kortsiktiga)",
    "Vad kan jag göra själv",
    "Hur ska målen följas upp",
    "Efter hur lång tid ska målen och insatserna följas upp",
    "Övrigt som jag tycker är viktigt",
]


def swedish_request() -> RequestDocument:
    return RequestDocument(
        title="Förfrågan om samordnad individuell plan (SIP)",
        reference="SIP-7K3Q",
        facts=[
            ("Namn", ARABIC),
            ("Ifylld av", f"{HEBREW}, närstående (bror)"),
            ("Mottagande enhet", "Socialtjänsten, vuxenenheten – SIP-samordnare"),
            ("Kommun", "Östersunds kommun"),
            ("Skickad", "2026-11-22 14:05"),
            ("Samtycke", "Ja, muntligt. Gäller kommunen och regionen, inte arbetsgivaren."),
            ("Status", "Mottagen – väntar på kontakt"),
        ],
        sections=[
            Section(HEADINGS_SV[0], [PROBLEMS * 3, PROBLEMS * 3, PROBLEMS * 2]),
            Section(HEADINGS_SV[1], [GOAL]),
            Section(HEADINGS_SV[2], ["• " + s for s in SUBGOALS]),
            Section(
                HEADINGS_SV[3],
                ["Jag kan gå promenader med hunden varje dag.", "• Föra dagbok över sömnen."],
            ),
            Section(HEADINGS_SV[4], ["Ett möte där alla är med, gärna på vårdcentralen."]),
            Section(HEADINGS_SV[5], ["Efter tre månader."]),
            Section(
                HEADINGS_SV[6],
                [
                    "Jag behöver tolk på arabiska. Ring helst efter kl. 10.",
                    "Äldreomsorgen behöver inte vara med.",
                ],
            ),
        ],
        footer="Skapad av sipbot 2026-11-22",
    )


def english_request() -> RequestDocument:
    return RequestDocument(
        title="Request for a coordinated individual plan (SIP)",
        reference="SIP-9PXM",
        facts=[
            ("Name", "Karl Andersson"),
            ("Filled in by", "Karl Andersson"),
            ("Receiving unit", "Region Jämtland Härjedalen, primary care"),
            ("Municipality", "Krokom"),
            ("Sent", "2026-11-22"),
            ("Consent", "Yes"),
            ("Status", "Sent"),
        ],
        sections=[
            Section("What are my biggest problems?", ["I fall at home and forget my insulin."]),
            Section("My main goal (long-term)", ["To keep living in my own house."]),
            Section("My sub-goals (short-term)", ["• No falls this winter.", "• Stable sugar."]),
        ],
        footer="Created by sipbot 2026-11-22",
        language="en",
    )


def read(pdf: bytes):
    return pypdf.PdfReader(io.BytesIO(pdf))


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in read(pdf).pages]


def flat(text: str) -> str:
    """Text with line breaks and hyphen-free wrapping undone, for phrase searches."""
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def swedish_pdf() -> bytes:
    return render_pdf(swedish_request())


@pytest.fixture(scope="module")
def swedish_pages(swedish_pdf: bytes) -> list[str]:
    return pages_text(swedish_pdf)


def test_is_an_a4_pdf_over_several_pages(swedish_pdf: bytes) -> None:
    assert swedish_pdf.startswith(b"%PDF-")
    reader = read(swedish_pdf)
    assert len(reader.pages) >= 3, "the long answer should run over two pages and more"
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_footer_with_reference_and_page_number_on_every_page(swedish_pages: list[str]) -> None:
    total = len(swedish_pages)
    for number, text in enumerate(swedish_pages, start=1):
        # The footer is the last thing drawn on a page: caller's text, reference, "n (N)".
        footer = text.strip().splitlines()[-1]
        assert footer == f"Skapad av sipbot 2026-11-22 SIP-7K3Q {number} ({total})", footer
        # No other page's number sneaks in, and the {nb} alias was substituted.
        assert "{nb}" not in text
        others = {f"{n} ({total})" for n in range(1, total + 1)} - {f"{number} ({total})"}
        assert not any(other in text for other in others)


def test_header_block_on_first_page(swedish_pages: list[str]) -> None:
    first = flat(swedish_pages[0])
    assert first.startswith("Förfrågan om samordnad individuell plan (SIP)")
    for label, value in swedish_request().facts:
        assert label in first
        if not any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in value):
            assert value in first, value  # RTL values: see the RTL tests below


def test_headings_in_form_order(swedish_pages: list[str]) -> None:
    text = flat(" ".join(swedish_pages))
    positions = [text.find(heading) for heading in HEADINGS_SV]
    assert -1 not in positions, [h for h, p in zip(HEADINGS_SV, positions, strict=True) if p < 0]
    assert positions == sorted(positions)


def test_each_heading_printed_once(swedish_pages: list[str]) -> None:
    text = flat(" ".join(swedish_pages))
    for heading in HEADINGS_SV:
        assert text.count(heading) == 1, heading


def test_goals_and_sub_goals_in_the_persons_words(swedish_pages: list[str]) -> None:
    text = flat(" ".join(swedish_pages))
    assert GOAL in text
    for sub_goal in SUBGOALS:
        assert f"• {sub_goal}" in text or f"•{sub_goal}" in text, sub_goal
    # Sub-goals keep their order.
    positions = [text.find(s) for s in SUBGOALS]
    assert positions == sorted(positions)


def test_long_answer_wraps_across_pages_without_losing_words(swedish_pages: list[str]) -> None:
    body = flat(" ".join(swedish_pages))
    # Every word of the long answer is there, 8 times over (3 + 3 + 2 repetitions).
    assert body.count("Det är det som är svårast för mig.") == 8
    # ...and it really spans pages: its first sentence on page 1, the last on a later page.
    assert "Jag har haft svår ångest" in swedish_pages[0]
    last_page_with_answer = max(
        i for i, page in enumerate(swedish_pages) if "svårast för mig" in page
    )
    assert last_page_with_answer >= 1


def _chunks(pdf: bytes, page: int) -> list[tuple[float, float, str]]:
    """(x, y, text) of each piece of text pypdf sees drawn, in points from bottom left."""
    found: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, _font, _size) -> None:
        if text.strip():
            found.append((cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3], text.strip()))

    read(pdf).pages[page].extract_text(visitor_text=visit)
    return found


def test_sub_goals_are_bullets_with_a_hanging_indent() -> None:
    long_goal = "Träffa Försäkringskassan och arbetsgivaren tillsammans " * 4 + "slut."
    doc = RequestDocument(
        title="Förfrågan om samordnad individuell plan (SIP)",
        reference="SIP-7K3Q",
        facts=[],
        sections=[Section("Mina delmål (kortsiktiga)", ["• " + long_goal, "• Sova bättre."])],
        footer="Skapad av sipbot 2026-11-22",
    )
    chunks = _chunks(render_pdf(doc), 0)
    bullets = [(x, y) for x, y, text in chunks if text == "•"]
    assert len(bullets) == 2, chunks
    first = [(x, y) for x, y, text in chunks if text.startswith("Träffa")]
    assert first, chunks
    (bullet_x, bullet_y), (text_x, text_y) = bullets[0], first[0]
    assert abs(bullet_y - text_y) < 1  # the bullet sits on the item's first line
    assert text_x - bullet_x > 10  # ...and the text starts clear of it
    # The wrapped lines of the item line up with its first line, not with the bullet.
    wrapped = [x for x, y, _text in chunks if bullet_y - 40 < y < bullet_y - 1]
    assert wrapped, chunks
    assert all(abs(x - text_x) < 1 for x in wrapped), (text_x, wrapped)


def _footer_width(text: str) -> float:
    """Width in points of ``text`` in the footer's font (DejaVu Sans, 8 pt)."""
    from fontTools.ttLib import TTFont

    from sipbot.documents.pdf import FONT_DIR

    with TTFont(FONT_DIR / "DejaVuSans.ttf") as font:
        cmap, hmtx = font.getBestCmap(), font["hmtx"]
        units = sum(hmtx[cmap[ord(ch)]][0] for ch in text)
        return units * 8 / font["head"].unitsPerEm


def assert_page_number_flush_right(pdf: bytes, page: int) -> None:
    """No gap after "n (N)": the room kept for the page count is exactly as wide."""
    pages = read(pdf).pages
    right = float(pages[page].mediabox.width) - 20 * 72 / 25.4 - 72 / 25.4  # margin, pad
    label = f"{page + 1} ({len(pages)})"
    found = [x for x, _y, text in _chunks(pdf, page) if text == label]
    assert found, f"no {label!r} drawn on its own"
    assert abs(found[0] + _footer_width(label) - right) < 0.5, (found, right)


def test_page_number_sits_flush_right(swedish_pdf: bytes) -> None:
    for page in range(len(read(swedish_pdf).pages)):
        assert_page_number_flush_right(swedish_pdf, page)


def test_swedish_characters_intact(swedish_pages: list[str]) -> None:
    text = " ".join(swedish_pages)
    words = ["Östersunds", "Åre", "vårdcentralen", "Övrigt", "Förfrågan", "Äldreomsorgen"]
    for word in [*words, "räkningar", "Försäkringskassan"]:
        assert word in text, word
    assert set("åäöÅÄÖ") <= set(text)
    # Precomposed, not a base letter plus a combining ring or diaeresis.
    assert unicodedata.normalize("NFC", text) == text


def test_rtl_name_characters_are_all_present(swedish_pages: list[str]) -> None:
    """Order aside, every letter of both names is on page 1, none lost to a missing glyph."""
    text = swedish_pages[0]
    for name in (ARABIC, HEBREW):
        assert set(name.replace(" ", "")) <= set(text), name


def test_rtl_names_read_in_logical_order(swedish_pages: list[str]) -> None:
    """The names come back whole and in the order they were typed.

    A PDF stores glyphs in drawing order, left to right on the page, and right-to-left
    text has to be drawn reversed ("visual order") to read correctly on paper. pypdf
    knows this: when it meets a run of RTL characters it reverses the run back into
    logical order. So the name reads correctly in extraction *only if* the PDF drew it
    in visual order: if the bidi step were missing (glyphs drawn in typed order), pypdf
    would hand us the name backwards. ``test_extraction_oracle_catches_missing_bidi``
    shows that with fpdf2's shaping switched off. What pypdf does with the neutral
    characters around a run (the comma after the Hebrew name) is its own heuristic, so
    only the names themselves are compared.
    """
    text = swedish_pages[0]
    assert ARABIC in text
    assert HEBREW in text
    assert ARABIC[::-1] not in text
    assert HEBREW[::-1] not in text


def test_extraction_oracle_catches_missing_bidi() -> None:
    """The check above can fail: the same names drawn without bidi come back reversed."""
    from fpdf import FPDF

    from sipbot.documents.pdf import FONT_DIR

    pdf = FPDF()
    pdf.add_font("DejaVu", "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_page()
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(0, 10, f"{ARABIC} {HEBREW}")  # no set_text_shaping: typed order, unjoined
    text = pages_text(bytes(pdf.output()))[0]
    for font in pdf.fonts.values():
        font.ttfont.close()
    assert ARABIC not in text
    assert HEBREW not in text


def _glyphs_per_character(pdf: bytes, page: int = 0) -> dict[str, int]:
    """How many distinct glyphs of the page's fonts map back to each character."""
    fonts = read(pdf).pages[page]["/Resources"]["/Font"]
    counts: dict[str, int] = {}
    for ref in fonts.values():
        to_unicode = ref.get_object().get("/ToUnicode")
        if to_unicode is None:
            continue
        cmap = to_unicode.get_object().get_data().decode("latin-1")
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, flags=re.S):
            for _code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                char = bytes.fromhex(uni).decode("utf-16-be")
                counts[char] = counts.get(char, 0) + 1
    return counts


def test_arabic_is_joined_not_isolated(swedish_pdf: bytes) -> None:
    """Arabic letters take joining forms, so one letter needs several glyphs.

    In "محمد" the first م is drawn in its initial form and the second in its medial
    form: two glyphs that both map back to U+0645 in the font's ToUnicode table.
    Unshaped, the PDF would hold one (isolated) glyph for م. Hebrew has no joining
    forms: its letters are there with one glyph each.
    """
    counts = _glyphs_per_character(swedish_pdf)
    assert counts.get("\u0645", 0) >= 2  # م initial + medial
    assert counts.get("\u0639", 0) >= 1  # ع
    assert counts.get("\u05d3", 0) == 1  # ד


def test_rtl_answer_paragraph_keeps_its_words() -> None:
    doc = swedish_request()
    arabic_answer = "أريد أن أعود إلى العمل"
    doc = RequestDocument(
        title=doc.title,
        reference=doc.reference,
        facts=doc.facts,
        sections=[Section("Mitt huvudmål (långsiktigt)", [arabic_answer, "• " + HEBREW])],
        footer=doc.footer,
    )
    text = pages_text(render_pdf(doc))[0]
    # A paragraph written all in Arabic is set right to left and comes back in the
    # order it was typed (see test_rtl_names_read_in_logical_order for why that holds).
    assert arabic_answer in text
    assert HEBREW in text


def test_english_document(tmp_path) -> None:
    pdf = render_pdf(english_request())
    pages = pages_text(pdf)
    assert len(pages) == 1
    text = flat(pages[0])
    assert text.startswith("Request for a coordinated individual plan (SIP)")
    for fragment in [
        "SIP-9PXM",
        "1 (1)",
        "Created by sipbot 2026-11-22",
        "Receiving unit",
        "Region Jämtland Härjedalen, primary care",
        "To keep living in my own house.",
        "No falls this winter.",
    ]:
        assert fragment in text, fragment
    positions = [text.find(h) for h in ["biggest problems", "main goal", "sub-goals"]]
    assert positions == sorted(positions) and -1 not in positions
    assert read(pdf).metadata.title == "Request for a coordinated individual plan (SIP)"
    assert b"/Lang (en)" in pdf or b"/Lang(en)" in pdf


def test_metadata_has_title_and_language_but_none_of_the_persons_words(
    swedish_pdf: bytes,
) -> None:
    reader = read(swedish_pdf)
    meta = reader.metadata
    assert meta.title == "Förfrågan om samordnad individuell plan (SIP)"
    lang = reader.trailer["/Root"].get("/Lang")
    assert lang == "sv"
    values = " ".join(str(v) for v in meta.values())
    for words in [ARABIC, HEBREW, "ångest", "halvtid", "Östersund", "SIP-7K3Q"]:
        assert words not in values
    # No XMP stream carrying text either.
    assert "/Metadata" not in reader.trailer["/Root"]


def test_empty_section_still_printed_with_its_heading() -> None:
    doc = english_request()
    doc = RequestDocument(
        title=doc.title,
        reference=doc.reference,
        facts=[],
        sections=[Section("Other things I think are important", []), *doc.sections],
        footer=doc.footer,
        language="en",
    )
    text = flat(pages_text(render_pdf(doc))[0])
    assert "Other things I think are important" in text
    assert text.index("Other things") < text.index("biggest problems")


def test_a_fact_longer_than_a_page_still_prints_whole() -> None:
    doc = english_request()
    huge = "word " * 1500 + "END"
    doc = RequestDocument(
        title=doc.title,
        reference=doc.reference,
        facts=[("Name", "Karl"), ("Note", huge), ("Status", "Sent")],
        sections=doc.sections,
        footer=doc.footer,
        language="en",
    )
    pages = pages_text(render_pdf(doc))
    text = flat(" ".join(pages))
    assert len(pages) >= 2
    assert text.count("word") == 1500 and "END" in text
    assert text.index("END") < text.index("Status") < text.index("biggest problems")


def test_unsupported_characters_are_reported() -> None:
    doc = english_request()
    assert unsupported_characters(doc) == set()
    doc = RequestDocument(
        title=doc.title,
        reference=doc.reference,
        # Ethiopic (Tigrinya) is drawn with the Noto Sans Ethiopic fallback; Han is not shipped.
        facts=[("Name", "ሰላም Abebe 李")],
        sections=[Section("Note", [f"{ARABIC} {HEBREW} åäö – •"])],
        footer=doc.footer,
    )
    assert unsupported_characters(doc) == {"李"}


def test_page_numbers_with_two_digit_total() -> None:
    doc = swedish_request()
    long = Section("Övrigt som jag tycker är viktigt", [PROBLEMS * 4] * 16)
    doc = RequestDocument(
        title=doc.title,
        reference=doc.reference,
        facts=doc.facts,
        sections=[long],
        footer=doc.footer,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fpdf2 warns if a page count outgrows its room
        pdf = render_pdf(doc)
    pages = pages_text(pdf)
    total = len(pages)
    assert total >= 10
    for number, text in enumerate(pages, start=1):
        assert text.strip().endswith(f"SIP-7K3Q {number} ({total})")
    for page in (0, 9, total - 1):
        assert_page_number_flush_right(pdf, page)


def test_control_characters_are_dropped_and_tabs_become_spaces() -> None:
    doc = english_request()
    doc = RequestDocument(
        title=doc.title,
        reference=doc.reference,
        facts=[("Name", "Karl\x00\x07 Andersson")],
        sections=[Section("Note", ["first\tsecond\r\nthird line"])],
        footer=doc.footer,
        language="en",
    )
    text = pages_text(render_pdf(doc))[0]
    assert "Karl Andersson" in text
    assert "first second" in text
    assert "third line" in text
    assert "\x00" not in text and "\x07" not in text
    assert "1 (1)" in text
