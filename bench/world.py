"""The bench's world: a SimCord guild of many members, and a coalition's worth of rows written straight to the tables.

The rows go in with SQLAlchemy Core bulk inserts on `SQLModel.metadata.tables[...]`, never through the
features' functions, so that the world survives any refactor of the features; only the table and column
names tie it to the schema. Everything random comes from one seeded `random.Random`, so two runs build the
same world.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import discord
from simcord.env import Env
from sqlalchemy import Table, insert, select

import db.models
from bench.harness import post_buttons
from db.engine import Database

TABLES = db.models.metadata.tables
BATCH = 2_000
_COMMON_WORDS = (
    "health equity housing wage labor transit data surveillance community toolkit policy planning climate "
    "heat air water food tobacco alcohol school childhood nursing education evaluation income poverty "
    "insurance clinic rural urban zoning violence safety gender voice alliance organizing campaign media "
    "awareness training workforce evidence research monitoring tax budget finance trade market justice "
    "environment neighborhood transport disability aging immigrant"
)
VOCABULARY = _COMMON_WORDS.split()
RARE = [f"w{n}" for n in range(3000)]  # a long tail of rare words, as real text has
DISCIPLINES = (
    "Epidemiology",
    "Public health nursing",
    "Health education",
    "Environmental health",
    "Policy and planning",
    "Communications",
    "Community organizing",
    "Data and evaluation",
    "Maternal and child health",
    "Chronic disease",
    "Injury prevention",
    "Behavioral health",
    "Food safety",
    "Housing",
    "Transportation",
    "Emergency preparedness",
    "Health equity",
    "Informatics",
    "Laboratory",
    "Leadership",
    "Legal",
    "Finance",
    "Workforce development",
    "Tobacco control",
    "Nutrition",
    "Oral health",
    "Immunization",
    "Climate and health",
    "Violence prevention",
    "Research",
)
STATES = ("CA", "NY", "TX", "WA", "IL", "GA", "MI", "OH", "PA", "NC", "MN", "CO", "OR", "MA", "NM")


@dataclass(frozen=True, slots=True)
class Scale:
    """How big a world to build and how many interactions to time."""

    name: str
    members: int
    disciplines: int
    resources: int
    campaigns: int
    signups: int
    polls: int
    per_path: int  # interactions timed per hot path
    burst: int  # simultaneous clicks on one card


SCALES = {
    "full": Scale("full", 10_000, 30, 10_000, 500, 20_000, 200, per_path=200, burst=1_000),
    "quick": Scale("quick", 1_500, 30, 3_000, 100, 4_000, 40, per_path=40, burst=300),
    "tiny": Scale("tiny", 60, 30, 200, 10, 120, 5, per_path=4, burst=20),
}


@dataclass
class SimWorld:
    """The SimCord side: the guild, its channels, an organizer and the members (in creation order)."""

    env: Env
    guild: Any
    channels: dict[str, Any]
    organizer: Any
    members: list[Any] = field(default_factory=list)

    def channel(self, purpose: str) -> Any:
        return self.channels[purpose]


@dataclass(frozen=True, slots=True)
class Fixtures:
    """What the hot paths click: ids of the rows made for them, and the members set aside for each."""

    guild_id: int
    signup_campaign: int
    signup_slot: int
    burst_campaigns: tuple[tuple[int, int], ...]  # (campaign, slot) per burst mode
    burst_capacity: int
    poll: int
    poll_options: int
    newcomers: tuple[int, ...]  # member indexes whose onboarding waits at its first step
    searches: tuple[str, ...]
    messages: dict[str, Any]  # the stored SimCord messages clicked: signup, burst0, burst1, poll, welcome


def build_guild(env: Env, members: int) -> SimWorld:
    """Create the guild, its channels and `members` members in SimCord (before the bot starts, so no joins)."""
    guild = env.create_guild("Bench coalition")
    purposes = ("general", "welcome", "introductions", "campaigns", "polls", "review", "audit")
    channels = {purpose: guild.create_text_channel(purpose) for purpose in purposes}
    organizers = guild.create_role("Organizers", permissions=discord.Permissions(manage_guild=True))
    organizer = guild.add_member(env.create_user("organizer"), roles=[organizers])
    people = [guild.add_member(env.create_user(f"member{index:05d}")) for index in range(members)]
    return SimWorld(env, guild, channels, organizer, people)


def _per_path(scale: Scale) -> int:
    """Interactions per hot path: four paths need their own members, and the newcomers are a fifth group."""
    return max(1, min(scale.per_path, scale.members // 5))


def _batches(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


async def _insert(database: Database, table: str, rows: Sequence[dict[str, Any]]) -> None:
    async with database.engine.begin() as connection:
        for batch in _batches(rows):
            await connection.execute(insert(TABLES[table]), list(batch))


async def _ids(database: Database, table: str, guild_column: str, guild_id: int) -> list[int]:
    """The ids of a guild's rows in insertion order (ids are the database's own, so sequences stay right)."""
    t: Table = TABLES[table]
    async with database.engine.connect() as connection:
        rows = await connection.execute(select(t.c.id).where(t.c[guild_column] == guild_id).order_by(t.c.id))
        return [row[0] for row in rows]


async def fill_database(database: Database, world: SimWorld, scale: Scale, now: datetime) -> Fixtures:
    """Write the coalition's rows; return what the hot paths need. `now` is SimCord's clock."""
    rng = random.Random(2026)
    guild_id = world.guild.id
    user_ids = [member.id for member in world.members]
    reserved = _per_path(scale)
    newcomers = tuple(range(len(user_ids) - reserved, len(user_ids)))
    await _insert(database, "guild_config", [_guild_config(world)])
    disciplines = await _disciplines(database, guild_id, scale.disciplines, now)
    await _members(database, rng, guild_id, user_ids, set(newcomers), disciplines, now)
    await _resources(database, rng, guild_id, scale.resources, now)
    slots = await _campaigns(database, rng, world, scale.campaigns, now)
    await _signups(database, rng, guild_id, slots, user_ids[: len(user_ids) - reserved], scale.signups, now)
    poll_id, options = await _polls(database, rng, world, scale.polls, user_ids, now)
    capacity = max(1, scale.burst // 10)
    signup = await _measured_campaign(database, world, "Bench sign-up", max(1, scale.per_path // 2), now)
    bursts = (
        await _measured_campaign(database, world, "Burst a", capacity, now),
        await _measured_campaign(database, world, "Burst b", capacity, now),
    )
    poll_message = await _post_poll(database, world, poll_id, options)
    return Fixtures(
        guild_id,
        signup[0],
        signup[1],
        tuple((campaign, slot) for campaign, slot, _ in bursts),
        capacity,
        poll_id,
        options,
        newcomers,
        tuple(_query(rng) for _ in range(scale.per_path)),
        {
            "signup": signup[2],
            "burst0": bursts[0][2],
            "burst1": bursts[1][2],
            "poll": poll_message,
            "welcome": _post_welcome(world),
        },
    )


def bare_fixtures(world: SimWorld, scale: Scale) -> Fixtures:
    """The same targets for the bare bot, which has no database: made-up ids on the same kinds of message."""
    rng = random.Random(2026)
    reserved = _per_path(scale)
    messages = {
        "signup": _post_card(world, "Bench sign-up", 1, 1),
        "burst0": _post_card(world, "Burst a", 2, 2),
        "burst1": _post_card(world, "Burst b", 3, 3),
        "poll": _post_poll_message(world, 1, 3),
        "welcome": _post_welcome(world),
    }
    newcomers = tuple(range(len(world.members) - reserved, len(world.members)))
    searches = tuple(_query(rng) for _ in range(scale.per_path))
    capacity = max(1, scale.burst // 10)
    return Fixtures(world.guild.id, 1, 1, ((2, 2), (3, 3)), capacity, 1, 3, newcomers, searches, messages)


def _post_card(world: SimWorld, title: str, campaign_id: int, slot_id: int) -> Any:
    return post_buttons(
        world.env,
        world.channel("campaigns").id,
        [f"campaign:join:{campaign_id}:{slot_id}", f"campaign:leave:{campaign_id}"],
        label="Sign up",
        content=title,
    )


def _post_poll_message(world: SimWorld, poll_id: int, options: int) -> Any:
    custom_ids = [f"poll:vote:{poll_id}:{index}" for index in range(options)]
    return post_buttons(world.env, world.channel("polls").id, custom_ids, label="Vote", content="Poll")


def _post_welcome(world: SimWorld) -> Any:
    """The first onboarding step's button, as the flow shows it in the welcome channel."""
    custom_id = f"onboarding:btn:begin:{world.guild.id}"
    return post_buttons(world.env, world.channel("welcome").id, [custom_id], label="Begin", content="Welcome")


def _guild_config(world: SimWorld) -> dict[str, Any]:
    row: dict[str, Any] = {"guild_id": world.guild.id}
    for column in TABLES["guild_config"].c:
        purpose = column.name.removesuffix("_channel_id")
        if column.name.endswith("_channel_id") and purpose in world.channels:
            row[column.name] = world.channels[purpose].id
    return row


async def _disciplines(database: Database, guild_id: int, count: int, now: datetime) -> list[int]:
    names = [
        DISCIPLINES[i % len(DISCIPLINES)] + (f" {i // len(DISCIPLINES)}" if i >= 30 else "")
        for i in range(count)
    ]
    rows = [
        {"guild_id": guild_id, "name": name, "slug": name.lower().replace(" ", "-"), "created_at": now}
        for name in names
    ]
    await _insert(database, "discipline", rows)
    return await _ids(database, "discipline", "guild_id", guild_id)


async def _members(
    database: Database,
    rng: random.Random,
    guild_id: int,
    user_ids: list[int],
    newcomers: set[int],
    disciplines: list[int],
    now: datetime,
) -> None:
    """Profiles, disciplines and finished onboarding for everyone but the newcomers, who are at step one."""
    profiles, tags, progress = [], [], []
    for index, user_id in enumerate(user_ids):
        joined = now - timedelta(days=rng.randint(1, 700))
        if index in newcomers:
            progress.append(_progress(guild_id, user_id, "welcome", joined, None))
            continue
        department = f"{rng.choice(VOCABULARY).title()} County Health Department {rng.randint(1, 400)}"
        profiles.append(
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "display_name": f"Member {index}",
                "organization": department,
                "organization_key": department.lower(),
                "jurisdiction": f"{rng.choice(VOCABULARY).title()} County",
                "state": rng.choice(STATES),
                "job_title": "Health educator",
                "interests": [f"chapter:{rng.randint(1, 16)}"],
                "directory_opt_in": rng.random() < 0.6,
                "created_at": joined,
                "updated_at": joined,
            }
        )
        for discipline_id in rng.sample(disciplines, k=min(len(disciplines), rng.randint(1, 3))):
            tags.append(
                {
                    "guild_id": guild_id,
                    "user_id": user_id,
                    "discipline_id": discipline_id,
                    "created_at": joined,
                }
            )
        progress.append(_progress(guild_id, user_id, "done", joined, joined + timedelta(minutes=4)))
    await _insert(database, "member_profile", profiles)
    await _insert(database, "member_discipline", tags)
    await _insert(database, "onboarding_progress", progress)


def _progress(
    guild_id: int, user_id: int, step: str, joined: datetime, finished: datetime | None
) -> dict[str, Any]:
    return {
        "guild_id": guild_id,
        "user_id": user_id,
        "step": step,
        "answers": {},
        "joined_at": joined,
        "started_at": joined,
        "finished_at": finished,
        "last_activity_at": finished or joined,
        "dm_closed": False,
    }


def _words(rng: random.Random, count: int, common: float) -> str:
    return " ".join(rng.choice(VOCABULARY if rng.random() < common else RARE) for _ in range(count))


def _query(rng: random.Random) -> str:
    """A search of one of three shapes: one common word, two common words, a common and a rare word."""
    shape = rng.randrange(3)
    first = rng.choice(VOCABULARY)
    return first if shape == 0 else f"{first} {rng.choice(VOCABULARY if shape == 1 else RARE)}"


async def _resources(
    database: Database, rng: random.Random, guild_id: int, count: int, now: datetime
) -> None:
    rows = []
    for number in range(count):
        title = _words(rng, rng.randint(3, 7), 1.0).capitalize()
        summary = _words(rng, rng.randint(15, 40), 0.4)
        publisher = f"{rng.choice(VOCABULARY).capitalize()} Institute"
        url = f"https://example.org/resource/{number}"
        rows.append(
            {
                "guild_id": guild_id,
                "title": title,
                "url": url,
                "normalized_url": url,
                "summary": summary,
                "kind": "report",
                "publisher": publisher,
                "status": "approved",
                # The indexed text is the lower-cased words of title, summary and publisher.
                "search_text": f"{title} {summary} {publisher}".lower(),
                "created_at": now - timedelta(days=rng.randint(1, 900)),
            }
        )
    await _insert(database, "resource", rows)


def _campaign_row(
    world: SimWorld, title: str, starts: datetime, now: datetime, status: str
) -> dict[str, Any]:
    return {
        "guild_id": world.guild.id,
        "title": title,
        "description": "A coordinated push across the coalition's health departments.",
        "starts_at": starts,
        "ends_at": starts + timedelta(days=1),
        "signup_deadline": starts - timedelta(days=1),
        "timezone": "UTC",
        "offer_window_hours": 24,
        "status": status,
        "created_by": world.organizer.id,
        "created_at": now - timedelta(days=30),
    }


async def _campaigns(
    database: Database, rng: random.Random, world: SimWorld, count: int, now: datetime
) -> list[tuple[int, int, int]]:
    """`count` campaigns (a fifth of them past and closed) with two to four slots each; (campaign, slot, capacity)."""
    rows = []
    for number in range(count):
        past = number % 5 == 0
        starts = now + timedelta(days=rng.randint(-300, -2) if past else rng.randint(3, 200))
        rows.append(_campaign_row(world, f"Campaign {number}", starts, now, "closed" if past else "open"))
    await _insert(database, "campaign", rows)
    campaign_ids = await _ids(database, "campaign", "guild_id", world.guild.id)
    slots = [
        {
            "campaign_id": campaign_id,
            "name": f"Role {position}",
            "capacity": rng.randint(5, 30),
            "taken": 0,
            "tickets_issued": 0,
            "position": position,
            "created_at": now - timedelta(days=30),
        }
        for campaign_id in campaign_ids
        for position in range(rng.randint(2, 4))
    ]
    await _insert(database, "campaign_slot", slots)
    table = TABLES["campaign_slot"]
    async with database.engine.connect() as connection:
        found = await connection.execute(
            select(table.c.id, table.c.campaign_id, table.c.capacity)
            .where(table.c.campaign_id.in_(campaign_ids))
            .order_by(table.c.id)
        )
        return [(campaign_id, slot_id, capacity) for slot_id, campaign_id, capacity in found]


async def _signups(
    database: Database,
    rng: random.Random,
    guild_id: int,
    slots: list[tuple[int, int, int]],
    user_ids: list[int],
    count: int,
    now: datetime,
) -> None:
    """`count` sign-ups: per slot the first `capacity` tickets confirmed, the rest waitlisted, counters to match."""
    per_slot: dict[tuple[int, int, int], set[int]] = {slot: set() for slot in slots}
    for _ in range(count):
        slot = rng.choice(slots)
        per_slot[slot].add(rng.choice(user_ids))
    rows, counters = [], []
    for (campaign_id, slot_id, capacity), members in per_slot.items():
        for ticket, user_id in enumerate(sorted(members), start=1):
            confirmed = ticket <= capacity
            signed = now - timedelta(days=rng.randint(1, 60))
            rows.append(
                {
                    "guild_id": guild_id,
                    "campaign_id": campaign_id,
                    "slot_id": slot_id,
                    "user_id": user_id,
                    "status": "confirmed" if confirmed else "waitlisted",
                    "ticket": ticket,
                    "signed_up_at": signed,
                    "confirmed_at": signed if confirmed else None,
                    "offers_made": 0,
                }
            )
        counters.append({"slot_id": slot_id, "taken": min(capacity, len(members)), "issued": len(members)})
    await _insert(database, "campaign_signup", rows)
    table = TABLES["campaign_slot"]
    async with database.engine.begin() as connection:
        for counter in counters:
            await connection.execute(
                table.update()
                .where(table.c.id == counter["slot_id"])
                .values(taken=counter["taken"], tickets_issued=counter["issued"])
            )


async def _polls(
    database: Database, rng: random.Random, world: SimWorld, count: int, user_ids: list[int], now: datetime
) -> tuple[int, int]:
    """`count` polls (a quarter closed, half secret) with ballots, then the timed one, on a message."""
    guild_id = world.guild.id
    rows = [_poll_row(world, f"Question {n}?", n % 4 == 0, rng.random() < 0.5, now) for n in range(count)]
    # The timed poll is public (a secret one depends on the BALLOT_SECRET setting), with live results.
    rows.append(_poll_row(world, "Which campaign first?", False, False, now))
    await _insert(database, "poll", rows)
    poll_ids = await _ids(database, "poll", "guild_id", guild_id)
    ballots = []
    for poll_id in poll_ids[:-1]:
        for user_id in rng.sample(user_ids, k=min(len(user_ids), 30)):
            ballots.append(
                {
                    "poll_id": poll_id,
                    "voter_key": f"{poll_id}:{user_id}",
                    "voter_id": None,
                    "choices": [rng.randrange(3)],
                    "cast_at": now - timedelta(hours=rng.randint(1, 48)),
                }
            )
    await _insert(database, "poll_ballot", ballots)
    return poll_ids[-1], 3


async def _post_poll(database: Database, world: SimWorld, poll_id: int, options: int) -> Any:
    """Post the timed poll's message and point the poll at it (its live results are redrawn there)."""
    message = _post_poll_message(world, poll_id, options)
    table = TABLES["poll"]
    async with database.engine.begin() as connection:
        await connection.execute(
            table.update()
            .where(table.c.id == poll_id)
            .values(channel_id=world.channel("polls").id, message_id=message.id)
        )
    return message


def _poll_row(world: SimWorld, question: str, closed: bool, secret: bool, now: datetime) -> dict[str, Any]:
    return {
        "guild_id": world.guild.id,
        "created_by": world.organizer.id,
        "question": question,
        "options": ["Parks", "Transit", "Housing"],
        "kind": "single",
        "max_choices": 1,
        "secret": secret,
        "live_results": True,
        "department_mode": "off",
        "ballot_secret": None if closed or not secret else random.Random(question).randbytes(32).hex(),
        "status": "closed" if closed else "open",
        "created_at": now - timedelta(days=3),
        "closes_at": now + (timedelta(days=-1) if closed else timedelta(days=5)),
        "closed_at": now - timedelta(days=1) if closed else None,
    }


async def _measured_campaign(
    database: Database, world: SimWorld, title: str, capacity: int, now: datetime
) -> tuple[int, int, Any]:
    """An open campaign with one empty slot and its card in #campaigns; (campaign id, slot id, card)."""
    await _insert(database, "campaign", [_campaign_row(world, title, now + timedelta(days=10), now, "open")])
    table = TABLES["campaign"]
    async with database.engine.connect() as connection:
        campaign_id = (
            await connection.execute(select(table.c.id).where(table.c.title == title))
        ).scalar_one()
    slot = {"campaign_id": campaign_id, "name": "Amplifier", "capacity": capacity, "taken": 0}
    slot |= {"tickets_issued": 0, "position": 0, "created_at": now}
    await _insert(database, "campaign_slot", [slot])
    slots = TABLES["campaign_slot"]
    async with database.engine.connect() as connection:
        slot_id = (
            await connection.execute(select(slots.c.id).where(slots.c.campaign_id == campaign_id))
        ).scalar_one()
    card = _post_card(world, title, campaign_id, slot_id)
    async with database.engine.begin() as connection:
        await connection.execute(
            table.update()
            .where(table.c.id == campaign_id)
            .values(card_channel_id=world.channel("campaigns").id, card_message_id=card.id)
        )
    return campaign_id, slot_id, card
