"""Logging set-up for the process."""

from __future__ import annotations

import logging


def configure(level: str = "INFO") -> None:
    """Send log lines to stderr with time, level and source; quiet the chattiest libraries."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
    )
    logging.getLogger("discord.gateway").setLevel(max(logging.getLevelName(level), logging.INFO))
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
