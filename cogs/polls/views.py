"""What members see of a poll: its embed, the voting buttons and selects, and the ranking steps.

Every component is a DynamicItem whose custom id carries only the poll id (and, while ranking, the
picks so far): the callbacks hand over to the cog, which reloads the poll and checks guild, state and
role again, so a forged id or a closed poll changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import discord
from discord.ext import commands

from bot.replies import truncate
from bot.ui import PersistentButton, PersistentSelect
from cogs.polls import rules, tally

if TYPE_CHECKING:
    from cogs.polls.cog import PollsCog
    from cogs.polls.service import PollInfo, VoteResult

OPEN_COLOUR = discord.Colour.blurple()
CLOSED_COLOUR = discord.Colour.dark_teal()
KIND_TEXT = {"single": "Single choice", "multiple": "Multiple choice", "ranked": "Ranked choice"}


def _cog(interaction: discord.Interaction) -> PollsCog:
    client = interaction.client
    cog = client.get_cog("PollsCog") if isinstance(client, commands.Bot) else None
    assert cog is not None, "the polls cog is loaded whenever its controls are registered"
    return cast("PollsCog", cog)


# ----------------------------------------------------------------------------- text


def option_text(poll: PollInfo, index: int) -> str:
    return discord.utils.escape_markdown(poll.options[index])


def choices_text(poll: PollInfo, choices: Sequence[int]) -> str:
    """A ballot in words: "Parks" or, for a ranking, "1. Parks, 2. Transit"."""
    if poll.kind == "ranked":
        return ", ".join(f"{place}. {option_text(poll, index)}" for place, index in enumerate(choices, 1))
    return ", ".join(option_text(poll, index) for index in choices)


def settings_line(poll: PollInfo) -> str:
    kind = KIND_TEXT.get(poll.kind, poll.kind)
    if poll.kind == "multiple":
        kind += f" (up to {poll.max_choices})"
    parts = [
        kind,
        "secret ballot" if poll.secret else "named ballot (organizers can see who voted for what)",
        "results shown live" if poll.live_results else "results hidden until it closes",
    ]
    return " · ".join(parts)


def poll_embed(poll: PollInfo, outcome: tally.Outcome | None = None) -> discord.Embed:
    """The poll message: options (with bars when results are shown), rules, closing time, result."""
    closed = not poll.is_open
    embed = discord.Embed(title=truncate(poll.question, 256), colour=CLOSED_COLOUR if closed else OPEN_COLOUR)
    embed.description = truncate(option_lines(poll, outcome), 4000)
    embed.add_field(name="How this poll works", value=settings_line(poll), inline=False)
    if poll.role_id:
        embed.add_field(name="Who may vote", value=f"Members with <@&{poll.role_id}>")
    if poll.department_mode != "off":
        rule = (
            "a later ballot from the same department replaces the earlier one"
            if poll.department_mode == "replace"
            else "once a department has voted, its other members cannot"
        )
        embed.add_field(name="One ballot per health department", value=rule.capitalize(), inline=False)
    if poll.quorum:
        embed.add_field(name="Quorum", value=f"{poll.quorum} ballots")
    when = poll.closed_at if closed and poll.closed_at else poll.closes_at
    embed.add_field(
        name="Closed" if closed else "Closes",
        value=f"{discord.utils.format_dt(when, 'F')} ({discord.utils.format_dt(when, 'R')})",
        inline=False,
    )
    if outcome is not None and closed:
        embed.add_field(name="Result", value=truncate(result_sentence(poll, outcome), 1024), inline=False)
    if outcome is not None and poll.kind == "ranked" and outcome.rounds and (closed or poll.live_results):
        embed.add_field(
            name="Instant-runoff rounds", value=truncate(rounds_text(poll, outcome), 1024), inline=False
        )
    footer = f"Poll #{poll.id}"
    if outcome is not None:
        footer += f" · {outcome.ballots} ballot{'s' if outcome.ballots != 1 else ''}"
    embed.set_footer(text=footer)
    return embed


def option_lines(poll: PollInfo, outcome: tally.Outcome | None) -> str:
    if outcome is None:
        return "\n".join(f"**{index + 1}.** {option_text(poll, index)}" for index in range(len(poll.options)))
    # A ranked poll's bars are its first preferences: the final round alone hides how members ranked.
    counts = outcome.first_preferences
    most = max(counts, default=0)
    total = sum(counts)
    lines = ["*First preferences; the instant-runoff rounds are below.*"] if poll.kind == "ranked" else []
    for index, count in enumerate(counts):
        mark = " ✅" if not poll.is_open and index in outcome.winners and outcome.quorum_met else ""
        lines.append(
            f"**{index + 1}.** {option_text(poll, index)}{mark}\n"
            f"`{tally.bar(count, most)}` {count} ({tally.percent(count, total)})"
        )
    return "\n".join(lines)


def result_sentence(poll: PollInfo, outcome: tally.Outcome) -> str:
    names = [f"**{option_text(poll, index)}**" for index in outcome.winners]
    if outcome.ballots == 0:
        text = "Nobody voted."
    elif not names:
        text = "No option won."
    elif len(names) > 1:
        text = "Tie between " + ", ".join(names[:-1]) + f" and {names[-1]}."
    else:
        text = f"{names[0]} won."
    if poll.kind == "ranked" and outcome.ballots and any(round_.tie_broken for round_ in outcome.rounds):
        text += f" {tally.TIE_RULE}"
    if not outcome.quorum_met:
        text = (
            f"Quorum not met: {outcome.ballots} of the {outcome.quorum} ballots needed, "
            f"so this poll decides nothing. (Counted anyway: {text})"
        )
    return text


def rounds_text(poll: PollInfo, outcome: tally.Outcome) -> str:
    lines = []
    for round_ in outcome.rounds:
        ranked = sorted(round_.counts.items(), key=lambda item: (-item[1], item[0]))
        counts = ", ".join(f"{truncate(poll.options[index], 24)} {count}" for index, count in ranked)
        line = f"**Round {round_.number}:** {discord.utils.escape_markdown(counts)}"
        if round_.exhausted:
            line += f" (exhausted {round_.exhausted})"
        if round_.eliminated is not None:
            line += f" → out: {option_text(poll, round_.eliminated)}"
            if round_.tie_broken:
                line += f" ({tie_explanation(round_)})"
        lines.append(line)
    return "\n".join(lines)


def tie_explanation(round_: tally.Round) -> str:
    """Why the tie rule took this option out, in words."""
    if round_.tie_reason == tally.LISTED_LAST:
        return "tied for last, also on first preferences: the tie rule takes out the option listed last"
    return "tied for last: the tie rule takes out the option with fewer first-preference votes"


def vote_answer(result: VoteResult) -> str:
    """What a member is told after voting: their ballot, until when they can change it, and secrecy."""
    poll = result.poll
    if result.unchanged:
        lines = [f"Your vote is unchanged: {choices_text(poll, result.choices)} (the same as before)."]
    else:
        verb = "changed to" if result.changed else "recorded"
        lines = [f"Your vote is {verb}: {choices_text(poll, result.choices)}."]
    if result.replaced_department:
        lines.append("It replaces the ballot your health department had cast earlier.")
    lines.append(f"You can change it until the poll closes {discord.utils.format_dt(poll.closes_at, 'R')}.")
    if poll.secret:
        lines.append("The ballot is secret: once the poll closes it cannot be tied to you.")
    return truncate(" ".join(lines), 2000)


def poll_list(polls: Sequence[PollInfo]) -> str:
    """One line per poll: number, question, state and a link to its message."""
    lines = []
    for poll in polls:
        when = discord.utils.format_dt(poll.closed_at or poll.closes_at, "R")
        state = f"open, closes {when}" if poll.is_open else f"closed {when}"
        link = (
            f" · [go to poll](https://discord.com/channels/{poll.guild_id}/{poll.channel_id}/{poll.message_id})"
            if poll.message_id
            else ""
        )
        question = truncate(discord.utils.escape_markdown(poll.question), 120)
        lines.append(f"**#{poll.id}** {question} ({state}){link}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- components


def voting_view(poll: PollInfo) -> discord.ui.View:
    """Buttons for a short single-choice poll; a select otherwise; a Rank button for ranked polls."""
    assert poll.id is not None
    view = discord.ui.View(timeout=None)
    if poll.kind == "ranked":
        view.add_item(RankStartButton(poll.id))
    elif poll.kind == "single" and len(poll.options) <= rules.BUTTONS_UP_TO:
        for index, option in enumerate(poll.options):
            view.add_item(VoteButton(poll.id, index, option))
    else:
        view.add_item(VoteSelect(poll.id, poll))
    return view


def ranking_view(poll: PollInfo, picks: Sequence[int]) -> discord.ui.View:
    """One ranking step: a select for the next place, then Submit and Start over."""
    assert poll.id is not None
    view = discord.ui.View(timeout=None)
    remaining = [index for index in range(len(poll.options)) if index not in picks]
    if remaining:
        view.add_item(RankPickSelect(poll.id, picks, poll, remaining))
    if picks:
        view.add_item(RankSubmitButton(poll.id, picks))
        view.add_item(RankRestartButton(poll.id))
    return view


def ranking_prompt(poll: PollInfo, picks: Sequence[int], current: Sequence[int] | None = None) -> str:
    lines = [f"**{truncate(discord.utils.escape_markdown(poll.question), 200)}**"]
    if current:
        lines.append(f"Your ballot now: {choices_text(poll, current)}. A new ranking replaces it.")
    if picks:
        lines.append(f"Your ranking so far: {choices_text(poll, picks)}.")
    if len(picks) < len(poll.options):
        lines.append(
            f"Pick your {rules.ordinal(len(picks) + 1)} choice"
            + (", or submit now: options you leave out get none of your votes." if picks else ".")
        )
    else:
        lines.append("You ranked every option. Submit your ballot.")
    return truncate("\n".join(lines), 2000)


class VoteButton(PersistentButton, id="poll:vote:{poll_id:int}:{index:int}"):
    """One option of a short single-choice poll."""

    def __init__(self, poll_id: int, index: int, label: str = "Vote") -> None:
        super().__init__(
            discord.ui.Button(
                label=truncate(label, 80),
                style=discord.ButtonStyle.primary,
                custom_id=self.make_id(poll_id=poll_id, index=index),
            )
        )
        self.poll_id, self.index = poll_id, index

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).cast_vote(interaction, self.poll_id, [self.index])


class VoteSelect(PersistentSelect, id="poll:vote:{poll_id:int}"):
    """All options in one menu: single choice, or up to N for a multiple-choice poll."""

    def __init__(self, poll_id: int, poll: PollInfo | None = None) -> None:
        options = [discord.SelectOption(label="-", value="0")]
        max_values = 1
        placeholder = "Choose an option…"
        if poll is not None:
            options = [
                discord.SelectOption(label=truncate(f"{index + 1}. {option}", 100), value=str(index))
                for index, option in enumerate(poll.options)
            ]
            if poll.kind == "multiple":
                max_values = min(poll.max_choices, len(options))
                placeholder = f"Choose up to {max_values} options…"
        super().__init__(
            discord.ui.Select(
                custom_id=self.make_id(poll_id=poll_id),
                placeholder=placeholder,
                min_values=1,
                max_values=max_values,
                options=options,
            )
        )
        self.poll_id = poll_id

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        # A value that is not an index is refused by the ballot check with a clear sentence.
        choices = [int(value) if value.isdigit() else -1 for value in values]
        await _cog(interaction).cast_vote(interaction, self.poll_id, choices)


class RankStartButton(PersistentButton, id="poll:vote:{poll_id:int}:rank"):
    """Open the member's private ranking steps."""

    def __init__(self, poll_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Rank your choices",
                style=discord.ButtonStyle.primary,
                custom_id=self.make_id(poll_id=poll_id),
            )
        )
        self.poll_id = poll_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).show_ranking(interaction, self.poll_id, [], first=True)


class RankRestartButton(PersistentButton, id="poll:vote:{poll_id:int}:restart"):
    def __init__(self, poll_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Start over",
                style=discord.ButtonStyle.secondary,
                custom_id=self.make_id(poll_id=poll_id),
            )
        )
        self.poll_id = poll_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).show_ranking(interaction, self.poll_id, [])


class RankPickSelect(PersistentSelect, id="poll:vote:{poll_id:int}:pick:{picks:code}"):
    """Choose the next place of a ranking; the picks so far ride in the custom id."""

    def __init__(
        self,
        poll_id: int,
        picks: Sequence[int] | str,
        poll: PollInfo | None = None,
        remaining: Sequence[int] = (),
    ) -> None:
        picks = _safe_decode(picks) if isinstance(picks, str) else picks
        options = [discord.SelectOption(label="-", value="0")]
        placeholder = "Pick your next choice…"
        if poll is not None:
            options = [
                discord.SelectOption(
                    label=truncate(f"{index + 1}. {poll.options[index]}", 100), value=str(index)
                )
                for index in remaining
            ]
            placeholder = f"Your {rules.ordinal(len(picks) + 1)} choice…"
        super().__init__(
            discord.ui.Select(
                custom_id=self.make_id(poll_id=poll_id, picks=rules.encode_picks(picks)),
                placeholder=placeholder,
                options=options,
            )
        )
        self.poll_id = poll_id
        self.picks = list(picks)

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        picked = int(values[0]) if values and values[0].isdigit() else -1
        await _cog(interaction).show_ranking(interaction, self.poll_id, [*self.picks, picked])


class RankSubmitButton(PersistentButton, id="poll:vote:{poll_id:int}:submit:{picks:code}"):
    def __init__(self, poll_id: int, picks: Sequence[int] | str) -> None:
        picks = _safe_decode(picks) if isinstance(picks, str) else picks
        super().__init__(
            discord.ui.Button(
                label="Submit my ranking",
                style=discord.ButtonStyle.success,
                custom_id=self.make_id(poll_id=poll_id, picks=rules.encode_picks(picks)),
            )
        )
        self.poll_id = poll_id
        self.picks = list(picks)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).cast_vote(interaction, self.poll_id, self.picks, edit=True)


def _safe_decode(text: str) -> list[int]:
    # A forged pick beyond the alphabet becomes an index no poll has, refused later with a clear sentence.
    try:
        return rules.decode_picks(text)
    except rules.PollRuleError:
        return [-1]


DYNAMIC_ITEMS = (VoteButton, VoteSelect, RankStartButton, RankRestartButton, RankPickSelect, RankSubmitButton)
