"""Everything stored about one member in one guild: gathered for an export, and forgotten on request.

This is the one module that knows every table holding a member's id. It works on the tables themselves
(SQLAlchemy Core over the shared metadata), so a feature that moves its models between modules does not
break it; a feature that adds a table with a member's id adds it here too, and the privacy test that scans
every table for a deleted member's id fails until it does.

Forgetting keeps totals true without keeping the person: campaign sign-ups, roll-call answers and reminders
stay, with the member's id replaced by an anonymous stand-in (the negative of the row's own id, never a
Discord id, unique per row so the tables' unique constraints still hold); named ballots are removed, so the
counts change as if the vote had never been cast; secret ballots are not linkable and stay; suggestions
stay without their author.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

import db.models  # noqa: F401  # registers every table in the metadata
from db.jobs import CANCELLED, DONE, FAILED, in_batches

FORMER_MEMBER = "a former member"


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def is_anonymous(user_id: int) -> bool:
    """True for the stand-in id that replaced a member who deleted their data."""
    return user_id <= 0


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# ----------------------------------------------------------------------------- export


async def export_member(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
    """Everything stored about the member in this guild, with human-readable keys and ISO 8601 times."""
    return {
        "profile": await _profile(session, guild_id, user_id),
        "disciplines": await _disciplines(session, guild_id, user_id),
        "onboarding": await _onboarding(session, guild_id, user_id),
        "campaign_sign_ups": await _signups(session, guild_id, user_id),
        "roll_call_answers": await _rollcall_answers(session, guild_id, user_id),
        "named_votes": await _named_votes(session, guild_id, user_id),
        "resource_suggestions": await _suggestions(session, guild_id, user_id),
        "campaign_invitations_opted_out": await _opted_out(session, guild_id, user_id),
        "campaign_posts_reported": await _reported_posts(session, guild_id, user_id),
    }


async def _reported_posts(session: AsyncSession, guild_id: int, user_id: int) -> list[dict[str, Any]]:
    post, campaign = _table("campaign_post"), _table("campaign")
    rows = await session.execute(
        select(campaign.c.title, post.c.url, post.c.platform, post.c.note, post.c.posted_at)
        .join(campaign, campaign.c.id == post.c.campaign_id)
        .where(post.c.guild_id == guild_id, post.c.user_id == user_id)
        .order_by(post.c.posted_at)
    )
    return [
        {"campaign": title, "link": url, "platform": platform, "note": note, "reported_at": _iso(at)}
        for title, url, platform, note, at in rows
    ]


async def _profile(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any] | None:
    profile = _table("member_profile")
    row = (
        (
            await session.execute(
                select(profile).where(profile.c.guild_id == guild_id, profile.c.user_id == user_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    department = _table("department")
    department_name = (
        await session.scalar(select(department.c.name).where(department.c.id == row["department_id"]))
        if row["department_id"] is not None
        else None
    )
    return {
        "display_name": row["display_name"],
        "organization": row["organization"],
        "health_department": department_name,
        "jurisdiction": row["jurisdiction"],
        "state": row["state"],
        "job_title": row["job_title"],
        "pronouns": row["pronouns"],
        "interests": list(row["interests"] or []),
        "listed_in_directory": bool(row["directory_opt_in"]),
        "left_server_at": _iso(row["left_at"]),
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
    }


async def _disciplines(session: AsyncSession, guild_id: int, user_id: int) -> list[dict[str, Any]]:
    picks, discipline = _table("member_discipline"), _table("discipline")
    rows = await session.execute(
        select(discipline.c.name, picks.c.created_at)
        .join(discipline, discipline.c.id == picks.c.discipline_id)
        .where(picks.c.guild_id == guild_id, picks.c.user_id == user_id)
        .order_by(discipline.c.name)
    )
    return [{"discipline": name, "tagged_at": _iso(at)} for name, at in rows]


async def _onboarding(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any] | None:
    progress = _table("onboarding_progress")
    row = (
        (
            await session.execute(
                select(progress).where(progress.c.guild_id == guild_id, progress.c.user_id == user_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    times = ("joined_at", "started_at", "finished_at", "last_activity_at", "reminder_sent_at")
    result: dict[str, Any] = {"step": row["step"], "answers_in_progress": row["answers"] or {}}
    result |= {name: _iso(row[name]) for name in times if name in row}
    result["direct_messages_closed"] = bool(row["dm_closed"])
    return result


async def _signups(session: AsyncSession, guild_id: int, user_id: int) -> list[dict[str, Any]]:
    signup, slot, campaign = _table("campaign_signup"), _table("campaign_slot"), _table("campaign")
    rows = await session.execute(
        select(
            campaign.c.title,
            slot.c.name,
            signup.c.status,
            signup.c.signed_up_at,
            signup.c.confirmed_at,
            signup.c.ended_at,
        )
        .join(slot, slot.c.id == signup.c.slot_id)
        .join(campaign, campaign.c.id == signup.c.campaign_id)
        .where(signup.c.guild_id == guild_id, signup.c.user_id == user_id)
        .order_by(signup.c.signed_up_at)
    )
    return [
        {
            "campaign": title,
            "slot": name,
            "status": status,
            "signed_up_at": _iso(signed),
            "confirmed_at": _iso(confirmed),
            "ended_at": _iso(ended),
        }
        for title, name, status, signed, confirmed, ended in rows
    ]


async def _rollcall_answers(session: AsyncSession, guild_id: int, user_id: int) -> list[dict[str, Any]]:
    answer, rollcall, campaign = (
        _table("campaign_rollcall_answer"),
        _table("campaign_rollcall"),
        _table("campaign"),
    )
    rows = await session.execute(
        select(campaign.c.title, answer.c.slot_name, answer.c.answer, answer.c.answered_at)
        .join(rollcall, rollcall.c.id == answer.c.rollcall_id)
        .join(campaign, campaign.c.id == rollcall.c.campaign_id)
        .where(rollcall.c.guild_id == guild_id, answer.c.user_id == user_id)
        .order_by(answer.c.id)
    )
    return [
        {"campaign": title, "slot": slot, "answer": value or "no answer", "answered_at": _iso(at)}
        for title, slot, value, at in rows
    ]


async def _named_votes(session: AsyncSession, guild_id: int, user_id: int) -> list[dict[str, Any]]:
    ballot, poll = _table("poll_ballot"), _table("poll")
    rows = await session.execute(
        select(poll.c.question, poll.c.options, poll.c.kind, ballot.c.choices, ballot.c.cast_at)
        .join(poll, poll.c.id == ballot.c.poll_id)
        .where(poll.c.guild_id == guild_id, ballot.c.voter_id == user_id)
        .order_by(ballot.c.cast_at)
    )
    votes = []
    for question, options, kind, choices, cast_at in rows:
        labels = [options[index] for index in (choices or []) if 0 <= index < len(options or [])]
        votes.append({"poll": question, "kind": kind, "choices": labels, "cast_at": _iso(cast_at)})
    return votes


async def _suggestions(session: AsyncSession, guild_id: int, user_id: int) -> list[dict[str, Any]]:
    resource = _table("resource")
    rows = await session.execute(
        select(
            resource.c.title,
            resource.c.url,
            resource.c.status,
            resource.c.reject_reason,
            resource.c.created_at,
            resource.c.reviewed_at,
        )
        .where(resource.c.guild_id == guild_id, resource.c.suggested_by == user_id)
        .order_by(resource.c.created_at)
    )
    return [
        {
            "title": title,
            "url": url,
            "outcome": status,
            "reason_given": reason,
            "suggested_at": _iso(created),
            "reviewed_at": _iso(reviewed),
        }
        for title, url, status, reason, created, reviewed in rows
    ]


async def _opted_out(session: AsyncSession, guild_id: int, user_id: int) -> str | None:
    optout = _table("campaign_invite_optout")
    at = await session.scalar(
        select(optout.c.created_at).where(optout.c.guild_id == guild_id, optout.c.user_id == user_id)
    )
    return _iso(at)


# ----------------------------------------------------------------------------- forgetting


@dataclass(slots=True)
class Forgotten:
    """What forgetting a member changed, table by table (counts only: this is what the audit log keeps)."""

    deleted: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    polls_recounted: list[int] = field(default_factory=list)
    campaigns_touched: list[int] = field(default_factory=list)
    discipline_role_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{table} {count} deleted" for table, count in sorted(self.deleted.items()) if count]
        parts += [f"{table} {count} anonymised" for table, count in sorted(self.anonymised.items()) if count]
        return ", ".join(parts) or "nothing stored"


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_member(session: AsyncSession, guild_id: int, user_id: int) -> Forgotten:
    """Delete the member's own data in this guild and anonymise their part in shared history."""
    done = Forgotten()
    done.discipline_role_ids = await _discipline_roles(session, guild_id, user_id)
    done.campaigns_touched = await _campaign_ids(session, guild_id, user_id)
    done.polls_recounted = await _named_vote_polls(session, guild_id, user_id)
    for name in ("member_profile", "onboarding_progress", "member_discipline", "resource_search"):
        table = _table(name)
        result = await session.execute(
            delete(table).where(table.c.guild_id == guild_id, table.c.user_id == user_id)
        )
        done.deleted[name] = _rowcount(result)
    optout = _table("campaign_invite_optout")
    result = await session.execute(
        delete(optout).where(optout.c.guild_id == guild_id, optout.c.user_id == user_id)
    )
    done.deleted["campaign_invite_optout"] = _rowcount(result)
    await _forget_votes(session, guild_id, user_id, done)
    await _anonymise_campaigns(session, guild_id, user_id, done)
    await _unlink_authorship(session, guild_id, user_id, done)
    await _forget_jobs_and_audit(session, guild_id, user_id, done)
    return done


async def _discipline_roles(session: AsyncSession, guild_id: int, user_id: int) -> list[int]:
    picks, discipline = _table("member_discipline"), _table("discipline")
    rows = await session.scalars(
        select(discipline.c.role_id)
        .join(picks, picks.c.discipline_id == discipline.c.id)
        .where(picks.c.guild_id == guild_id, picks.c.user_id == user_id, discipline.c.role_id.is_not(None))
    )
    return [int(role_id) for role_id in rows]


async def _campaign_ids(session: AsyncSession, guild_id: int, user_id: int) -> list[int]:
    signup = _table("campaign_signup")
    rows = await session.scalars(
        select(signup.c.campaign_id)
        .where(signup.c.guild_id == guild_id, signup.c.user_id == user_id)
        .distinct()
    )
    return sorted(int(campaign_id) for campaign_id in rows)


async def _named_vote_polls(session: AsyncSession, guild_id: int, user_id: int) -> list[int]:
    ballot, poll = _table("poll_ballot"), _table("poll")
    rows = await session.scalars(
        select(poll.c.id)
        .join(ballot, ballot.c.poll_id == poll.c.id)
        .where(poll.c.guild_id == guild_id, ballot.c.voter_id == user_id)
        .distinct()
    )
    return sorted(int(poll_id) for poll_id in rows)


async def _forget_votes(session: AsyncSession, guild_id: int, user_id: int, done: Forgotten) -> None:
    ballot, poll = _table("poll_ballot"), _table("poll")
    in_guild = select(poll.c.id).where(poll.c.guild_id == guild_id)
    result = await session.execute(
        delete(ballot).where(ballot.c.voter_id == user_id, ballot.c.poll_id.in_(in_guild))
    )
    done.deleted["poll_ballot (named)"] = _rowcount(result)


async def _anonymise_campaigns(session: AsyncSession, guild_id: int, user_id: int, done: Forgotten) -> None:
    signup, campaign = _table("campaign_signup"), _table("campaign")
    in_guild = select(campaign.c.id).where(campaign.c.guild_id == guild_id)
    result = await session.execute(
        update(signup)
        .where(signup.c.guild_id == guild_id, signup.c.user_id == user_id)
        .values(user_id=-signup.c.id)
    )
    done.anonymised["campaign_signup"] = _rowcount(result)
    answer, rollcall = _table("campaign_rollcall_answer"), _table("campaign_rollcall")
    result = await session.execute(
        update(answer)
        .where(
            answer.c.user_id == user_id,
            answer.c.rollcall_id.in_(select(rollcall.c.id).where(rollcall.c.guild_id == guild_id)),
        )
        .values(user_id=-answer.c.id)
    )
    done.anonymised["campaign_rollcall_answer"] = _rowcount(result)
    # A reported post stays in the campaign's reach as a count; who reported it, the link and note go.
    post = _table("campaign_post")
    result = await session.execute(
        update(post)
        .where(post.c.guild_id == guild_id, post.c.user_id == user_id)
        .values(user_id=-post.c.id, url="", url_key="forgotten:" + cast(post.c.id, String), note="")
    )
    done.anonymised["campaign_post"] = _rowcount(result)
    for name in ("campaign_reminder_sent", "campaign_invite"):
        table = _table(name)
        result = await session.execute(
            delete(table).where(table.c.user_id == user_id, table.c.campaign_id.in_(in_guild))
        )
        done.deleted[name] = _rowcount(result)


async def _unlink_authorship(session: AsyncSession, guild_id: int, user_id: int, done: Forgotten) -> None:
    """Suggestions, campaigns and polls stay; who suggested, reviewed, created or closed them goes."""
    for name, columns in (
        ("resource", ("suggested_by", "reviewed_by")),
        ("campaign", ("created_by",)),
        ("campaign_rollcall", ("created_by",)),
        ("poll", ("created_by", "closed_by")),
    ):
        table = _table(name)
        for column in columns:
            if column not in table.c:
                continue
            if table.c[column].nullable:
                values: dict[str, Any] = {column: None}
            else:
                values = {column: 0}
            result = await session.execute(
                update(table).where(table.c.guild_id == guild_id, table.c[column] == user_id).values(**values)
            )
            done.anonymised[f"{name}.{column}"] = _rowcount(result)


async def _forget_jobs_and_audit(session: AsyncSession, guild_id: int, user_id: int, done: Forgotten) -> None:
    job = _table("scheduled_job")
    text_id = str(user_id)
    mentions_member = or_(job.c.key.contains(text_id), cast(job.c.payload, String).contains(text_id))
    result = await session.execute(
        delete(job).where(or_(job.c.guild_id == guild_id, job.c.guild_id.is_(None)), mentions_member)
    )
    done.deleted["scheduled_job"] = _rowcount(result)
    entry = _table("audit_entry")
    result = await session.execute(
        update(entry).where(entry.c.guild_id == guild_id, entry.c.actor_id == user_id).values(actor_id=None)
    )
    done.anonymised["audit_entry.actor_id"] = _rowcount(result)
    result = await session.execute(
        update(entry)
        .where(entry.c.guild_id == guild_id, entry.c.detail.contains(text_id))
        .values(detail=func.replace(entry.c.detail, text_id, "former member"))
    )
    done.anonymised["audit_entry.detail"] = _rowcount(result)


async def find_member_id(session: AsyncSession, user_id: int) -> list[str]:
    """Every `table.column` whose text holds the member's id (what a privacy officer's scan would find)."""
    text_id = str(user_id)
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.c:
            hits = await session.scalar(
                select(func.count()).select_from(table).where(cast(column, String).contains(text_id))
            )
            if hits:
                found.append(f"{table.name}.{column.name}")
    return found


def dumps(export: dict[str, Any]) -> str:
    """The export as indented JSON text."""
    return json.dumps(export, indent=2, ensure_ascii=False, default=str)


# ----------------------------------------------------------------------------- departed members


async def has_left(session: AsyncSession, guild_id: int, user_id: int) -> bool:
    profile = _table("member_profile")
    left_at = await session.scalar(
        select(profile.c.left_at).where(profile.c.guild_id == guild_id, profile.c.user_id == user_id)
    )
    return left_at is not None


async def reconcile_presence(
    session: AsyncSession, guild_id: int, present: frozenset[int], now: datetime
) -> tuple[list[int], list[int]]:
    """Mark profiles of members no longer present as left, and of returned ones as back; return both.

    `present` must be the guild's whole member list: a member missing from it is taken for departed. One
    read, then a few hundred ids per UPDATE, so that a large guild costs a handful of statements.
    """
    profile = _table("member_profile")
    rows = (
        await session.execute(
            select(profile.c.user_id, profile.c.left_at).where(profile.c.guild_id == guild_id)
        )
    ).all()
    left = sorted(int(user_id) for user_id, left_at in rows if left_at is None and user_id not in present)
    returned = sorted(int(user_id) for user_id, left_at in rows if left_at is not None and user_id in present)
    for user_ids, left_at in ((left, now), (returned, None)):
        for batch in in_batches(user_ids):
            await session.execute(
                update(profile)
                .where(profile.c.guild_id == guild_id, profile.c.user_id.in_(batch))
                .values(left_at=left_at, updated_at=now)
            )
    return left, returned


async def clear_finished_jobs(session: AsyncSession, keys: list[str]) -> None:
    """Delete these keys' jobs that ran, failed or were cancelled, so that the keys can be scheduled anew.

    A member who left, came back (their expiry cancelled) and left again needs a new expiry: a job key is
    unique, and scheduling a key that exists keeps the old row, which would never run again.
    """
    job = _table("scheduled_job")
    for batch in in_batches(keys):
        await session.execute(
            delete(job).where(job.c.key.in_(batch), job.c.status.in_((DONE, FAILED, CANCELLED)))
        )
