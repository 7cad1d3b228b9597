"""The README's run command: the offline demo prints a transcript, exits 0 and leaves its database."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


async def _run_demo(tmp_path: Path) -> tuple[int | None, str, str]:
    """Run `python -m bot demo` in tmp_path; its exit code, stdout and stderr."""
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
    stdout, stderr = await process.communicate()
    return process.returncode, stdout.decode().replace(str(tmp_path), "TMP"), stderr.decode()


async def test_demo_prints_a_transcript_and_leaves_its_database(tmp_path):
    returncode, transcript, stderr = await _run_demo(tmp_path)
    database = tmp_path / "demo.db"

    assert returncode == 0, stderr[-3000:]
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
    assert "Traceback" not in stderr
    assert database.stat().st_size > 0


async def test_demo_survives_a_busy_machine_and_prints_the_same_transcript_twice(tmp_path):
    # Four CPU-bound processes beside it, for as long as both runs take; nothing here is timed.
    spin = [sys.executable, "-c", "while True: pass"]
    load = [await asyncio.create_subprocess_exec(*spin) for _ in range(4)]
    try:
        first = await _run_demo(tmp_path)
        second = await _run_demo(tmp_path)
    finally:
        for process in load:
            process.terminate()
            await process.wait()
    for returncode, _, stderr in (first, second):
        assert returncode == 0, stderr[-3000:]
        assert "Traceback" not in stderr
    assert first[1] == second[1]


async def test_the_story_shows_joins_before_dms_and_labels_not_raw_values(tmp_path):
    returncode, transcript, stderr = await _run_demo(tmp_path)
    assert returncode == 0, stderr[-3000:]
    for name in ("sam", "ana", "dan"):
        assert transcript.index(f"{name} joins the server.") < transcript.index(f"bot says in DM to {name}")
    for raw in ("picks 1\n", "picks chapter:6", "profile:display_name", "resources:suggest:title"):
        assert raw not in transcript
    assert "picks Epidemiology" in transcript
    assert "Your name: “Nadia Reyes”" in transcript
    # olivia typed Chicago time; her own reply shows it in Chicago time.
    assert "starting Sun 11 Jan 2026 00:00 CST" in " ".join(transcript.split())
    # The card redraws right after the clicks, within the campaign scene.
    assert transcript.index("FULL: @ana, @ben") < transcript.index("== Measured reach")
