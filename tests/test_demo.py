"""The README's run command: the offline demo prints a transcript, exits 0 and leaves its database."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


async def test_demo_prints_a_transcript_and_leaves_its_database(tmp_path):
    database = tmp_path / "demo.db"
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    environment.pop("DISCORD_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        "--db",
        str(database),
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=300)
    transcript = stdout.decode()

    assert process.returncode == 0, stderr.decode()[-3000:]
    # Every scene the README promises: setup, onboarding, resources, campaigns with a roll call, a poll.
    for shown in (
        "» olivia in #general: /setup check",
        "All clear",
        "Only organizers can do that",
        "You're all set",
        "Please welcome @nadia",
        "Did you mean **tobacco**?",
        "was approved",
        "waitlist at position 1",
        "A place opened up",
        "**Ready (2):** @ana, @cleo",
        "**Housing and health** won.",
        "poll-1-results.png",
        "campaign-1-reach.png",
    ):
        assert shown in transcript, f"the demo no longer shows {shown!r}"
    assert "Traceback" not in stderr.decode()
    assert database.stat().st_size > 0
