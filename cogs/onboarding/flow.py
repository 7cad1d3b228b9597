"""The flow's steps as the member clicks through them: each parses the control, calls one use case, renders."""

from __future__ import annotations

from typing import Any

import discord

from bot.core import CoalitionBot
from bot.errors import UserFacingError
from bot.replies import defer, defer_update, reply
from cogs.onboarding import service, steps, views
from cogs.onboarding.service import ALREADY_FINISHED, FlowState

LEFT_OFF = "Here is where you left off."
# Buttons answered with a form pre-filled from the member's saved answers: a form cannot follow an
# acknowledgement, so these read before they answer.
ANSWERED_WITH_A_FORM = frozenset({"about", "workplace"})
TURNS_A_PAGE = frozenset({"discpage"})


async def find_member(guild: discord.Guild, user_id: int) -> discord.Member | None:
    """The member from the cache, or from Discord when the cache is not filled yet (just after a start)."""
    member = guild.get_member(user_id)
    if member is not None:
        return member
    try:
        return await guild.fetch_member(user_id)
    except discord.NotFound:
        return None


def saved_note(department: Any) -> str:
    """ "Saved.", and which health department the organization typed was matched to, where the server keeps a list."""
    if not isinstance(department, dict):
        return "Saved."
    if department.get("name"):
        return f"Saved. Your health department: **{discord.utils.escape_markdown(department['name'])}**."
    return (
        "Saved. I could not match your organization to one of this server's health departments: pick yours "
        "with `/profile edit department:` in the server (start typing its name), so that polls count you in it."
    )


class FlowSteps:
    """The onboarding cog's handlers for the flow's buttons, selects and forms."""

    bot: CoalitionBot

    async def finish(self, interaction: discord.Interaction, guild_id: int) -> None:
        raise NotImplementedError

    async def resolve(
        self, interaction: discord.Interaction, guild_id: int
    ) -> tuple[discord.Guild, discord.Member]:
        """The guild named in a custom id, and the clicking user as its member (else a clear refusal)."""
        if interaction.guild_id is not None and interaction.guild_id != guild_id:
            raise UserFacingError("That button belongs to another server.")
        guild = self.bot.get_guild(guild_id)
        member = await find_member(guild, interaction.user.id) if guild else None
        if guild is None or member is None:
            raise UserFacingError(
                "I cannot find you in that server any more, so this onboarding cannot continue."
            )
        return guild, member

    def render(self, state: FlowState, *, page: int = 0, note: str | None = None) -> dict[str, Any]:
        guild = self.bot.get_guild(state.guild_id)
        context = views.StepContext(
            guild_id=state.guild_id,
            guild_name=guild.name if guild else "the coalition",
            step=state.step,
            answers=state.answers,
            code_of_conduct=state.code_of_conduct,
            catalog=state.catalog,
            page=page,
            note=note,
        )
        return views.render_step(context)

    async def show_current(
        self, interaction: discord.Interaction, guild_id: int, *, note: str | None = None, page: int = 0
    ) -> None:
        """Answer with the member's current step as a new message (ephemeral outside DMs)."""
        state = await service.begin(self.bot.app, guild_id=guild_id, user_id=interaction.user.id)
        message = self.render(state, note=note, page=page)
        await reply(interaction, **message, ephemeral=interaction.guild_id is not None)

    async def on_action(
        self, interaction: discord.Interaction, guild_id: int, action: str, arg: int | None
    ) -> None:
        await self.resolve(interaction, guild_id)
        # Answer first: a page of the list is redrawn on its own message, the next step comes as a new one.
        if action in TURNS_A_PAGE:
            await defer_update(interaction)
        elif action not in ANSWERED_WITH_A_FORM:
            await defer(interaction, ephemeral=interaction.guild_id is not None)
        done = await service.act(self.bot.app, guild_id=guild_id, user_id=interaction.user.id, action=action)
        if done.outcome == "finished":
            await reply(interaction, ALREADY_FINISHED, ephemeral=interaction.guild_id is not None)
        elif done.outcome == "stale":
            await self.show_current(interaction, guild_id, note=LEFT_OFF)
        elif done.outcome == "form":
            defaults = dict(done.state.answers.get(action) or {})
            await interaction.response.send_modal(views.OnboardingForm(action, guild_id, defaults))
        elif done.outcome == "page":
            await self.redraw(interaction, done.state, page=arg or 0)
        elif done.outcome == "confirm":
            await self.finish(interaction, guild_id)
        else:
            await self.show_current(interaction, guild_id)

    async def redraw(self, interaction: discord.Interaction, state: FlowState, *, page: int = 0) -> None:
        """Show the step on the message whose control was used (answered already, or not yet)."""
        message = self.render(state, page=page)
        if interaction.response.is_done():
            await interaction.edit_original_response(**message)
        else:
            await interaction.response.edit_message(**message)

    async def on_section_saved(
        self, interaction: discord.Interaction, guild_id: int, section: str, clean: dict[str, str | None]
    ) -> None:
        await self.resolve(interaction, guild_id)
        await defer(interaction, ephemeral=interaction.guild_id is not None)
        state = await service.save_section(
            self.bot.app, guild_id=guild_id, user_id=interaction.user.id, section=section, values=clean
        )
        note = (
            (saved_note(state.answers.get(steps.DEPARTMENT)) if section == steps.WORKPLACE else "Saved.")
            if state
            else LEFT_OFF
        )
        await self.show_current(interaction, guild_id, note=note)

    async def on_disciplines_picked(
        self, interaction: discord.Interaction, guild_id: int, page: int, picked: list[str]
    ) -> None:
        await self.resolve(interaction, guild_id)
        await defer_update(interaction)
        state = await service.pick_disciplines(
            self.bot.app, guild_id=guild_id, user_id=interaction.user.id, page=page, picked=picked
        )
        if state is None:
            await self.show_current(interaction, guild_id, note=LEFT_OFF)
            return
        await self.redraw(interaction, state, page=page)

    async def on_interests_picked(
        self, interaction: discord.Interaction, guild_id: int, picked: list[str]
    ) -> None:
        await self.resolve(interaction, guild_id)
        await defer_update(interaction)
        state = await service.pick_interests(
            self.bot.app, guild_id=guild_id, user_id=interaction.user.id, picked=picked
        )
        if state is None:
            await self.show_current(interaction, guild_id, note=LEFT_OFF)
            return
        await self.redraw(interaction, state)
