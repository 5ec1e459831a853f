"""The end of the request flow: the consent sentence on the review, storage and the receipt."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from sipbot import notify
from sipbot.chat.keyboards import kb
from sipbot.chat.person.consent_link import ConsentLinks
from sipbot.flows.engine import State, final_answers
from sipbot.flows.model import Flow
from sipbot.i18n import N_, Texts
from sipbot.requests import submit_request
from sipbot.services import Services

log = logging.getLogger(__name__)
CONSENT_BY_ROLE = {
    "self": N_("review.consent.self"),
    "relative": N_("review.consent.relative"),
    "representative": N_("review.consent.representative"),
    "guardian": N_("review.consent.guardian"),
}


class RequestSubmit:
    def __init__(self, services: Services, links: ConsentLinks) -> None:
        self.s = services
        self.links = links

    def _unit_name(self, state: State) -> str:
        municipality = state["answers"].get("municipality")
        if municipality is None:
            return ""
        return self.s.deployment.unit(self.s.deployment.municipality(municipality).intake_unit).name

    def consent_sentence(self, state: State, t: Texts) -> str:
        role = state["answers"].get("role", "self")
        return t(CONSENT_BY_ROLE[role], unit=self._unit_name(state))

    async def submit(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, flow: Flow, state: State, t: Texts
    ) -> None:
        assert update.effective_user is not None and update.effective_chat is not None
        request = submit_request(
            self.s.engine,
            self.s.deployment,
            self.s.clock,
            telegram_id=update.effective_user.id,
            flow_id=flow.id,
            flow_version=flow.version,
            answers=final_answers(flow, state),
            language=t.lang,
            easy=t.easy,
            tz=self.s.settings.tz,
            draft_key=state.get("draft"),
            then=notify.new_request(self.s),  # the unit's card, stored with the request
        )
        # Sent again from the same draft (e.g. the bot died before the receipt went out):
        # the same request, and what follows storing it is done again (at least once).
        log.info("request.submitted id=%s unit=%s", request.id, request.unit)
        days = self.s.deployment.response_time_working_days
        await context.bot.send_message(
            update.effective_chat.id,
            t(
                "receipt.text",
                reference=request.reference,
                unit=self._unit_name(state),
                days=t.ngettext("count.working_days", days, n=days),
            ),
            reply_markup=kb([(t("menu.requests"), "M:requests")], [(t("button.menu"), "M:menu")]),
        )
        if request.consent == "awaiting_person":
            await self.links.offer(context, update.effective_chat.id, request, t)
