"""Onboarding's messages, buttons, selects and profile forms; every control survives a restart.

Custom ids carry the guild id because DMs have no guild. They are untrusted: the cog reloads the
member's progress from the database and re-checks membership before acting on one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserFacingError
from bot.replies import truncate
from bot.ui import CoalitionModal, run_guarded
from cogs.onboarding import steps
from cogs.onboarding.steps import ProfileField

if TYPE_CHECKING:
    from cogs.onboarding.cog import OnboardingCog

log = logging.getLogger(__name__)

COLOUR = discord.Colour.from_rgb(46, 125, 110)


def safe(text: str | None) -> str:
    """Member-typed text made harmless to show: markdown shown literally, mentions that cannot ping."""
    if not text:
        return "—"
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def _cog(interaction: discord.Interaction) -> OnboardingCog:
    cog = interaction.client.get_cog("Onboarding")  # type: ignore[attr-defined]
    if cog is None:
        raise UserFacingError("Onboarding is not available right now; please try again in a minute.")
    return cog  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------- controls


class StartButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"onboarding:start:(?P<guild_id>\d{1,20})"
):
    """The welcome channel's persistent Start button: the flow as ephemeral messages, for closed DMs too."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Start", style=discord.ButtonStyle.success, custom_id=f"onboarding:start:{guild_id}"
            )
        )
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> StartButton:
        return cls(int(match["guild_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(interaction, lambda: _cog(interaction).start_here(interaction, self.guild_id))


class FlowButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"onboarding:btn:(?P<action>[a-z]{1,12}):(?P<guild_id>\d{1,20})(?::(?P<arg>\d{1,4}))?",
):
    """A button of one step; its action says which step it belongs to."""

    def __init__(
        self,
        action: str,
        guild_id: int,
        arg: int | None = None,
        *,
        label: str = "Continue",
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
    ) -> None:
        suffix = f":{arg}" if arg is not None else ""
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"onboarding:btn:{action}:{guild_id}{suffix}"
            )
        )
        self.action, self.guild_id, self.arg = action, guild_id, arg

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FlowButton:
        arg = int(match["arg"]) if match["arg"] is not None else None
        return cls(match["action"], int(match["guild_id"]), arg)

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded(
            interaction,
            lambda: _cog(interaction).on_action(interaction, self.guild_id, self.action, self.arg),
        )


class DisciplinePick(
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"onboarding:disc:(?P<guild_id>\d{1,20}):(?P<page>\d{1,4})",
):
    """One page (at most 25) of the discipline catalog; picks on it replace that page's part of the choice."""

    def __init__(self, guild_id: int, page: int, select: discord.ui.Select[Any] | None = None) -> None:
        super().__init__(select or discord.ui.Select(custom_id=f"onboarding:disc:{guild_id}:{page}"))
        self.guild_id, self.page = guild_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DisciplinePick:
        return cls(
            int(match["guild_id"]), int(match["page"]), item if isinstance(item, discord.ui.Select) else None
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        picked = list(self.item.values)
        await run_guarded(
            interaction,
            lambda: _cog(interaction).on_disciplines_picked(interaction, self.guild_id, self.page, picked),
        )


class InterestPick(
    discord.ui.DynamicItem[discord.ui.Select], template=r"onboarding:int:(?P<guild_id>\d{1,20})"
):
    def __init__(self, guild_id: int, select: discord.ui.Select[Any] | None = None) -> None:
        super().__init__(select or discord.ui.Select(custom_id=f"onboarding:int:{guild_id}"))
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> InterestPick:
        return cls(int(match["guild_id"]), item if isinstance(item, discord.ui.Select) else None)

    async def callback(self, interaction: discord.Interaction) -> None:
        picked = list(self.item.values)
        await run_guarded(
            interaction, lambda: _cog(interaction).on_interests_picked(interaction, self.guild_id, picked)
        )


DYNAMIC_ITEMS = (StartButton, FlowButton, DisciplinePick, InterestPick)


def start_view(guild_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(StartButton(guild_id))
    return view


# -------------------------------------------------------------------------------------- profile form


class ProfileModal(CoalitionModal):
    """One section of the profile (Discord allows five inputs per form, the profile has six fields)."""

    def __init__(
        self,
        title: str,
        custom_id: str,
        fields: Sequence[ProfileField],
        defaults: dict[str, Any],
        on_valid: Callable[[discord.Interaction, dict[str, str | None]], Awaitable[None]],
    ) -> None:
        super().__init__(title=truncate(title, 45), custom_id=custom_id, timeout=None)
        self.fields = fields
        self.on_valid = on_valid
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        for profile_field in fields:
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=profile_field.label,
                custom_id=f"profile:{profile_field.key}",
                placeholder=profile_field.placeholder,
                required=profile_field.required,
                max_length=profile_field.max_length,
                default=truncate(str(defaults.get(profile_field.key) or ""), profile_field.max_length)
                or None,
            )
            self.inputs[profile_field.key] = text_input
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        values = {key: text_input.value for key, text_input in self.inputs.items()}
        clean, problems = steps.validate_fields(self.fields, values)
        if problems:
            raise UserFacingError("Nothing was saved yet:\n" + "\n".join(f"• {p}" for p in problems))
        await self.on_valid(interaction, clean)


# ----------------------------------------------------------------------------------------- messages


@dataclass
class StepContext:
    guild_id: int
    guild_name: str
    step: str
    answers: dict[str, Any]
    code_of_conduct: str | None = None
    catalog: list[tuple[int, str]] = field(default_factory=list)  # (discipline id, name)
    page: int = 0
    note: str | None = None


def render_step(context: StepContext) -> dict[str, Any]:
    """The message (embed and controls) for the member's current step."""
    step, gid, answers = context.step, context.guild_id, context.answers
    view = discord.ui.View(timeout=None)
    embed = discord.Embed(title=steps.STEP_TITLES.get(step, "Onboarding"), colour=COLOUR)
    embed.set_footer(text=f"{steps.step_number(step)} · {context.guild_name}")
    if step == steps.WELCOME:
        embed.title = f"Welcome to {context.guild_name}"
        embed.description = steps.WELCOME_TEXT
        view.add_item(FlowButton("begin", gid, label="Let's begin", style=discord.ButtonStyle.success))
    elif step == steps.CONDUCT:
        text = context.code_of_conduct or steps.DEFAULT_CODE_OF_CONDUCT
        embed.description = truncate(text, 3800) + "\n\nPress **I agree** to continue."
        view.add_item(FlowButton("agree", gid, label="I agree", style=discord.ButtonStyle.success))
    elif step == steps.ABOUT:
        embed.description = (
            "Your name, job title and, if you like, your pronouns. Press the button to fill them in."
        )
        view.add_item(FlowButton("about", gid, label="Fill in: about you"))
    elif step == steps.WORKPLACE:
        embed.description = (
            "Your organization or health department, the jurisdiction it serves, and its state."
        )
        view.add_item(FlowButton("workplace", gid, label="Fill in: where you work"))
    elif step == steps.DISCIPLINES:
        _disciplines(context, embed, view)
    elif step == steps.INTERESTS:
        chosen = set(answers.get("interests") or [])
        embed.description = (
            "Which of the report's recommendation areas and the coalition's objectives matter to your work? "
            "Pick any number (or none), then press **Continue**."
        )
        options = [
            discord.SelectOption(label=truncate(o.label, 100), value=o.value, default=o.value in chosen)
            for o in steps.interest_options()
        ]
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"onboarding:int:{gid}",
            placeholder="Pick your interests",
            min_values=0,
            max_values=len(options),
            options=options,
        )
        view.add_item(InterestPick(gid, select))
        view.add_item(FlowButton("intdone", gid, label="Continue"))
    elif step == steps.DIRECTORY:
        embed.description = (
            "May other members find you in the member directory (`/discipline members`, `/profile view`)? "
            "It shows your name, organization, jurisdiction, state, job title, pronouns, disciplines and "
            "interests, and an introduction is posted for you. You can change this later with `/profile edit`."
        )
        view.add_item(FlowButton("diryes", gid, label="Yes, list me", style=discord.ButtonStyle.success))
        view.add_item(
            FlowButton("dirno", gid, label="No, keep me unlisted", style=discord.ButtonStyle.secondary)
        )
    elif step == steps.SUMMARY:
        embed.description = "Here is what you told me. Press **Confirm** to finish, or **Edit** to change it."
        for name, value in summary_fields(answers, dict(context.catalog)):
            embed.add_field(name=name, value=truncate(value, 1024), inline=False)
        view.add_item(FlowButton("confirm", gid, label="Confirm", style=discord.ButtonStyle.success))
        view.add_item(FlowButton("edit", gid, label="Edit", style=discord.ButtonStyle.secondary))
    content = context.note
    return {"content": content, "embed": embed, "view": view}


def _disciplines(context: StepContext, embed: discord.Embed, view: discord.ui.View) -> None:
    gid = context.guild_id
    chosen = {int(i) for i in context.answers.get("disciplines") or []}
    names = dict(context.catalog)
    picked = ", ".join(safe(names[i]) for i in sorted(chosen, key=lambda i: names.get(i, "")) if i in names)
    embed.description = (
        "Which disciplines describe your work? Pick all that fit; each gives you a role so others can find "
        f"you. Then press **Continue**.\n\n**Chosen so far:** {truncate(picked or 'none yet', 3500)}"
    )
    catalog_pages = steps.pages(context.catalog)
    page = steps.clamp_page(context.page, len(catalog_pages))
    entries = catalog_pages[page]
    if entries:
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=f"onboarding:disc:{gid}:{page}",
            placeholder=f"Disciplines {page * steps.OPTIONS_PER_SELECT + 1} to "
            f"{page * steps.OPTIONS_PER_SELECT + len(entries)} of {len(context.catalog)}",
            min_values=0,
            max_values=len(entries),
            options=[
                discord.SelectOption(label=truncate(name, 100), value=str(i), default=i in chosen)
                for i, name in entries
            ],
        )
        view.add_item(DisciplinePick(gid, page, select))
    if page > 0:
        view.add_item(
            FlowButton("discpage", gid, page - 1, label="◀ Previous", style=discord.ButtonStyle.secondary)
        )
    if page < len(catalog_pages) - 1:
        view.add_item(
            FlowButton("discpage", gid, page + 1, label="Next ▶", style=discord.ButtonStyle.secondary)
        )
    view.add_item(FlowButton("discdone", gid, label="Continue"))
    if len(catalog_pages) > 1:
        embed.set_footer(
            text=f"{steps.step_number(steps.DISCIPLINES)} · page {page + 1} of {len(catalog_pages)}"
        )


def summary_fields(answers: dict[str, Any], names: dict[int, str]) -> list[tuple[str, str]]:
    about, workplace = answers.get("about") or {}, answers.get("workplace") or {}
    disciplines = [names[int(i)] for i in answers.get("disciplines") or [] if int(i) in names]
    interests = [steps.interest_label(v) for v in answers.get("interests") or []]
    return [
        ("Name", safe(about.get("display_name"))),
        ("Pronouns", safe(about.get("pronouns"))),
        ("Job title", safe(about.get("job_title"))),
        ("Organization", safe(workplace.get("organization"))),
        ("Jurisdiction", safe(workplace.get("jurisdiction"))),
        ("State", safe(workplace.get("state"))),
        ("Disciplines", ", ".join(safe(d) for d in sorted(disciplines)) or "none"),
        ("Interests", "\n".join(interests) or "none"),
        ("Directory", "listed" if answers.get("directory") else "not listed"),
    ]


def introduction(user_id: int, profile: Any, discipline_names: list[str]) -> str:
    """The post in the introductions channel: the member's own words, escaped, pinging nobody."""
    name = safe(profile.display_name)
    if profile.pronouns:
        name += f" ({safe(profile.pronouns)})"
    lines = [
        f"👋 Please welcome <@{user_id}>: {name}",
        f"{safe(profile.job_title)} at {safe(profile.organization)}, serving {safe(profile.jurisdiction)}, "
        f"{safe(profile.state)}.",
    ]
    if discipline_names:
        lines.append("Disciplines: " + ", ".join(safe(n) for n in discipline_names))
    if profile.interests:
        lines.append("Interested in: " + "; ".join(steps.interest_label(v) for v in profile.interests))
    return truncate("\n".join(lines), 2000)


def profile_embed(profile: Any, discipline_names: list[str], *, title: str) -> discord.Embed:
    embed = discord.Embed(title=truncate(title, 256), colour=COLOUR)
    for name, value in profile.summary_fields().items():
        embed.add_field(name=name, value=safe(value), inline=True)
    embed.add_field(
        name="Disciplines",
        value=truncate(", ".join(safe(n) for n in discipline_names) or "none", 1024),
        inline=False,
    )
    interests = "\n".join(steps.interest_label(v) for v in profile.interests or [])
    embed.add_field(name="Interests", value=truncate(interests or "none", 1024), inline=False)
    embed.add_field(
        name="Directory", value="listed" if profile.directory_opt_in else "not listed", inline=False
    )
    return embed


def resource_lines(resources: Sequence[Any]) -> str:
    lines = []
    for resource in resources:
        title = safe(truncate(str(resource.title), 200))
        summary = safe(truncate(str(getattr(resource, "summary", "") or ""), 200))
        lines.append(f"• **{title}**: <{resource.url}>" + (f"\n  {summary}" if summary != "—" else ""))
    return "\n".join(lines)
