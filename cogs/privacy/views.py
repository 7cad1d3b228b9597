"""The confirmation a member answers before their data is deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.ui import PersistentButton

if TYPE_CHECKING:
    from cogs.privacy.cog import PrivacyCog

DELETE_EXPLAINED = (
    "**Delete your data in this server?**\n"
    "**Goes:** your profile (name, organization, jurisdiction, job title, pronouns, interests), your "
    "directory listing, your discipline tags, your onboarding progress, your named votes (those polls' "
    "counts change accordingly), your searches, your invitation opt-out, and the member and discipline "
    "roles the bot gave you.\n"
    "**Stays, without your name:** your campaign sign-ups and roll-call answers (so the campaigns' totals "
    "stay true; they no longer point to you), resources you suggested (without you as their author), and "
    "organizer actions in the audit log. Secret ballots stay as they are: they cannot be linked to anyone.\n"
    "This cannot be undone. You can run `/privacy export` first to keep a copy."
)


class DeleteAnswer(PersistentButton, id="privacy:delete:{user_id:int}:{answer:yes|no}"):
    """Yes or No under the deletion explanation; only the member who asked may answer."""

    def __init__(self, user_id: int, answer: str) -> None:
        yes = answer == "yes"
        super().__init__(
            discord.ui.Button(
                label="Yes, delete my data" if yes else "No, keep it",
                style=discord.ButtonStyle.danger if yes else discord.ButtonStyle.secondary,
                custom_id=self.make_id(user_id=user_id, answer=answer),
            )
        )
        self.user_id, self.answer = user_id, answer

    async def callback(self, interaction: discord.Interaction) -> None:
        cog: PrivacyCog | None = interaction.client.get_cog("PrivacyCog")  # type: ignore[attr-defined]  # Client has no get_cog; the bot does
        if cog is None:
            return
        await cog.confirm_delete(interaction, self.user_id, self.answer)


def confirm_view(user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(DeleteAnswer(user_id, "yes"))
    view.add_item(DeleteAnswer(user_id, "no"))
    return view
