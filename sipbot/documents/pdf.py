"""A person's SIP request as a printable A4 PDF, laid out like the county's SIP form.

Staff file the PDF in the record system. The page looks like the paper form: a title,
a grid of labelled boxes for the facts (who, where, when, consent, status), then one
section per question of the preparation form with the person's own words under it.

Everything passed in is already localized: this module adds no words of its own. The
only text it makes up is the page number, written the Swedish way, "1 (3)".

Text is shaped with HarfBuzz (fpdf2's ``set_text_shaping``, needs ``uharfbuzz``), so
Arabic is joined and right-to-left runs (Arabic, Hebrew) come out in the right order
inside Swedish or English text. The font, DejaVu Sans, is shipped in ``fonts/``, with
Noto Sans Arabic (Persian and Arabic letters DejaVu lacks) and Noto Sans Ethiopic (Tigrinya)
as fallbacks for what DejaVu cannot draw (both SIL Open Font License, fonts/LICENSE-Noto.txt).

The person's words never go into the PDF metadata: only the document title (a fixed
form title such as "Förfrågan om samordnad individuell plan (SIP)") and the language.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from sipbot.bidi import strip_isolates
from sipbot.documents.model import RequestDocument, Section  # re-exported

__all__ = ["FONT_DIR", "RequestDocument", "Section", "render_pdf", "unsupported_characters"]

FONT_DIR = Path(__file__).parent / "fonts"
_REGULAR = FONT_DIR / "DejaVuSans.ttf"
_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
_FAMILY = "DejaVu"
# Fallbacks, in order, for characters DejaVu has no glyph for: family -> (regular, bold).
_FALLBACKS = {
    "NotoArabic": (FONT_DIR / "NotoSansArabic-Regular.ttf", FONT_DIR / "NotoSansArabic-Bold.ttf"),
    "NotoEthiopic": (
        FONT_DIR / "NotoSansEthiopic-Regular.ttf",
        FONT_DIR / "NotoSansEthiopic-Bold.ttf",
    ),
}

BULLET = "• "

# A4 in millimetres; margins as on the county form.
_MARGIN_X = 20.0
_MARGIN_TOP = 18.0
_MARGIN_BOTTOM = 20.0  # the footer lives in here

# Greys, like a printed form: black text, grey labels, light boxes.
_INK = (0, 0, 0)
_LABEL = (90, 90, 90)
_RULE = (120, 120, 120)
_BAND = (232, 232, 232)

_TITLE_PT = 15.0
_FACT_LABEL_PT = 7.5
_FACT_VALUE_PT = 10.5
_HEADING_PT = 11.0
_BODY_PT = 10.5
_FOOTER_PT = 8.0
_LINE = 1.45  # line height as a multiple of the font size
_BOX_PAD = 1.8  # mm inside a fact box
_SHAPED_BIDI = frozenset({"R", "AL", "AN", "NSM"})
_TOTAL_ALIAS = "\x00"  # stands for the page count until the document closes


def render_pdf(doc: RequestDocument) -> bytes:
    """Render ``doc`` as an A4 PDF and return its bytes."""
    doc = _cleaned(doc)
    pdf = _layout(doc, total_digits=1)
    if pdf.pages_count > 9:
        # The footer reserved room for a one-digit page count; lay out again with more.
        pdf.close_fonts()
        pdf = _layout(doc, total_digits=len(str(pdf.pages_count)))
    try:
        return bytes(pdf.output())
    finally:
        pdf.close_fonts()


def _layout(doc: RequestDocument, total_digits: int) -> _FormPDF:
    pdf = _FormPDF(doc, total_digits)
    pdf.add_page()
    pdf.title_block()
    pdf.facts_block()
    for section in doc.sections:
        pdf.section(section)
    return pdf


def unsupported_characters(doc: RequestDocument) -> set[str]:
    """Characters in ``doc`` none of the shipped fonts can draw (e.g. CJK).

    They would be left out of the PDF; a caller can warn staff or attach the text
    some other way. Whitespace and control characters are never reported.
    """
    cmap = _font_cmap()
    texts = [doc.title, doc.reference, doc.footer]
    for label, value in doc.facts:
        texts += [label, value]
    for section in doc.sections:
        texts.append(section.title)
        texts += section.lines
    return {
        ch
        for text in texts
        for ch in text
        if ord(ch) not in cmap and not ch.isspace() and unicodedata.category(ch)[0] != "C"
    }


@lru_cache(maxsize=1)
def _font_cmap() -> frozenset[int]:
    found: set[int] = set()
    for path in (_REGULAR, *(regular for regular, _ in _FALLBACKS.values())):
        with TTFont(path, lazy=True) as font:
            found |= set(font.getBestCmap())
    return frozenset(found)


def _cleaned(doc: RequestDocument) -> RequestDocument:
    """``doc`` without control characters (tabs become spaces, line ends "\\n").

    Format characters (ZWJ, ZWNJ, LRM, RLM...) stay: Persian and Arabic need them.
    """

    def clean(text: str) -> str:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        # The chat's isolates (sipbot.bidi) are for Telegram; fpdf2 orders runs itself.
        text = strip_isolates(text)
        return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")

    return RequestDocument(
        title=clean(doc.title),
        reference=clean(doc.reference),
        facts=[(clean(label), clean(value)) for label, value in doc.facts],
        sections=[
            Section(clean(section.title), [clean(line) for line in section.lines])
            for section in doc.sections
        ],
        footer=clean(doc.footer),
        language=doc.language,
    )


def _direction(text: str) -> str | None:
    """The direction of the first strong character ("ltr"/"rtl"), as HTML's dir=auto."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def _needs_shaping(text: str) -> bool:
    return any(
        unicodedata.bidirectional(ch) in _SHAPED_BIDI or unicodedata.category(ch)[0] == "M"
        for ch in text
        if ord(ch) > 0x2FF
    )


def _line_height(points: float) -> float:
    return points * _LINE * 25.4 / 72


class _FormPDF(FPDF):
    def __init__(self, doc: RequestDocument, total_digits: int) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = doc
        self.base_direction = _direction(doc.title) or "ltr"
        self.set_margins(_MARGIN_X, _MARGIN_TOP, _MARGIN_X)
        self.set_auto_page_break(True, margin=_MARGIN_BOTTOM)
        self.add_font(_FAMILY, "", _REGULAR)
        self.add_font(_FAMILY, "B", _BOLD)
        for family, (regular, bold) in _FALLBACKS.items():
            self.add_font(family, "", regular)
            self.add_font(family, "B", bold)
        self.set_fallback_fonts(list(_FALLBACKS), exact_match=False)
        # The page count is filled in when the document closes. fpdf2 reserves the
        # width of one "0" per character of the alias, so the alias is as long as the
        # count will be: "1 (3)" then sits flush right with no gap. NUL never occurs in
        # the text (_cleaned drops control characters), so it cannot be mistaken.
        self.total_alias = _TOTAL_ALIAS * total_digits
        self.alias_nb_pages(self.total_alias)
        # Metadata: the form title and language only, never the person's words.
        self.set_title(doc.title)
        self.set_lang(doc.language)
        self.set_creator("sipbot")
        self.set_display_mode("fullwidth", "continuous")
        self.set_text_color(*_INK)
        self.set_draw_color(*_RULE)
        self.set_line_width(0.25)

    def close_fonts(self) -> None:
        # fpdf2 opens font files lazily and leaves them open until garbage collection
        # (a ResourceWarning per render); close them once the PDF is written.
        for font in self.fonts.values():
            close = getattr(font, "close", None)
            if close is not None:
                close()

    # -- page furniture --------------------------------------------------------------

    def header(self) -> None:
        # Continuation pages carry a small running head so a loose page can be placed.
        if self.page_no() == 1:
            return
        self.set_text_color(*_LABEL)
        h = _line_height(_FOOTER_PT)
        self.set_font(_FAMILY, "B", _FOOTER_PT)
        ref_w = self.get_string_width(self.doc.reference) + 2
        self._fit_font(self.doc.title, self.epw - ref_w - 2 * self.c_margin, "")
        self.set_xy(self.l_margin, 10)
        self._cell(self.epw - ref_w, h, self.doc.title, align="L")
        self.set_font(_FAMILY, "B", _FOOTER_PT)
        self._cell(ref_w, h, self.doc.reference, align="R")
        self.line(self.l_margin, 10 + h + 0.5, self.w - self.r_margin, 10 + h + 0.5)
        self.set_text_color(*_INK)
        self.set_y(_MARGIN_TOP)

    def footer(self) -> None:
        y = self.h - 13
        self.line(self.l_margin, y - 1.5, self.w - self.r_margin, y - 1.5)
        self.set_text_color(*_LABEL)
        h = _line_height(_FOOTER_PT)
        third = self.epw / 3
        self.set_xy(self.l_margin, y)
        self._fit_font(self.doc.footer, third - 2 * self.c_margin, "")
        self._cell(third, h, self.doc.footer, align="L")
        self._fit_font(self.doc.reference, third - 2 * self.c_margin, "B")
        self._cell(third, h, self.doc.reference, align="C")
        self.set_font(_FAMILY, "", _FOOTER_PT)
        # "1 (3)": page 1 of 3, as Swedish forms number their pages.
        self._cell(third, h, f"{self.page_no()} ({self.total_alias})", align="R")
        self.set_text_color(*_INK)

    # -- blocks ----------------------------------------------------------------------

    def title_block(self) -> None:
        """Title at the left, the reference boxed at the right, as on the county form."""
        ref_pt = 13.0
        pad = 3.0
        gap = 6.0
        self.set_font(_FAMILY, "B", ref_pt)
        ref_w = self.get_string_width(self.doc.reference) + 2 * pad
        ref_h = _line_height(ref_pt) + 2
        top = self.get_y()
        self.set_font(_FAMILY, "B", _TITLE_PT)
        self._multi_cell(self.epw - ref_w - gap, _line_height(_TITLE_PT) * 0.9, self.doc.title)
        bottom = self.get_y()
        self.set_font(_FAMILY, "B", ref_pt)
        self.set_xy(self.w - self.r_margin - ref_w, top)
        self.set_line_width(0.5)
        self.set_draw_color(*_INK)
        self._cell(ref_w, ref_h, self.doc.reference, border=1, align="C")
        self.set_line_width(0.25)
        self.set_draw_color(*_RULE)
        self.set_xy(self.l_margin, max(bottom, top + ref_h) + 5)

    def facts_block(self) -> None:
        """Labelled boxes, two to a row; a long value gets a full-width row of its own."""
        half = self.epw / 2
        rows: list[list[tuple[str, str]]] = []
        pending: list[tuple[str, str]] = []
        for fact in self.doc.facts:
            if self._fits(fact[1], half):
                pending.append(fact)
                if len(pending) == 2:
                    rows.append(pending)
                    pending = []
            else:
                if pending:
                    rows.append(pending)
                    pending = []
                rows.append([fact])
        if pending:
            rows.append(pending)
        for row in rows:
            self._fact_row(row)
        self.ln(6)

    def _fits(self, value: str, width: float) -> bool:
        """Whether ``value`` fits a half-width box in at most two lines."""
        self.set_font(_FAMILY, "", _FACT_VALUE_PT)
        return len(self._lines(value, width - 2 * _BOX_PAD)) <= 2

    def _fact_row(self, row: list[tuple[str, str]]) -> None:
        label_h = _line_height(_FACT_LABEL_PT) * 0.85
        value_h = _line_height(_FACT_VALUE_PT)
        width = self.epw / len(row)
        inner = width - 2 * _BOX_PAD
        heights = []
        for label, value in row:
            self.set_font(_FAMILY, "", _FACT_LABEL_PT)
            n_label = len(self._lines(label, inner))
            self.set_font(_FAMILY, "", _FACT_VALUE_PT)
            n_value = max(1, len(self._lines(value, inner)))
            heights.append(n_label * label_h + n_value * value_h + 1.7 * _BOX_PAD)
        height = max(heights)
        if height > self.page_break_trigger - self.t_margin - 10:
            # Longer than a page (a caller putting a whole answer in a fact): no box.
            self._flowing_fact(*row[0])
            return
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()
        top = self.get_y()
        for i, (label, value) in enumerate(row):
            left = self.l_margin + i * width
            self.rect(left, top, width, height)
            self.set_xy(left + _BOX_PAD, top + _BOX_PAD * 0.7)
            self.set_font(_FAMILY, "", _FACT_LABEL_PT)
            self.set_text_color(*_LABEL)
            self._multi_cell(inner, label_h, label, new_x=XPos.LEFT)
            self.set_text_color(*_INK)
            # Values sit in a form laid out in the document's direction: an Arabic name
            # inside a Swedish phrase stays where the phrase puts it.
            self.set_font(_FAMILY, "", _FACT_VALUE_PT)
            self._multi_cell(inner, value_h, value, new_x=XPos.LEFT)
        self.set_xy(self.l_margin, top + height)

    def _flowing_fact(self, label: str, value: str) -> None:
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(_BOX_PAD * 0.7)
        self.set_font(_FAMILY, "", _FACT_LABEL_PT)
        self.set_text_color(*_LABEL)
        self._multi_cell(self.epw, _line_height(_FACT_LABEL_PT) * 0.85, label, padding=(0, 2))
        self.set_text_color(*_INK)
        self.set_font(_FAMILY, "", _FACT_VALUE_PT)
        self._multi_cell(self.epw, _line_height(_FACT_VALUE_PT), value, padding=(0, 2))
        self.ln(_BOX_PAD)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def section(self, section: Section) -> None:
        heading_h = _line_height(_HEADING_PT)
        body_h = _line_height(_BODY_PT)
        # Keep a heading with at least two lines of its text.
        self.set_font(_FAMILY, "B", _HEADING_PT)
        title_lines = len(self._lines(section.title, self.epw - 4))
        if self.get_y() + title_lines * heading_h + 2.4 + 2 * body_h + 2 > self.page_break_trigger:
            self.add_page()
        self.set_fill_color(*_BAND)
        self._multi_cell(
            self.epw, heading_h, section.title, border="TB", fill=True, padding=(1.2, 2)
        )
        self.ln(2)
        self.set_font(_FAMILY, "", _BODY_PT)
        lines = [line.strip() for line in section.lines if line.strip()] or ["–"]
        for line in lines:
            if line.startswith(BULLET):
                self._bullet(line[len(BULLET) :].strip(), body_h)
            else:
                self._paragraph(line, body_h)
        self.ln(4)

    def _paragraph(self, text: str, h: float) -> None:
        # The person's own words: each paragraph takes its direction from its first
        # strong letter (as HTML dir="auto"), so an answer written in Arabic reads
        # right to left and is set flush right.
        direction = _direction(text) or self.base_direction
        self._multi_cell(
            self.epw,
            h,
            text,
            direction=direction,
            align="R" if direction == "rtl" else "L",
            padding=(0, 2),
        )
        self.ln(1.2)

    def _bullet(self, text: str, h: float) -> None:
        direction = _direction(text) or self.base_direction
        indent = 7.0
        if self.get_y() + h > self.page_break_trigger:
            self.add_page()
        top = self.get_y()
        if direction == "rtl":
            self.set_xy(self.w - self.r_margin - indent, top)
            self._cell(indent - 2, h, "•", align="R")
            self.set_xy(self.l_margin, top)
            self._multi_cell(self.epw - indent, h, text, direction=direction, align="R")
        else:
            self.set_xy(self.l_margin + 2, top)
            self._cell(indent - 2, h, "•", align="L")
            self.set_xy(self.l_margin + indent, top)
            self._multi_cell(self.epw - indent, h, text, direction=direction)
        self.ln(0.8)

    # -- helpers ---------------------------------------------------------------------

    def _shaping(self, text: str, direction: str | None = None) -> None:
        """Turn HarfBuzz on for ``text`` only if it needs it.

        With shaping on, fpdf2's line breaking re-shapes the line for every character
        it adds, which is slow on long answers; plain Latin, Greek and Cyrillic come
        out the same without it (bar kerning). Right-to-left text and combining marks
        need it: bidi reordering, Arabic joining, mark placement.
        """
        if _needs_shaping(text):
            self.set_text_shaping(True, direction=direction or self.base_direction)
        else:
            self.set_text_shaping(False)

    def _fit_font(self, text: str, width: float, style: str, points: float = _FOOTER_PT) -> None:
        """Set the page-furniture font, smaller if ``text`` would not fit on its line."""
        self._shaping(text)
        self.set_font(_FAMILY, style, points)
        natural = self.get_string_width(text)
        if natural > width > 0:
            self.set_font(_FAMILY, style, max(4.0, points * width / natural))

    def _cell(self, w: float, h: float, text: str, **kwargs: Any) -> None:
        self._shaping(text)
        self.cell(w, h, text, **kwargs)

    def _multi_cell(
        self, w: float, h: float, text: str, direction: str | None = None, **kwargs: Any
    ) -> None:
        self._shaping(text, direction)
        kwargs.setdefault("align", "L")
        kwargs.setdefault("new_x", XPos.LMARGIN)
        self.multi_cell(w, h, text, new_y=YPos.NEXT, **kwargs)

    def _lines(self, text: str, width: float) -> list[str]:
        if not text:
            return []
        self._shaping(text)
        return self.multi_cell(
            width, 5, text, dry_run=True, output=MethodReturnValue.LINES, padding=0
        )
