"""The one settings object, read from the environment (with `.env` loaded by python-dotenv)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import load_dotenv
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from db.engine import redacted_url

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/coalition.db"
TOKEN_HELP = (
    "Create an application at https://discord.com/developers/applications, copy its bot token "
    "into DISCORD_TOKEN (in the environment or a .env file; see README.md), "
    "or try the bot offline with `python -m bot demo`."
)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one sentence a person can act on."""


@dataclass(frozen=True, slots=True)
class Settings:
    discord_token: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    # Days a departed member's profile is kept (in case they come back) before the scheduler deletes it.
    departed_retention_days: int = 90
    # Seals each secret poll's key (see db/polls.py); kept out of the database so a copy of it cannot
    # re-link ballots to voters. Unset: secret polls are refused.
    ballot_secret: str | None = None
    # discord.py's sharding: how many shards the bot has in all, and which of them this process runs.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        # The token must never reach a log line, even through a repr.
        token = "set" if self.discord_token else "missing"
        return f"Settings(token={token}, database_url={self.safe_database_url!r}, dev_guild_id={self.dev_guild_id})"

    @property
    def safe_database_url(self) -> str:
        """Return the database URL with its password (and any credential in its query) hidden."""
        return redacted_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    def require_token(self) -> str:
        """Return the token, or raise a SettingsError saying how to get one."""
        if not self.discord_token:
            raise SettingsError(f"DISCORD_TOKEN is not set. {TOKEN_HELP}")
        return self.discord_token

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
        """Build settings from the environment, reading `.env` first unless told not to."""
        if environ is None:
            if dotenv:
                load_dotenv(Path.cwd() / ".env", override=False)
            environ = os.environ
        token = (environ.get("DISCORD_TOKEN") or "").strip() or None
        return cls(
            discord_token=token,
            database_url=parse_database_url(environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            dev_guild_id=_parse_int(environ, "DEV_GUILD_ID"),
            log_level=_parse_log_level(environ.get("LOG_LEVEL") or "INFO"),
            departed_retention_days=_parse_int(environ, "DEPARTED_RETENTION_DAYS") or 90,
            ballot_secret=_parse_ballot_secret(environ.get("BALLOT_SECRET") or ""),
            **_parse_shards(environ),
        )


def parse_database_url(raw: str) -> str:
    """Validate DATABASE_URL and map plain scheme names to their async drivers."""
    raw = raw.strip()
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        # Not echoed: what is in DATABASE_URL may be a password, or hold one.
        raise SettingsError(
            "DATABASE_URL is not a database URL I can read (it is not shown here, in case it holds a "
            "password); use sqlite+aiosqlite:///data/coalition.db or postgresql+asyncpg://user:password@host/dbname."
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.username or url.password or url.host:
            raise SettingsError(
                "DATABASE_URL names a SQLite file, which takes no user, password or host; write it as "
                "sqlite+aiosqlite:///data/coalition.db (three slashes, then the path)."
            )
        url = url.set(drivername="sqlite+aiosqlite")
    elif backend in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+asyncpg")
        if "sslmode" in url.query:
            # Hosting providers write libpq's `sslmode`; asyncpg takes the same values as `ssl`.
            url = url.difference_update_query(["sslmode"]).update_query_dict({"ssl": url.query["sslmode"]})
    else:
        raise SettingsError(
            f"DATABASE_URL uses {backend!r}, which the bot does not support; use SQLite "
            "(sqlite+aiosqlite:///data/coalition.db) or PostgreSQL (postgresql+asyncpg://...)."
        )
    return url.render_as_string(hide_password=False)


def _parse_int(environ: Mapping[str, str], name: str) -> int | None:
    raw = (environ.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise SettingsError(
            f"{name} must be a whole number (a Discord ID for DEV_GUILD_ID), not {raw[:40]!r}."
        )
    return int(raw)


def _parse_log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in logging.getLevelNamesMapping():
        raise SettingsError(f"LOG_LEVEL {raw[:20]!r} is not a level; use DEBUG, INFO, WARNING or ERROR.")
    return level


BALLOT_SECRET_MIN = 32


def _parse_ballot_secret(raw: str) -> str | None:
    secret = raw.strip()
    if not secret:
        return None
    if len(secret) < BALLOT_SECRET_MIN:
        raise SettingsError(
            f"BALLOT_SECRET must be at least {BALLOT_SECRET_MIN} characters; make one with "
            '`python -c "import secrets; print(secrets.token_hex(32))"`.'
        )
    return secret


def _parse_shards(environ: Mapping[str, str]) -> dict[str, Any]:
    """SHARD_COUNT, and optionally SHARD_IDS ("0,1" or "0-3"): the shards this process runs."""
    count = _parse_int(environ, "SHARD_COUNT")
    raw_ids = (environ.get("SHARD_IDS") or "").strip()
    if count is None:
        if raw_ids:
            raise SettingsError(
                "SHARD_IDS needs SHARD_COUNT, the number of shards in all processes together."
            )
        return {}
    if count < 1:
        raise SettingsError("SHARD_COUNT must be 1 or more.")
    if not raw_ids:
        return {"shard_count": count, "shard_ids": tuple(range(count))}
    ids: list[int] = []
    try:
        for part in raw_ids.split(","):
            first, _, last = part.strip().partition("-")
            ids.extend(range(int(first), int(last or first) + 1))
    except ValueError:
        raise SettingsError(
            f"SHARD_IDS {raw_ids[:40]!r} is not a list like 0,1 or a range like 0-3."
        ) from None
    if not ids or any(not 0 <= shard < count for shard in ids) or len(set(ids)) != len(ids):
        raise SettingsError(
            f"SHARD_IDS must name distinct shards from 0 to {count - 1}, not {raw_ids[:40]!r}."
        )
    return {"shard_count": count, "shard_ids": tuple(sorted(ids))}
