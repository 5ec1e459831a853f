"""A unit's admin manages colleagues in the bot: invite links and removal."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from sipbot import notify
from sipbot.chat import callbacks
from sipbot.chat.keyboards import kb
from sipbot.db.engine import session_scope
from sipbot.i18n import N_, Texts
from sipbot.services import Services
from sipbot.staff import members
from sipbot.staff.audit import audit, refused_attempt
from sipbot.stats import unit_stats

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
ROLE_LABELS = {"staff": N_("staff.team.role_staff"), "admin": N_("staff.team.role_admin")}


class Team:
    def __init__(self, services: Services) -> None:
        self.s = services

    def _t(self, update: Update) -> Texts:
        return self.s.catalogs.texts(self.s.texts_for(update).lang, easy=False)

    def _admin(self, update: Update) -> members.StaffMember | None:
        user = update.effective_user
        found = members.member(self.s.engine, user.id) if user else None
        return found if found is not None and found.role == "admin" else None

    async def command(self, update: Update, context: Context) -> None:
        t = self._t(update)
        admin = self._admin(update)
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if admin is None:
            await context.bot.send_message(chat_id, t("staff.not_available"))
            return
        await self._show(context, chat_id, admin, t)

    async def _show(
        self, context: Context, chat_id: int, admin: members.StaffMember, t: Texts
    ) -> None:
        colleagues = members.members(self.s.engine, admin.unit)
        lines = [t("staff.team.title", unit=self.s.deployment.unit(admin.unit).name)]
        lines += [
            t("staff.team.line", name=m.name or m.telegram_id, role=t(ROLE_LABELS[m.role]))
            for m in colleagues
        ]
        rows = [
            [
                (t("staff.team.remove", name=m.name or m.telegram_id), f"G:remove:{m.telegram_id}"),
                (t("staff.team.handover", name=m.name or m.telegram_id), f"G:hand:{m.telegram_id}"),
            ]
            for m in colleagues
            if m.telegram_id != admin.telegram_id
        ]
        rows.append([(t("staff.team.invite_staff"), "G:invite:staff")])
        rows.append([(t("staff.team.invite_admin"), "G:invite:admin")])
        await context.bot.send_message(chat_id, "\n".join(lines), reply_markup=kb(*rows))

    async def stats(self, update: Update, context: Context) -> None:
        t = self._t(update)
        admin = self._admin(update)
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        if admin is None:
            await context.bot.send_message(chat_id, t("staff.not_available"))
            return
        with session_scope(self.s.engine) as s:
            audit(s, self.s.clock(), admin.telegram_id, "stats", detail=f"unit={admin.unit}")
        await context.bot.send_message(chat_id, stats_text(self.s, admin, t))

    def _colleague(self, admin: members.StaffMember, arg: str) -> members.StaffMember | None:
        """Another active member of the admin's own unit, or None."""
        telegram_id = callbacks.number(arg)
        target = None if telegram_id is None else members.member(self.s.engine, telegram_id)
        if target is None or target.unit != admin.unit or target.telegram_id == admin.telegram_id:
            return None
        return target

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        t = self._t(update)
        admin = self._admin(update)
        _, action, arg = ((query.data or "") + "::").split(":")[:3]
        if (
            admin is None
            or update.effective_chat is None
            or update.effective_chat.type != "private"
        ):
            who = update.effective_user.id if update.effective_user else None
            refused_attempt(self.s.engine, self.s.clock(), who, f"team.{action}", "not_admin")
            await query.answer(t("staff.not_available"))
            return
        chat_id = update.effective_chat.id
        if action == "invite" and arg in members.ROLES:
            await query.answer()
            token = members.create_invite(
                self.s.engine, self.s.clock, admin.unit, arg, created_by=admin.telegram_id
            )
            link = f"https://t.me/{context.bot.username}?start={members.INVITE_PREFIX}{token}"
            hours = int(members.INVITE_VALID.total_seconds() // 3600)
            await context.bot.send_message(
                chat_id,
                t(
                    "staff.team.invite_link",
                    link=link,
                    hours=t.ngettext("count.hours", hours, n=hours),
                ),
            )
        elif action in ("remove", "remove_yes") and self._colleague(admin, arg) is None:
            refused_attempt(
                self.s.engine, self.s.clock(), admin.telegram_id, f"team.{action}", "no_colleague"
            )
            await query.answer(t("staff.not_available"))
        elif action == "remove":
            target = self._colleague(admin, arg)
            assert target is not None
            await query.answer()
            await context.bot.send_message(
                chat_id,
                t("staff.team.remove_ask", name=target.name or target.telegram_id),
                reply_markup=kb(
                    [(t("staff.team.remove_yes"), f"G:remove_yes:{target.telegram_id}")],
                    [(t("staff.button.cancel"), "G:list:")],
                ),
            )
        elif action == "remove_yes":
            target = self._colleague(admin, arg)
            assert target is not None
            returned = members.remove(
                self.s.engine,
                self.s.clock,
                target.telegram_id,
                by=admin.telegram_id,
                then=notify.returned(self.s),  # back in the queue: the unit hears, queued
            )
            log.info("staff.removed unit=%s returned=%s", admin.unit, len(returned or []))
            await query.answer(t("staff.team.removed"))
            await self._show(context, chat_id, admin, t)
        elif action == "hand" and (source := self._colleague(admin, arg)) is not None:
            await query.answer()
            rows = [
                [(m.name or str(m.telegram_id), f"G:handto:{source.telegram_id}.{m.telegram_id}")]
                for m in members.members(self.s.engine, admin.unit)
                if m.telegram_id != source.telegram_id
            ]
            rows.append([(t("staff.button.cancel"), "G:list:")])
            await context.bot.send_message(
                chat_id,
                t("staff.team.handover_ask", name=source.name or source.telegram_id),
                reply_markup=kb(*rows),
            )
        elif action == "handto" and arg.count(".") == 1:
            await self._hand_over(update, context, admin, *arg.split("."), t)
        else:
            await query.answer()
            await self._show(context, chat_id, admin, t)

    async def _hand_over(
        self,
        update: Update,
        context: Context,
        admin: members.StaffMember,
        from_arg: str,
        to_arg: str,
        t: Texts,
    ) -> None:
        query = update.callback_query
        assert query is not None
        source = self._colleague(admin, from_arg)
        to = members.member(self.s.engine, int(to_arg)) if to_arg.isdigit() else None
        if source is None or to is None or to.unit != admin.unit:
            refused_attempt(
                self.s.engine, self.s.clock(), admin.telegram_id, "team.handto", "no_colleague"
            )
            await query.answer(t("staff.not_available"))
            return
        tell = notify.handed_over(self.s, admin, to.telegram_id)
        moved = members.hand_over(
            self.s.engine, self.s.clock, admin, source.telegram_id, to.telegram_id, then=tell
        )
        log.info("staff.handed_over unit=%s count=%s", admin.unit, len(moved))
        await query.answer()
        await context.bot.send_message(
            admin.telegram_id,
            t.ngettext(
                "staff.team.handed", len(moved), count=len(moved), name=to.name or to.telegram_id
            ),
        )


def _figure(value: float | None, t: Texts) -> str:
    """One decimal, the reader's way ("0,3" in Swedish)."""
    return "–" if value is None else t.number(round(value, 1))


def stats_text(services: Services, admin: members.StaffMember, t: Texts) -> str:
    """The unit's figures for an admin: now, and month by month."""
    figures = unit_stats(services.engine, admin.unit, services.clock(), services.settings.tz)
    lines = [
        t("staff.stats.title", unit=services.deployment.unit(admin.unit).name),
        t(
            "staff.stats.now",
            open=figures.open_now,
            unclaimed=figures.unclaimed_now,
            overdue=figures.overdue_now,
        ),
    ]
    for month in (*figures.months, figures.period):
        lines.append(
            t(
                "staff.stats.month",
                month=month.month or t("staff.stats.period"),
                total=t.ngettext("count.requests", month.total, n=month.total),
                claim_median=_figure(month.claim_median_hours, t),
                claim_p90=_figure(month.claim_p90_hours, t),
                meeting_median=_figure(month.meeting_median_days, t),
                overdue=month.overdue,
            )
        )
    return "\n\n".join(lines)
