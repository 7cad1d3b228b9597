"""Use cases of members' privacy: export, deletion, and what happens to those who leave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.usecases import App, Work
from db import members, privacy

EXPIRE_JOB = "privacy.expire"


def expire_key(guild_id: int, user_id: int) -> str:
    return f"{EXPIRE_JOB}:{guild_id}:{user_id}"


@dataclass(frozen=True, slots=True)
class Export:
    text: str
    sections_with_data: int


@dataclass(frozen=True, slots=True)
class Deletion:
    summary: str
    discipline_role_ids: tuple[int, ...]
    polls_recounted: tuple[int, ...]
    campaigns_touched: tuple[int, ...]


async def export_member_data(app: App, *, guild_id: int, user_id: int) -> Export:
    """Everything stored about the member in this guild, as JSON text for them alone."""
    async with app.work() as work:
        data = await privacy.export_member(work.session, guild_id, user_id)
    document = {
        "about": "Everything the coalition bot stores about you in this server.",
        "server_id": str(guild_id),
        "member_id": str(user_id),
        "exported_at": app.now().isoformat(),
        **data,
    }
    filled = sum(1 for value in data.values() if value)
    return Export(text=privacy.dumps(document), sections_with_data=filled)


async def delete_member_data(app: App, *, guild_id: int, user_id: int, reason: str) -> Deletion:
    """Forget the member in this guild: their data goes, shared history keeps its totals without them."""
    async with app.work() as work:
        done = await privacy.forget_member(work.session, guild_id, user_id)
        await work.cancel_job(expire_key(guild_id, user_id))
        # Counts only: the audit log must not become a record of who asked to be forgotten.
        await work.audit(guild_id, None, "privacy.delete", f"{reason}: {done.summary()}")
    return Deletion(
        summary=done.summary(),
        discipline_role_ids=tuple(done.discipline_role_ids),
        polls_recounted=tuple(done.polls_recounted),
        campaigns_touched=tuple(done.campaigns_touched),
    )


async def member_left(app: App, *, guild_id: int, user_id: int, retention_days: int) -> None:
    """Schedule the departed member's profile for deletion unless they come back in time."""
    async with app.work() as work:
        await _schedule_expiries(work, guild_id, [user_id], retention_days)


async def member_returned(app: App, *, guild_id: int, user_id: int) -> None:
    """A departed member rejoined: keep what they left behind."""
    async with app.work() as work:
        await work.cancel_job(expire_key(guild_id, user_id))


async def still_departed(app: App, *, guild_id: int, user_id: int) -> bool:
    async with app.work() as work:
        return await privacy.has_left(work.session, guild_id, user_id)


async def keep_present_member(app: App, *, guild_id: int, user_id: int) -> None:
    """The member recorded as departed is in the server after all: mark them present, keep their data."""
    async with app.work() as work:
        await members.mark_returned(work.session, guild_id, user_id, work.now)


async def catch_up_departures(
    app: App, *, guild_id: int, present: frozenset[int], retention_days: int
) -> tuple[list[int], list[int]]:
    """After time offline: mark members who left meanwhile, and un-mark those who came back.

    `present` is the guild's complete member list. However many members changed, this is a handful of
    statements: one read, then updates and job changes a few hundred members at a time.
    """
    async with app.work() as work:
        left, returned = await privacy.reconcile_presence(work.session, guild_id, present, work.now)
        await _schedule_expiries(work, guild_id, left, retention_days)
        await work.cancel_many([expire_key(guild_id, user_id) for user_id in returned])
    return left, returned


async def _schedule_expiries(work: Work, guild_id: int, user_ids: list[int], retention_days: int) -> None:
    """Schedule the deletion of these departed members' data, replacing any finished or cancelled expiry."""
    payloads = {
        expire_key(guild_id, user_id): {"guild_id": guild_id, "user_id": user_id} for user_id in user_ids
    }
    await privacy.clear_finished_jobs(work.session, list(payloads))
    await work.schedule_many(
        EXPIRE_JOB, payloads, work.now + timedelta(days=retention_days), guild_id=guild_id
    )
