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
    assert "» olivia in #general: /setup check" in transcript
    assert "All clear" in transcript
    assert "Only organizers can do that" in transcript
    assert "Traceback" not in stderr.decode()
    assert database.stat().st_size > 0
