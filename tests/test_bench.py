"""`python -m bench` on a tiny world: every figure the JSON promises is there (never a timed assertion)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import main
from bench.hotpaths import PATHS, spread
from tests.conftest import BOT_BACKEND, POSTGRES_URL

REQUIRED = [
    "burst_1000.over_capacity",
    "burst_1000.duplicates",
    "burst_1000.per_second",
    "burst_1000.first_answer_ms.median",
    "burst_1000.first_answer_ms.p99",
    "burst_1000.first_answer_ms.max",
    "search.median_ms",
    "search.p99_ms",
    "ready_s",
    "rss_mb",
    "harness_share",
] + [
    f"hot_paths.{name}.{key}"
    for name in PATHS
    for key in ("ratio_to_bare", "first_answer_ms.median", "first_answer_ms.p99", "first_answer_ms.max")
]


def _lookup(figures: dict[str, object], dotted: str) -> object:
    value: object = figures
    for part in dotted.split("."):
        assert isinstance(value, dict), f"{dotted} is missing"
        assert part in value, f"{dotted} is missing"
        value = value[part]
    return value


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """One tiny bench, both sides in this process: (what main returned, the JSON file it wrote)."""
    output = tmp_path_factory.mktemp("bench") / "latest.json"
    options = ["--scale", "tiny", "--in-process", "--output", str(output)]
    if BOT_BACKEND == "postgresql" and POSTGRES_URL:
        options += ["--database-url", POSTGRES_URL]
    return main(options), output


def test_tiny_bench_writes_every_figure(tiny_run: tuple[dict[str, Any], Path]) -> None:
    figures = json.loads(tiny_run[1].read_text())

    for dotted in REQUIRED:
        assert isinstance(_lookup(figures, dotted), int | float), dotted
    assert set(figures["hot_paths"]) == set(PATHS)


def test_tiny_bench_answers_every_interaction_and_keeps_the_burst_within_capacity(
    tiny_run: tuple[dict[str, Any], Path],
) -> None:
    figures = tiny_run[0]

    for name in PATHS:
        row = figures["hot_paths"][name]
        assert row["answered"] == row["count"] > 0, name
        assert row["errors"] == 0, name
    burst = figures["burst_1000"]
    assert burst["answered"] == burst["clicks"]
    assert burst["over_capacity"] == 0
    assert burst["duplicates"] == 0
    assert burst["confirmed"] == burst["capacity"]


def test_spread_reads_median_p99_and_max() -> None:
    assert spread([float(n) for n in range(1, 101)]) == {"median": 50.5, "p99": 99.0, "max": 100.0}
    assert spread([]) == {"median": 0.0, "p99": 0.0, "max": 0.0}
