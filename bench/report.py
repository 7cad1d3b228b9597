"""Put the two sides' raw figures together into the comparable JSON, and print them for a person."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from typing import Any

from bench.hotpaths import PATHS


def _ratio(mine: float, bare: float) -> float:
    return round(mine / bare, 2) if bare else 0.0


def _share(runs: list[dict[str, Any]]) -> float:
    wall = sum(run["wall_s"] for run in runs)
    return round(sum(run["harness_s"] for run in runs) / wall, 4) if wall else 0.0


def combine(bot: dict[str, Any], bare: dict[str, Any], *, scale: str, database: str) -> dict[str, Any]:
    """The figures `bench/results/latest.json` keeps (their keys stay put so runs compare over time)."""
    hot_paths = {}
    for name in PATHS:
        mine, theirs = bot["hot_paths"][name], bare["hot_paths"][name]
        hot_paths[name] = {
            # Own time (wall less SimCord's share) per interaction, against the bare bot's.
            "ratio_to_bare": _ratio(mine["own_ms_per"], theirs["own_ms_per"]),
            "ratio_to_bare_cpu": _ratio(mine["cpu_ms_per"], theirs["cpu_ms_per"]),
            "ratio_to_bare_wall": _ratio(mine["wall_ms_per"], theirs["wall_ms_per"]),
            "first_answer_ms": mine["first_answer_ms"],
            "own_ms_per": mine["own_ms_per"],
            "bare_own_ms_per": theirs["own_ms_per"],
            "cpu_ms_per": mine["cpu_ms_per"],
            "bare_cpu_ms_per": theirs["cpu_ms_per"],
            "wall_ms_per": mine["wall_ms_per"],
            "bare_wall_ms_per": theirs["wall_ms_per"],
            "bare_first_answer_ms": theirs["first_answer_ms"],
            "count": mine["count"],
            "answered": mine["answered"],
            "errors": mine["errors"],
        }
    free, each = bot["bursts"]["settle_free"], bot["bursts"]["settle_each"]
    bare_free, bare_each = bare["bursts"]["settle_free"], bare["bursts"]["settle_each"]
    outcome = bot["burst_outcome"]["settle_free"]
    search = bot["hot_paths"]["search"]["first_answer_ms"]
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "scale": scale,
        "database": database,
        "python": platform.python_version(),
        "members": bot["members"],
        "hot_paths": hot_paths,
        "burst_1000": {
            "clicks": free["count"],
            "answered": free["answered"],
            "over_capacity": outcome["over_capacity"],
            "duplicates": outcome["duplicates"],
            "per_second": free["per_second"],
            "first_answer_ms": free["first_answer_ms"],
            "capacity": outcome["capacity"],
            "confirmed": outcome["confirmed"],
            "waitlisted": outcome["waitlisted"],
            "places_in_click_order": outcome["places_in_click_order"],
            "errors": free["errors"],
            "bare_per_second": bare_free["per_second"],
            "ratio_to_bare": _ratio(free["own_ms_per"], bare_free["own_ms_per"]),
            "settle_each": {
                "per_second": each["per_second"],
                "first_answer_ms": each["first_answer_ms"],
                "bare_per_second": bare_each["per_second"],
                **{k: bot["burst_outcome"]["settle_each"][k] for k in ("over_capacity", "duplicates")},
            },
        },
        "search": {
            "median_ms": search["median"],
            "p99_ms": search["p99"],
            "resources": bot.get("resources"),
        },
        "ready_s": bot["ready_s"],
        "ready": bot["ready"],
        "start_up_wrote": bot["start_up_wrote"],
        "logged_errors": bot["logged_errors"],
        "rss_mb": bot["rss_mb"],
        "rss_end_mb": bot["rss_end_mb"],
        "bare_rss_mb": bare["rss_mb"],
        "database_mb": bot["database_mb"],
        "harness_share": _share([bot["hot_paths"][name] for name in PATHS]),
        "harness": {
            "bare_hot_paths": _share([bare["hot_paths"][name] for name in PATHS]),
            "burst_settle_each": each["harness_share"],
            "burst_settle_free": free["harness_share"],
            "bare_burst_settle_each": bare_each["harness_share"],
            "bare_burst_settle_free": bare_free["harness_share"],
            "settle_free_speedup": _ratio(each["wall_s"], free["wall_s"]),
            "bare_settle_free_speedup": _ratio(bare_each["wall_s"], bare_free["wall_s"]),
        },
    }


def render(figures: dict[str, Any]) -> str:
    """The figures as a few lines of text."""
    lines = [
        f"Bench ({figures['scale']}, {figures['database']}, {figures['members']} members, {figures['when']})",
        f"{'hot path':<16}{'x bare':>8}{'(cpu)':>7}{'own ms':>8}{'bare ms':>8}{'cpu ms':>8}"
        f"{'1st answer ms: median':>23}{'p99':>8}{'max':>8}",
    ]
    for name, row in figures["hot_paths"].items():
        first = row["first_answer_ms"]
        lines.append(
            f"{name:<16}{row['ratio_to_bare']:>8.1f}{row['ratio_to_bare_cpu']:>7.1f}{row['own_ms_per']:>8.2f}"
            f"{row['bare_own_ms_per']:>8.2f}{row['cpu_ms_per']:>8.2f}"
            f"{first['median']:>23.1f}{first['p99']:>8.1f}{first['max']:>8.1f}"
        )
    burst = figures["burst_1000"]
    first = burst["first_answer_ms"]
    lines += [
        f"burst of {burst['clicks']} on one card (capacity {burst['capacity']}): {burst['per_second']}/s "
        f"(bare {burst['bare_per_second']}/s), first answer median {first['median']:.0f} ms, "
        f"p99 {first['p99']:.0f} ms, max {first['max']:.0f} ms; over capacity {burst['over_capacity']}, "
        f"duplicates {burst['duplicates']}, places in click order: {burst['places_in_click_order']}",
        f"  same burst with settle after every click: {burst['settle_each']['per_second']}/s "
        f"(bare {burst['settle_each']['bare_per_second']}/s)",
        f"search: median {figures['search']['median_ms']:.1f} ms, p99 {figures['search']['p99_ms']:.1f} ms",
        f"start-up marked {figures['start_up_wrote']['profiles_marked_left']} profiles departed and scheduled "
        f"{figures['start_up_wrote']['jobs_scheduled']} jobs; the bot logged {figures['logged_errors']['total']} "
        f"errors ({figures['logged_errors']['start_up']} during start-up)",
        f"ready {figures['ready_s']:.2f} s (with migrations); resident memory {figures['rss_mb']} MB "
        f"(bare bot on the same guild {figures['bare_rss_mb']} MB); database {figures['database_mb']} MB",
        f"SimCord's own share of the time: {figures['harness_share']:.1%} of the bot's hot paths, "
        f"{figures['harness']['bare_hot_paths']:.1%} of the bare bot's; in the burst "
        f"{figures['harness']['burst_settle_each']:.1%} with settle per click, "
        f"{figures['harness']['burst_settle_free']:.1%} settle-free",
    ]
    return "\n".join(lines)
