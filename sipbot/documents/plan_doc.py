"""The plan as an A4 PDF: the county form's headings and fields (end of seed 000) and the
guide's example plans (seed 001, Bilaga 2), with room for signatures.

Page 1 is the county form: who the plan is for, the form's administrative boxes (Skapad av,
Gäller from, Fastställd av, Reviderad den), date and place, who convenes, the main
responsible, the participants marked invited / present / received a copy, and the goals
split as the form splits them (the person's, the municipality's, the region's, common).
Then the guide's plan: why, the long-term goal, the situation, strengths, the planning
table (goal, action, responsible, start/end), the person's view, the follow-up, and the
signatures (Ort och datum, Namnteckning).

Words come from the catalogs in the reader's language and register (the person's copy) or
the staff language (the staff file); what staff wrote is printed as written. Boxes the plan
does not hold (personnummer, address) are left empty to be filled in by hand. fpdf2 is
imported only when a PDF is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sipbot.db.models import SipRequest
from sipbot.i18n import N_, Texts
from sipbot.plan.rules import huvudman_of
from sipbot.plan.store import Version
from sipbot.render import plan as text

__all__ = ["PlanDocument", "plan_document", "render_plan_pdf"]

_M = 18.0  # margins, mm
_LABEL_PT, _VALUE_PT, _BODY_PT, _HEAD_PT, _TITLE_PT = 7.5, 10.0, 10.0, 11.0, 15.0
_GREY, _BAND = (90, 90, 90), (232, 232, 232)


@dataclass(frozen=True)
class PlanDocument:
    """Everything the PDF prints, already in words (see ``plan_document``)."""

    title: str
    reference: str
    admin: list[tuple[str, str]]  # Skapad av, Gäller from, Fastställd av, Reviderad den
    facts: list[list[tuple[str, str]]]  # rows of labelled boxes
    attendance_title: str
    attendance_head: list[str]  # Namn, Telefon, Kallad, Närvarande vid mötet, Fått ett ex
    yes_no: tuple[str, str]
    attendance: list[tuple[str, str, bool, bool, bool]]
    form_goals: list[tuple[str, list[str]]]  # Den enskildes mål, Kommunens mål, …
    sections: list[tuple[str, list[str]]]  # before the planning table
    planning_title: str
    planning_head: list[str]
    planning: list[tuple[str, str, str, str]]
    after: list[tuple[str, list[str]]]  # the person's view, main responsible, follow-up
    consent_title: str
    signature_labels: tuple[str, str]  # Ort och datum, Namnteckning
    signatures: int
    footer: str
    language: str


def plan_document(
    request: SipRequest,
    version: Version,
    t: Texts,
    *,
    unit_name: str,
    made_by: str = "",
    place: str = "",
    today: str = "",
) -> PlanDocument:
    c = version.content
    person = request.person_name or t("plan.who.person")
    guardian = request.role == "guardian"
    title_id = N_("plan.doc.title") if version.number == 1 else N_("plan.doc.title_followup")
    main = text.main_text(c, t)
    goals = [g.text for g in c.goals]
    form_goals: list[tuple[str, list[str]]] = [
        (t("plan.doc.own_goals"), [x for x in (c.long_goal, *goals) if x])
    ]
    for side, msgid in (
        ({"municipality"}, N_("plan.doc.municipality_goals")),
        ({"region"}, N_("plan.doc.region_goals")),
        ({"municipality", "region"}, N_("plan.doc.common_goals")),
    ):
        form_goals.append((t(msgid), [g.text for g in c.goals if huvudman_of(c, g) == side]))
    planning = [
        (
            goal.text,
            "\n".join([a.what, a.how_often] if a.how_often else [a.what]),
            text.responsible(a, t, person),
            text.when(a, t),
        )
        for goal, a in c.actions()
    ]
    views = [c.person_view] if c.person_view else []
    views += [f"{a.what}: {a.person_view}" for _, a in c.actions() if a.person_view]
    follow = [
        t(
            "plan.followup.at",
            date=t.datetime(c.followup.at) if c.followup.at else t("plan.not_set"),
        ),
        t("plan.followup.convener", who=text.convener(c, t, unit_name)),
    ]
    if c.followup.covers:
        follow += [t("plan.followup.covers"), c.followup.covers]
    made = text.day(version.made_at.astimezone(t.tz).date(), t)
    held = text.day(request.meeting_at.astimezone(t.tz).date(), t) if request.meeting_at else made
    return PlanDocument(
        title=t(title_id, date=made),
        reference=request.reference,
        admin=[
            (t("plan.doc.made_by"), made_by),
            (t("plan.doc.valid_from"), made),
            (t("plan.doc.approved_by"), ""),
            (t("plan.doc.revised"), made if version.number > 1 else ""),
        ],
        facts=[
            [(t("plan.doc.name"), person), (t("plan.doc.pnr"), "")],
            [(t("plan.doc.address"), "")],
            [
                (t(N_("plan.doc.guardian") if guardian else N_("plan.doc.god_man")), ""),
                (t("plan.doc.phone"), ""),
            ],
            [(t("plan.doc.date"), held), (t("plan.doc.place"), place)],
            [
                (t("plan.doc.convener"), text.convener(c, t, unit_name)),
                (t("plan.main"), main),
            ],
            [(t("plan.doc.consent"), t("plan.yes"))],
        ],
        attendance_title=t("plan.doc.attendance"),
        attendance_head=[
            t("plan.doc.col_name"),
            t("plan.doc.phone"),
            t("plan.doc.col_invited"),
            t("plan.doc.col_present"),
            t("plan.doc.col_copy"),
        ],
        yes_no=(t("plan.yes"), t("plan.no")),
        attendance=[
            (text.participant_name(p, t, person), p.contact, p.invited, p.present, p.got_copy)
            for p in c.participants
        ],
        form_goals=form_goals,
        sections=[
            (t("plan.participants"), [text.participant_text(p, t, person) for p in c.participants]),
            (t("plan.why"), [c.why]),
            (t("plan.long_goal"), [c.long_goal]),
            (t("plan.situation"), [c.situation]),
            (t("plan.strengths"), [c.strengths]),
        ],
        planning_title=t("plan.planning"),
        planning_head=[
            t("plan.doc.col_goal"),
            t("plan.doc.col_action"),
            t("plan.doc.col_who"),
            t("plan.doc.col_when"),
        ],
        planning=planning,
        after=[
            (t("plan.person_view"), views),
            (t("plan.main"), [main]),
            (t("plan.followup"), follow),
        ],
        consent_title=t("plan.doc.signatures"),
        signature_labels=(t("plan.doc.place_date"), t("plan.doc.signature")),
        signatures=max(3, min(8, len(c.participants))),
        footer=t("doc.footer", date=today or made),
        language=t.lang,
    )


def render_plan_pdf(doc: PlanDocument) -> bytes:
    pdf = _pdf_class()(doc)
    try:
        pdf.build()
        return bytes(pdf.output())
    finally:
        for font in pdf.fonts.values():
            close = getattr(font, "close", None)
            if close is not None:
                close()


@lru_cache(maxsize=1)
def _pdf_class() -> Any:
    """The FPDF subclass, defined on first use so fpdf2 loads only when a PDF is made."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from sipbot.documents.pdf import FONT_DIR, _needs_shaping

    family = "DejaVu"

    def lh(points: float) -> float:
        return points * 1.4 * 25.4 / 72

    class PlanPDF(FPDF):  # type: ignore[misc]
        def __init__(self, doc: PlanDocument) -> None:
            super().__init__(orientation="portrait", unit="mm", format="A4")
            self.doc = doc
            self.set_margins(_M, _M, _M)
            self.set_auto_page_break(True, margin=20)
            self.add_font(family, "", FONT_DIR / "DejaVuSans.ttf")
            self.add_font(family, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
            self.alias_nb_pages("{nb}")
            self.set_title(doc.title)  # never the person's words in the metadata
            self.set_lang(doc.language)
            self.set_creator("sipbot")
            self.set_draw_color(120, 120, 120)
            self.set_line_width(0.25)
            if _needs_shaping(repr(doc)):
                self.set_text_shaping(True)

        def footer(self) -> None:
            self.set_y(-14)
            self.set_font(family, "", 8)
            self.set_text_color(*_GREY)
            third = self.epw / 3
            self.cell(third, 5, self.doc.footer)
            self.cell(third, 5, self.doc.reference, align="C")
            self.cell(third, 5, f"{self.page_no()} ({{nb}})", align="R")
            self.set_text_color(0, 0, 0)

        def build(self) -> None:
            d = self.doc
            self.add_page()
            self._title()
            self._boxes(d.admin, small=True)
            self.ln(3)
            for row in d.facts:
                self._boxes(row)
            self.ln(4)
            self._attendance()
            for heading, lines in d.form_goals:
                self._section(heading, lines, bullets=True)
            for heading, lines in d.sections:
                self._section(heading, lines)
            self._planning()
            for heading, lines in d.after:
                self._section(heading, lines)
            self._signatures()

        def _title(self) -> None:
            d = self.doc
            self.set_font(family, "B", 12)
            ref_w = self.get_string_width(d.reference) + 8
            top = self.get_y()
            self.set_font(family, "B", _TITLE_PT)
            self.multi_cell(
                self.epw - ref_w - 6, lh(_TITLE_PT), d.title, align="L", new_x=XPos.LMARGIN
            )
            bottom = self.get_y()
            self.set_xy(self.w - self.r_margin - ref_w, top)
            self.set_font(family, "B", 12)
            self.cell(ref_w, lh(12) + 2, d.reference, border=1, align="C")
            self.set_xy(self.l_margin, max(bottom, top + lh(12) + 2) + 4)

        def _boxes(self, row: list[tuple[str, str]], small: bool = False) -> None:
            """Labelled boxes across the page, as on the county form."""
            width = self.epw / len(row)
            value_pt = 8.5 if small else _VALUE_PT
            heights = []
            for _label, value in row:
                self.set_font(family, "", value_pt)
                n = len(self._lines(value, width - 3)) if value else 1
                heights.append(lh(_LABEL_PT) + max(1, n) * lh(value_pt) + 2.5)
            height = max(heights)
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
            top = self.get_y()
            for i, (label, value) in enumerate(row):
                left = self.l_margin + i * width
                self.rect(left, top, width, height)
                self.set_xy(left + 1.5, top + 1)
                self.set_font(family, "", _LABEL_PT)
                self.set_text_color(*_GREY)
                self.cell(width - 3, lh(_LABEL_PT), label)
                self.set_text_color(0, 0, 0)
                self.set_xy(left + 1.5, top + 1 + lh(_LABEL_PT))
                self.set_font(family, "", value_pt)
                self.multi_cell(width - 3, lh(value_pt), value, new_x=XPos.LEFT)
            self.set_xy(self.l_margin, top + height)

        def _heading(self, title: str) -> None:
            self.set_font(family, "B", _HEAD_PT)
            if self.get_y() + 3 * lh(_BODY_PT) + lh(_HEAD_PT) > self.page_break_trigger:
                self.add_page()
            self.set_fill_color(*_BAND)
            self.multi_cell(
                self.epw,
                lh(_HEAD_PT),
                title,
                border="TB",
                fill=True,
                padding=(1, 2),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            self.ln(1.5)

        def _section(self, title: str, lines: list[str], bullets: bool = False) -> None:
            self._heading(title)
            self.set_font(family, "", _BODY_PT)
            shown = [x for x in lines if x and x.strip()] or ["–"]
            for line in shown:
                body = f"{text.BULLET}{line}" if bullets and line != "–" else line
                self.multi_cell(
                    self.epw,
                    lh(_BODY_PT),
                    body,
                    padding=(0, 2),
                    new_x=XPos.LMARGIN,
                    new_y=YPos.NEXT,
                )
                self.ln(0.8)
            self.ln(3)

        def _planning_table(self, head: list[str], rows: list[tuple[str, ...]]) -> None:
            """The guide's planning table; a goal's cell spans the rows of its actions."""
            self.set_font(family, "", 9)
            with self.table(
                col_widths=(24, 36, 22, 18),
                line_height=lh(9),
                padding=1.2,
                headings_style=_heading_style(),
                text_align="LEFT",
                first_row_as_headings=True,
            ) as table:
                header = table.row()
                for cell in head:
                    header.cell(cell)
                i = 0
                while i < len(rows):
                    span = 1
                    while i + span < len(rows) and rows[i + span][0] == rows[i][0]:
                        span += 1
                    for j in range(span):
                        row = table.row()
                        if j == 0:
                            row.cell(rows[i][0], rowspan=span)
                        for cell in rows[i + j][1:]:
                            row.cell(cell)
                    i += span
            self.ln(4)

        def _table(
            self, head: list[str], rows: list[tuple[str, ...]], widths: tuple[int, ...]
        ) -> None:
            self.set_font(family, "", 9)
            with self.table(
                col_widths=widths,
                line_height=lh(9),
                padding=1.2,
                headings_style=_heading_style(),
                text_align="LEFT",
                first_row_as_headings=True,
            ) as table:
                header = table.row()
                for cell in head:
                    header.cell(cell)
                for values in rows:
                    row = table.row()
                    for cell in values:
                        row.cell(cell)
            self.ln(4)

        def _attendance(self) -> None:
            d = self.doc
            self._heading(d.attendance_title)
            yes, no = d.yes_no

            def mark(flag: bool) -> str:
                return f"☒ {yes}  ☐ {no}" if flag else f"☐ {yes}  ☒ {no}"

            rows = [
                (name, phone, mark(inv), mark(pres), mark(copy))
                for name, phone, inv, pres, copy in d.attendance
            ] or [("", "", "", "", "")]
            self._table(d.attendance_head, rows, (34, 20, 15, 16, 15))

        def _planning(self) -> None:
            d = self.doc
            self._heading(d.planning_title)
            self._planning_table(d.planning_head, d.planning or [("–", "", "", "")])

        def _signatures(self) -> None:
            d = self.doc
            needed = lh(_HEAD_PT) + 4 + min(d.signatures, 3) * 14
            if self.get_y() + needed > self.page_break_trigger:
                self.add_page()
            self._heading(d.consent_title)
            place_date, signature = d.signature_labels
            half = self.epw / 2
            for _ in range(d.signatures):
                if self.get_y() + 14 > self.page_break_trigger:
                    self.add_page()
                y = self.get_y() + 9
                self.line(self.l_margin, y, self.l_margin + half - 6, y)
                self.line(self.l_margin + half, y, self.w - self.r_margin, y)
                self.set_font(family, "", _LABEL_PT)
                self.set_text_color(*_GREY)
                self.set_xy(self.l_margin, y + 0.5)
                self.cell(half - 6, lh(_LABEL_PT), place_date)
                self.set_xy(self.l_margin + half, y + 0.5)
                self.cell(half, lh(_LABEL_PT), signature)
                self.set_text_color(0, 0, 0)
                self.set_xy(self.l_margin, y + 5)

        def _lines(self, value: str, width: float) -> list[str]:
            from fpdf.enums import MethodReturnValue

            return self.multi_cell(  # type: ignore[no-any-return]
                width, 5, value, dry_run=True, output=MethodReturnValue.LINES, padding=0
            )

    def _heading_style() -> Any:
        from fpdf.fonts import FontFace

        return FontFace(emphasis="BOLD", fill_color=_BAND)

    return PlanPDF
