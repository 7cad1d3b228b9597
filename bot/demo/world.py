"""The demo's simulated server and a narrator that prints who did what and what the bot answered."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import discord

from db.guilds import CHANNEL_PURPOSES

WIDTH = 100
_MENTION = re.compile(r"<(#|@&|@!?)(\d+)>")
_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")


class Demo:
    """A coalition server in SimCord, with helpers that act as people and print what happens."""

    def __init__(self, env: Any, guild: Any, channels: dict[str, Any], organizer: Any) -> None:
        self.env = env
        self.guild = guild
        self.channels = channels
        self.organizer = organizer
        self._members: dict[str, Any] = {"olivia": organizer}
        # What each bot message looked like when last printed, so that an edit shows even when the
        # simulated clock did not move (its edited timestamp is then unchanged).
        self._seen: dict[int, tuple[Any, ...]] = {}
        # Discord shows a timestamp in the clock of whoever reads it: olivia works in Chicago.
        self._zones: dict[str, tzinfo] = {"olivia": ZoneInfo("America/Chicago")}
        self._viewer: str | None = None
        # Message bodies already printed in full, so that the same welcome DM to ten newcomers prints once.
        self._printed_bodies: dict[str, str] = {}

    @classmethod
    async def build(cls, env: Any) -> Demo:
        guild = env.create_guild("LHD Coalition for Health Equity")
        channels = {"general": guild.create_text_channel("general")}
        for purpose in CHANNEL_PURPOSES:
            channels[purpose] = guild.create_text_channel(purpose)
        organizers = guild.create_role("Organizers", permissions=discord.Permissions(manage_guild=True))
        organizer = guild.add_member(env.create_user("olivia"), roles=[organizers])
        await env.settle()
        demo = cls(env, guild, channels, organizer)
        demo._mark_all_seen()
        print("A simulated Discord server, 'LHD Coalition for Health Equity', with the channels")
        print("  " + ", ".join(f"#{name}" for name in channels) + ",")
        print("and olivia, an organizer (Manage Server) in Chicago. Everything below is the real bot")
        print("answering; times are shown as each reader's Discord shows them (olivia's in Chicago time).")
        return demo

    # ------------------------------------------------------------------ people

    def member(self, name: str, roles: Sequence[Any] = ()) -> Any:
        """The member called `name`, joining the server the first time they are asked for."""
        if name not in self._members:
            # Said before the bot hears of it, so that the welcome DM it sends is never shown first.
            self.narrate(f"{name} joins the server.")
            self._members[name] = self.guild.add_member(self.env.create_user(name), roles=list(roles))
        return self._members[name]

    async def join(self, name: str) -> Any:
        """A new member joins; print what the bot did about it."""
        actor = self.member(name)
        await self.env.settle()
        self._print_new()
        return actor

    def let_everyone_see(self, command: str) -> None:
        """What a server admin can do in Integrations settings: show an organizer command to everyone."""
        found = self.env.backend.find_command(command, self.guild.id)
        entry = {"id": str(self.guild.id), "type": 1, "permission": True}  # @everyone's id is the guild's
        self.env.backend.set_command_permissions(self.guild.id, int(found["id"]), [entry])

    # ----------------------------------------------------------------- actions

    async def slash(self, actor: Any, channel: Any, command: str, /, **options: Any) -> Any:
        shown = " ".join(f"{key}:{_short(value)}" for key, value in options.items())
        self._act(actor, f"/{command} {shown}".rstrip(), channel)
        result = await actor.slash(channel, command, **options)
        self._print_result(result)
        return result

    async def click(
        self, actor: Any, message: Any, *, label: str | None = None, custom_id: str | None = None
    ) -> Any:
        self._act(actor, f"clicks [{label or custom_id}]")
        result = await actor.click(message, label=label, custom_id=custom_id)
        self._print_result(result)
        return result

    async def select(
        self, actor: Any, message: Any, values: Sequence[Any], *, custom_id: str | None = None
    ) -> Any:
        labels = _option_labels(message.components if hasattr(message, "components") else [], custom_id)
        self._act(actor, f"picks {', '.join(_short(labels.get(str(v), v)) for v in values)}")
        result = await actor.select(message, values, custom_id=custom_id)
        self._print_result(result)
        return result

    async def submit_modal(self, actor: Any, shown: Any, values: dict[str, Any]) -> Any:
        labels = _input_labels(shown.modal.get("components", []) if shown.modal else [])
        filled = "; ".join(f"{labels.get(key, key)}: “{_short(value)}”" for key, value in values.items())
        self._act(actor, f"fills in the form: {filled}")
        result = await actor.submit_modal(shown, values)
        self._print_result(result)
        return result

    async def advance(self, seconds: float, why: str) -> None:
        """Move the simulated clock and print whatever the bot did meanwhile."""
        self.narrate(f"({why}: {_duration(seconds)} pass)")
        await self.env.advance_time(seconds)
        await self.env.settle()
        self._print_new()

    # ----------------------------------------------------------------- output

    def heading(self, text: str) -> None:
        title = text.strip().splitlines()[0]
        print(f"\n== {title} " + "=" * max(3, WIDTH - len(title) - 4))

    def narrate(self, text: str) -> None:
        print(textwrap.fill(text, WIDTH, initial_indent="   ", subsequent_indent="   "))

    def print_message(self, message: Any) -> None:
        stored = self.env.backend.get_message(message.channel.id, message.id)
        self._print_stored(stored)

    def _act(self, actor: Any, what: str, channel: Any | None = None) -> None:
        self._viewer = actor.name
        where = f" in #{channel.name}" if channel is not None and getattr(channel, "name", None) else ""
        print(f"\n » {actor.name}{where}: {what}")

    def _print_result(self, result: Any) -> None:
        if result.modal:
            print(f"   bot shows a form “{result.modal.get('title', '')}”")
        self._print_new()

    def _mark_all_seen(self) -> None:
        for store in self.env.backend.messages.values():
            for message in store.values():
                self._seen[message.id] = _looks(message)

    def _print_new(self) -> None:
        bot_id = self.env.bot.user.id
        fresh = []
        for store in self.env.backend.messages.values():
            for message in store.values():
                if message.author_id != bot_id:
                    continue
                looks = _looks(message)
                if self._seen.get(message.id) != looks:
                    fresh.append((message.id not in self._seen, message))
                    self._seen[message.id] = looks
        # Work the bot does in parallel (an audit post, a DM, the reply) finishes in whatever order the
        # machine allows; print it in a fixed order instead: public channels, threads, the reply only the
        # member sees, DMs and the audit log, each channel's messages in the order they were sent.
        for is_new, message in sorted(fresh, key=lambda pair: self._print_order(pair[1])):
            self._print_stored(message, edited=not is_new)

    def _print_order(self, message: Any) -> tuple[int, int, int]:
        channel = self.env.bot.get_channel(message.channel_id)
        if discord.MessageFlags._from_value(message.flags).ephemeral:
            return (3, 0, message.id)
        if isinstance(channel, discord.DMChannel):
            return (4, channel.recipient.id if channel.recipient else message.channel_id, message.id)
        if getattr(channel, "name", None) == "audit":
            return (5, message.channel_id, message.id)
        if isinstance(channel, discord.Thread):
            return (2, message.channel_id, message.id)
        return (1, message.channel_id, message.id)

    def _channel_label(self, channel_id: int) -> str:
        channel = self.env.bot.get_channel(channel_id)
        if isinstance(channel, discord.DMChannel):
            return f"DM to {channel.recipient.name if channel.recipient else 'a member'}"
        if isinstance(channel, discord.Thread):
            return f"thread “{channel.name}”"
        return f"#{getattr(channel, 'name', channel_id)}"

    def _mention_name(self, match: re.Match[str]) -> str:
        kind, snowflake = match.group(1), int(match.group(2))
        if kind == "#":
            channel = self.env.bot.get_channel(snowflake)
            return f"#{getattr(channel, 'name', snowflake)}"
        guild = self.env.bot.get_guild(self.guild.id)
        if kind == "@&":
            role = guild.get_role(snowflake) if guild else None
            return f"@{role.name if role else snowflake}"
        user = self.env.bot.get_user(snowflake)
        return f"@{user.name if user else snowflake}"

    def _print_stored(self, message: Any, *, edited: bool = False) -> None:
        flags = discord.MessageFlags._from_value(message.flags)
        where = self._channel_label(message.channel_id)
        note = " (only they see it)" if flags.ephemeral else ""
        verb = "updates its message" if edited else "says"
        lines = self._render(message, self._reader_zone(message, flags))
        body = "\n".join(lines)
        if not edited and len(lines) > 3 and body in self._printed_bodies:
            print(
                f"   bot says in {where}{note}: the same message as it sent to {self._printed_bodies[body]}."
            )
            return
        self._printed_bodies.setdefault(body, where.removeprefix("DM to "))
        print(f"   bot {verb} in {where}{note}:")
        for line in lines[:40]:
            print(textwrap.fill(line, WIDTH, initial_indent="     ", subsequent_indent="       "))

    def _reader_zone(self, message: Any, flags: discord.MessageFlags) -> tzinfo:
        """The clock a message's reader has: the member it was for, else a member on UTC."""
        reader = self._viewer if flags.ephemeral else None
        channel = self.env.bot.get_channel(message.channel_id)
        if isinstance(channel, discord.DMChannel) and channel.recipient:
            reader = channel.recipient.name
        return self._zones.get(reader or "", UTC)

    def _render(self, message: Any, zone: tzinfo = UTC) -> list[str]:
        lines: list[str] = []
        if message.content:
            lines.extend(message.content.splitlines())
        for embed in message.embeds:
            if embed.get("title"):
                lines.append(f"┃ {embed['title']}")
            if embed.get("description"):
                lines.extend(f"┃ {line}" for line in embed["description"].splitlines()[:12])
            for field in embed.get("fields", [])[:12]:
                value = " / ".join(field.get("value", "").splitlines()[:6])
                lines.append(f"┃ • {field.get('name')}: {value}")
            if embed.get("footer", {}).get("text"):
                lines.append(f"┃ ({embed['footer']['text']})")
        for attachment in message.attachments:
            lines.append(f"📎 {attachment.get('filename')}")
        controls = _controls(message.components)
        if controls:
            lines.append("   " + "  ".join(controls))
        return [
            _TIMESTAMP.sub(
                lambda found: self._timestamp_text(found, zone), _MENTION.sub(self._mention_name, line)
            )
            for line in lines
        ]

    def _timestamp_text(self, match: re.Match[str], zone: tzinfo = UTC) -> str:
        """Show a Discord timestamp the way a member whose clock is set to `zone` would see it."""
        moment = datetime.fromtimestamp(int(match.group(1)), tz=zone)
        label = "UTC" if zone is UTC else moment.strftime("%Z")
        style = match.group(2) or "f"
        if style == "R":
            seconds = (moment - self.env.now()).total_seconds()
            span = _duration(abs(seconds))
            return f"in {span}" if seconds > 0 else f"{span} ago" if seconds < 0 else "now"
        if style in "dD":
            return f"{moment:%a %d %b %Y}"
        if style in "tT":
            return f"{moment:%H:%M} {label}"
        return f"{moment:%a %d %b %Y %H:%M} {label}"


def _controls(components: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for component in components:
        kind = component.get("type")
        if kind == 2:
            disabled = " (off)" if component.get("disabled") else ""
            found.append(
                f"[{component.get('label') or component.get('emoji', {}).get('name', '')}{disabled}]"
            )
        elif kind in (3, 5, 6, 7, 8):
            count = len(component.get("options", []))
            options = f" ({count} option{'s' if count != 1 else ''})" if count else ""
            found.append(f"[▾ {component.get('placeholder') or 'choose'}{options}]")
        found.extend(_controls(component.get("components", [])))
    return found


def _looks(message: Any) -> tuple[Any, ...]:
    """What a reader sees of a message, to tell an edit that changed something."""
    return (message.content, repr(message.embeds), repr(message.components), repr(message.attachments))


def _option_labels(components: list[dict[str, Any]], custom_id: str | None) -> dict[str, str]:
    """Each select option's value mapped to the label a member sees (of the select with custom_id, if given)."""
    labels: dict[str, str] = {}
    for component in components:
        if component.get("options") and custom_id in (None, component.get("custom_id")):
            labels.update({str(option["value"]): option["label"] for option in component["options"]})
        labels.update(_option_labels(component.get("components", []), custom_id))
    return labels


def _input_labels(components: list[dict[str, Any]]) -> dict[str, str]:
    """Each form field's custom id mapped to the label a member sees."""
    labels: dict[str, str] = {}
    for component in components:
        inner = component.get("component")  # a Label wrapping its input
        if isinstance(inner, dict) and inner.get("custom_id"):
            labels[inner["custom_id"]] = component.get("label") or inner["custom_id"]
        elif component.get("custom_id") and component.get("label"):
            labels[component["custom_id"]] = component["label"]
        labels.update(_input_labels(component.get("components", [])))
    return labels


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86400:.0f} days"


def _short(value: Any) -> str:
    text = getattr(value, "name", None) or str(value)
    return text if len(text) <= 60 else text[:57] + "…"
