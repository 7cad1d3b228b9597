"""Creating a poll: check the request, store it, then publish it once its message is posted (or discard it)."""

from __future__ import annotations

from datetime import datetime

from bot.errors import NotFound, UserFacingError
from bot.usecases import App
from cogs.polls import rules, tally
from cogs.polls.service.results import CLOSE_JOB, NO_SECRET, PollDraft, PollResults, close_key, poll_info
from db import polls as store
from db.polls import Poll


def draft_poll(
    *,
    question: str,
    options: str,
    closes_at: datetime,
    now: datetime,
    kind: str,
    max_choices: int | None,
    secret: bool,
    live_results: bool,
    role_id: int | None,
    quorum: int | None,
    department_mode: str,
    ballot_secret: str | None,
) -> PollDraft:
    """Check an organizer's poll request against every rule, or say what to change."""
    try:
        question = rules.clean_question(question)
        labels = rules.parse_options(options)
        rules.check_closing_time(closes_at, now)
    except rules.PollRuleError as error:
        raise UserFacingError(str(error)) from error
    if kind not in rules.KINDS or department_mode not in rules.DEPARTMENT_MODES:
        raise UserFacingError("Please pick the poll kind and department rule from the suggestions.")
    limit = 1
    if kind == "multiple":
        limit = max_choices or len(labels)
        if not 2 <= limit <= len(labels):
            raise UserFacingError(
                f"For a multiple-choice poll, max_choices must be between 2 and the number of options ({len(labels)})."
            )
    elif kind == "ranked":
        limit = len(labels)
    if secret and not ballot_secret:
        raise UserFacingError(NO_SECRET)
    return PollDraft(
        question=question,
        options=tuple(labels),
        kind=kind,
        max_choices=limit,
        secret=secret,
        live_results=live_results,
        closes_at=closes_at,
        role_id=role_id,
        quorum=quorum,
        department_mode=department_mode,
    )


async def create_poll(
    app: App, *, guild_id: int, created_by: int, draft: PollDraft, ballot_secret: str | None
) -> PollResults:
    """Store a drafted poll, not yet posted (`publish_poll` once its message is up, `discard_poll` if not)."""
    async with app.work() as work:
        try:
            poll = await store.create_poll(
                work.session,
                guild_id=guild_id,
                created_by=created_by,
                question=draft.question,
                options=draft.options,
                kind=draft.kind,
                max_choices=draft.max_choices,
                secret=draft.secret,
                live_results=draft.live_results,
                closes_at=draft.closes_at,
                now=work.now,
                role_id=draft.role_id,
                quorum=draft.quorum,
                department_mode=draft.department_mode,
                server_secret=ballot_secret,
            )
        except store.PollKeyUnavailable as error:
            raise UserFacingError(NO_SECRET) from error
        info = poll_info(poll)
    return PollResults(info, tally.outcome(info.kind, len(info.options), [], info.quorum))


async def publish_poll(app: App, *, poll_id: int, channel_id: int, message_id: int, actor_id: int) -> None:
    """Remember the poll's message, schedule its closing and audit its creation."""
    async with app.work() as work:
        poll = await work.session.get(Poll, poll_id)
        if poll is None:
            raise NotFound("That poll was deleted while it was being posted.")
        await store.set_message(work.session, poll_id, channel_id, message_id)
        await work.schedule(
            CLOSE_JOB,
            close_key(poll_id),
            poll.closes_at,
            payload={"poll_id": poll_id},
            guild_id=poll.guild_id,
        )
        await work.audit(
            poll.guild_id, actor_id, "poll.create", f"#{poll_id}: {_shorten(poll.question, 200)}"
        )


async def discard_poll(app: App, *, poll_id: int) -> None:
    """Delete a poll whose message could not be posted."""
    async with app.work() as work:
        await store.delete_poll(work.session, poll_id)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
