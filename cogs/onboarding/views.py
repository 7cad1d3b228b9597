"""Onboarding's messages, buttons, selects and profile forms; every control survives a restart.

Custom ids carry the guild id because DMs have no guild. They are untrusted: the cog reloads the
member's progress from the database and re-checks membership before acting on one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import discord
from discord.ext import commands

from bot.errors import UserFacingError
from bot.replies import truncate
from bot.ui import PersistentButton, PersistentModal, PersistentSelect
from cogs.onboarding import steps

if TYPE_CHECKING:
    from cogs.onboarding.cog import OnboardingCog
    from cogs.onboarding.service import ResourcePick
    from cogs.profiles.service import ProfileCard

log = logging.getLogger(__name__)

COLOUR = discord.Colour.from_rgb(46, 125, 110)


def safe(text: str | None) -> str:
    """Member-typed text made harmless to show: markdown shown literally, mentions that cannot ping."""
    if not text:
        return "—"
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def _cog(interaction: discord.Interaction) -> OnboardingCog:
    client = interaction.client
    cog = client.get_cog("Onboarding") if isinstance(client, commands.Bot) else None
    if cog is None:
        raise UserFacingError("Onboarding is not available right now; please try again in a minute.")
    return cast("OnboardingCog", cog)


# ---------------------------------------------------------------------------------------- controls


class StartButton(PersistentButton, id="onboarding:start:{guild_id:int}"):
    """The welcome channel's persistent Start button: the flow as ephemeral messages, for closed DMs too."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Start", style=discord.ButtonStyle.success, custom_id=self.make_id(guild_id=guild_id)
            )
        )
        self.guild_id = guild_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).start_here(interaction, self.guild_id)


class FlowButton(PersistentButton, id="onboarding:btn:{action:word}:{guild_id:int}[:{arg:int}]"):
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
        custom_id = self.make_id(action=action, guild_id=guild_id, arg=arg)
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.action, self.guild_id, self.arg = action, guild_id, arg

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).on_action(interaction, self.guild_id, self.action, self.arg)


class DisciplinePick(PersistentSelect, id="onboarding:disc:{guild_id:int}:{page:int}"):
    """One page (at most 25) of the discipline catalog; picks on it replace that page's part of the choice."""

    def __init__(self, guild_id: int, page: int, select: discord.ui.Select[Any] | None = None) -> None:
        super().__init__(select or discord.ui.Select(custom_id=self.make_id(guild_id=guild_id, page=page)))
        self.guild_id, self.page = guild_id, page

    async def callback(self, interaction: discord.Interaction) -> None:
        picked = list(self.item.values)
        await _cog(interaction).on_disciplines_picked(interaction, self.guild_id, self.page, picked)


class InterestPick(PersistentSelect, id="onboarding:int:{guild_id:int}"):
    def __init__(self, guild_id: int, chosen: Sequence[str] | None = None) -> None:
        super().__init__(interest_select(self.make_id(guild_id=guild_id), chosen or ()))
        self.guild_id = guild_id

    async def callback(self, interaction: discord.Interaction) -> None:
        picked = list(self.item.values)
        await _cog(interaction).on_interests_picked(interaction, self.guild_id, picked)


def interest_select(custom_id: str, chosen: Sequence[str]) -> discord.ui.Select[Any]:
    """Every interest (report chapters, then objectives), the member's current ones picked."""
    options = [
        discord.SelectOption(label=truncate(o.label, 100), value=o.value, default=o.value in chosen)
        for o in steps.interest_options()
    ]
    return discord.ui.Select(
        custom_id=custom_id,
        placeholder="Pick your interests",
        min_values=0,
        max_values=len(options),
        options=options,
    )


DYNAMIC_ITEMS = (StartButton, FlowButton, DisciplinePick, InterestPick)


def start_view(guild_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(StartButton(guild_id))
    return view


# -------------------------------------------------------------------------------------- profile forms


class SectionForm(PersistentModal):
    """One section of the profile (Discord allows five inputs per form, the profile has six fields).

    Persistent: a form submitted after a restart is rebuilt from its id and saves what the member typed.
    """

    def __init__(
        self,
        section: str,
        guild_id: int,
        defaults: Mapping[str, Any] | None = None,
        *,
        title: str | None = None,
    ) -> None:
        custom_id = self.make_id(section=section, guild_id=guild_id)
        super().__init__(
            title=truncate(title or steps.STEP_TITLES[section], 45), custom_id=custom_id, timeout=None
        )
        self.section, self.guild_id = section, guild_id
        self.fields = steps.PROFILE_SECTIONS[section]
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        for profile_field in self.fields:
            default = truncate(str((defaults or {}).get(profile_field.key) or ""), profile_field.max_length)
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=profile_field.label,
                custom_id=f"profile:{profile_field.key}",
                placeholder=profile_field.placeholder,
                required=profile_field.required,
                max_length=profile_field.max_length,
                default=default or None,
            )
            self.inputs[profile_field.key] = text_input
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        values = {key: text_input.value for key, text_input in self.inputs.items()}
        clean, problems = steps.validate_fields(self.fields, values)
        if problems:
            raise UserFacingError("Nothing was saved yet:\n" + "\n".join(f"• {p}" for p in problems))
        await self.saved(interaction, clean)

    async def saved(self, interaction: discord.Interaction, clean: dict[str, str | None]) -> None:
        raise NotImplementedError


class OnboardingForm(SectionForm, id="onboarding:modal:{section:about|workplace}:{guild_id:int}"):
    async def saved(self, interaction: discord.Interaction, clean: dict[str, str | None]) -> None:
        await _cog(interaction).on_section_saved(interaction, self.guild_id, self.section, clean)


# ----------------------------------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True)
class StepContext:
    guild_id: int
    guild_name: str
    step: str
    answers: Mapping[str, Any]
    code_of_conduct: str | None = None
    catalog: Sequence[tuple[int, str]] = ()  # (discipline id, name)
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
        picked = "; ".join(safe(steps.interest_label(value)) for value in sorted(chosen))
        embed.description = (
            "Which of the report's recommendation areas and the coalition's objectives matter to your work? "
            "Pick any number (or none), then press **Continue**."
            f"\n\n**Chosen so far:** {truncate(picked or 'none yet', 3500)}"
        )
        view.add_item(InterestPick(gid, sorted(chosen)))
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
    catalog_pages = steps.pages(list(context.catalog))
    page = steps.clamp_page(context.page, len(catalog_pages))
    entries = catalog_pages[page]
    if entries:
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=DisciplinePick.make_id(guild_id=gid, page=page),
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


def summary_fields(answers: Mapping[str, Any], names: Mapping[int, str]) -> list[tuple[str, str]]:
    about, workplace = answers.get("about") or {}, answers.get("workplace") or {}
    disciplines = [names[int(i)] for i in answers.get("disciplines") or [] if int(i) in names]
    interests = [steps.interest_label(v) for v in answers.get("interests") or []]
    department = answers.get(steps.DEPARTMENT)
    matched = [("Health department", safe(department.get("name")))] if isinstance(department, dict) else []
    return [
        ("Name", safe(about.get("display_name"))),
        ("Pronouns", safe(about.get("pronouns"))),
        ("Job title", safe(about.get("job_title"))),
        ("Organization", safe(workplace.get("organization"))),
        *matched,
        ("Jurisdiction", safe(workplace.get("jurisdiction"))),
        ("State", safe(workplace.get("state"))),
        ("Disciplines", ", ".join(safe(d) for d in sorted(disciplines)) or "none"),
        ("Interests", "\n".join(interests) or "none"),
        ("Directory", "listed" if answers.get("directory") else "not listed"),
    ]


def introduction(card: ProfileCard) -> str:
    """The post in the introductions channel: the member's own words, escaped, pinging nobody."""
    name = safe(card.display_name)
    if card.pronouns:
        name += f" ({safe(card.pronouns)})"
    lines = [
        f"👋 Please welcome <@{card.user_id}>: {name}",
        f"{safe(card.job_title)} at {safe(card.organization)}, serving {safe(card.jurisdiction)}, "
        f"{safe(card.state)}.",
    ]
    if card.disciplines:
        lines.append("Disciplines: " + ", ".join(safe(n) for n in card.disciplines))
    if card.interests:
        lines.append("Interested in: " + "; ".join(steps.interest_label(v) for v in card.interests))
    return truncate("\n".join(lines), 2000)


def resource_lines(resources: Sequence[ResourcePick]) -> str:
    lines = []
    for resource in resources:
        title = safe(truncate(resource.title, 200))
        summary = safe(truncate(resource.summary, 200))
        lines.append(f"• **{title}**: <{resource.url}>" + (f"\n  {summary}" if summary != "—" else ""))
    return "\n".join(lines)
