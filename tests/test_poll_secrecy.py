"""Secret ballots on disk: sealed under BALLOT_SECRET while open, and gone from the files once closed."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bot.scheduler import Scheduler
from bot.settings import Settings, SettingsError
from bot.usecases import App
from cogs.polls import service
from db import members, polls
from db.engine import Database
from db.polls import Poll, PollBallot
from tests.conftest import TEST_BALLOT_SECRET as SECRET

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GUILD = 111
VOTERS = [987654321012345600 + n for n in range(40)]


def _app(database: Database) -> App:
    return App(database, Scheduler(database), now=lambda: NOW)


async def _secret_poll_with_ballots(app: App, **changes: object) -> service.PollInfo:
    fields: dict[str, object] = {
        "question": "Which campaign first?",
        "options": "Parks | Transit | Housing",
        "closes_at": NOW + timedelta(days=2),
        "now": NOW,
        "kind": "single",
        "max_choices": None,
        "secret": True,
        "live_results": False,
        "role_id": None,
        "quorum": None,
        "department_mode": "off",
        "ballot_secret": SECRET,
    }
    fields.update(changes)
    draft = service.draft_poll(**fields)  # type: ignore[arg-type]
    created = await service.create_poll(app, guild_id=GUILD, created_by=1, draft=draft, ballot_secret=SECRET)
    if draft.department_mode != "off":
        async with app.database.session() as session:
            for index, user_id in enumerate(VOTERS):
                profile = await members.get_or_create_profile(session, GUILD, user_id, NOW)
                await members.update_profile(session, profile, NOW, organization=f"County {index} Health")
    for index, user_id in enumerate(VOTERS):
        await service.vote(
            app,
            guild_id=GUILD,
            poll_id=created.poll.id,
            voter=service.voter_of(user_id, ()),
            choices=[index % 3],
            ballot_secret=SECRET,
        )
    return created.poll


async def _stored(database: Database, poll_id: int) -> tuple[Poll, list[PollBallot]]:
    async with database.session() as session:
        poll = await session.get(Poll, poll_id)
        ballots = list(await session.scalars(select(PollBallot).where(PollBallot.poll_id == poll_id)))
    assert poll is not None
    return poll, ballots


def _files(database: Database) -> dict[str, bytes]:
    path = Path(make_url(database.url).database or "")
    return {str(p): p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()}


async def test_a_copy_of_the_database_alone_cannot_recompute_any_voters_key(database):
    app = _app(database)
    poll = await _secret_poll_with_ballots(app)

    stored, ballots = await _stored(database, poll.id)
    keys = {ballot.voter_key for ballot in ballots}
    # Everything the poll row holds, tried as the HMAC key the way the ballots were keyed: nothing matches.
    candidates = [str(value).encode() for value in stored.model_dump().values() if value is not None]
    candidates += [bytes.fromhex(part) for part in (stored.ballot_secret or "").split(".")[1:]]
    for candidate in candidates:
        for user_id in VOTERS:
            guess = hmac.new(candidate, f"voter:{user_id}".encode(), hashlib.sha256).hexdigest()
            assert guess not in keys
    with pytest.raises(polls.PollKeyUnavailable):
        polls.voter_key(stored, VOTERS[0], None)
    # With the server secret, which lives only in the environment, the member's own key is found again.
    assert polls.voter_key(stored, VOTERS[0], SECRET) in keys
    assert len(keys) == len(VOTERS)
    assert all(str(user_id) not in " ".join(map(str, keys)) for user_id in VOTERS)


async def test_after_a_secret_poll_closes_no_voter_or_poll_key_is_left_in_the_sqlite_files(database):
    if database.dialect != "sqlite":
        pytest.skip("the bytes on disk are SQLite's; PostgreSQL needs a VACUUM FULL (see the README)")
    app = _app(database)
    poll = await _secret_poll_with_ballots(app, department_mode="replace")
    stored, ballots = await _stored(database, poll.id)
    secrets_on_disk = [ballot.voter_key for ballot in ballots] + [stored.ballot_secret]
    assert all(secrets_on_disk)
    before = _files(database)
    assert any(
        key.encode() in content  # type: ignore[union-attr]
        for content in before.values()
        for key in secrets_on_disk
    ), "the test must see the keys on disk while the poll is open"

    await service.close_due_poll(app, poll_id=poll.id)

    after = _files(database)
    for name, content in after.items():
        for key in secrets_on_disk:
            assert key is not None
            assert key.encode() not in content, f"{key} is still in {name}"
    assert len(after.get(str(Path(make_url(database.url).database or "")) + "-wal", b"")) == 0


@pytest.mark.parametrize("value", ["", "   "])
def test_ballot_secret_is_optional(value):
    settings = Settings.from_env({"BALLOT_SECRET": value}, dotenv=False)

    assert settings.ballot_secret is None


def test_a_short_ballot_secret_stops_start_up_with_one_sentence():
    with pytest.raises(SettingsError, match="at least 32 characters"):
        Settings.from_env({"BALLOT_SECRET": "short"}, dotenv=False)


def test_the_ballot_secret_never_shows_in_the_settings_repr():
    settings = Settings.from_env({"BALLOT_SECRET": SECRET}, dotenv=False)

    assert settings.ballot_secret == SECRET
    assert SECRET not in repr(settings)


async def test_closing_a_secret_poll_on_postgresql_rewrites_the_ballot_table(database):
    if database.dialect != "postgresql":
        pytest.skip("SQLite is covered by the scan of its files")
    app = _app(database)
    poll = await _secret_poll_with_ballots(app)
    async with database.engine.connect() as connection:
        before = await connection.scalar(text("SELECT pg_relation_filenode('poll_ballot')"))

    await service.close_due_poll(app, poll_id=poll.id)

    async with database.engine.connect() as connection:
        after = await connection.scalar(text("SELECT pg_relation_filenode('poll_ballot')"))
    # VACUUM FULL wrote the table anew, without the old row versions that held the voter keys.
    assert after != before
