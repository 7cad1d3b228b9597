"""The sentences the library says to members and organizers (plain functions, no discord import)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.replies import truncate

# Characters that would turn member-typed text into formatting or a masked link inside a message.
_MARKDOWN = re.compile(r"([\\*_~`|\[\]<>#])")

STATUS_TEXT = {"pending": "Waiting for review", "approved": "Approved", "rejected": "Not added"}


def escape_markdown(text: str) -> str:
    """Member-typed text on one line, shown as typed: formatting characters are escaped."""
    return _MARKDOWN.sub(r"\\\1", " ".join(text.split()))


def safe_title(title: str, limit: int = 150) -> str:
    """A member-typed title, cut and with its markdown neutralised."""
    return truncate(escape_markdown(title), limit)


def describe_existing(resource_id: int, title: str, url: str, status: str) -> str:
    """Why an address cannot be added: it is already in the library, pending, or was turned down."""
    name = safe_title(title)
    if status == "approved":
        return (
            f"That address is already in the library as **{name}** (resource #{resource_id}): {url}\n"
            "Find it with `/resources search`."
        )
    if status == "pending":
        return (
            f"That address was already suggested as **{name}** (resource #{resource_id}) and is waiting for "
            "an organizer's review."
        )
    return (
        f"That address was suggested before as **{name}** (resource #{resource_id}) and organizers decided "
        "not to add it."
    )


def nothing_found(text: str, suggestions: Sequence[str], filtered: bool) -> str:
    if suggestions:
        tried = ", ".join(f"**{s}**" for s in suggestions)
        return f"No resources match that. Did you mean {tried}? Try `/resources search` again with it."
    if filtered and not text:
        return "No resources are linked to that yet. Know a good one? Share it with `/resources suggest`."
    return "No resources match that. Try fewer or other words, or browse with `/recommendation list`."


def approved_dm(title: str) -> str:
    return (
        f"Good news: your suggestion **{safe_title(title)}** was approved and is now in the coalition's "
        "library. Members find it with `/resources search`."
    )


def rejected_dm(title: str, reason: str | None) -> str:
    return (
        f"Thank you for suggesting **{safe_title(title)}**. The organizers decided not to add it to the "
        f"library. Their reason: {truncate(escape_markdown(reason or 'none given'), 600)}"
    )


def suggestion_received(card_posted: bool) -> str:
    if card_posted:
        return "Thank you! Your suggestion went to the organizers; I will DM you when they have decided."
    return (
        "Thank you! Your suggestion is saved for the organizers (they see it with `/resources review`); "
        "I will DM you when they have decided."
    )


def decision_note(done: str, told: bool | None) -> str:
    """What the organizer is told after a decision: whether the suggester heard of it."""
    if told is False:
        return done + " I could not DM the suggester (their DMs are closed), so they have not been told."
    if told:
        return done + " The suggester has been told by DM."
    return done
