"""The library's plain rules: address checks and normalisation, search terms, ranking, report data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cogs.resources import report
from cogs.resources import search as rules
from cogs.resources.seed import SEED_RESOURCES
from db.resources import words
from db.resources.catalog import interest_areas
from db.resources.urls import InvalidUrl, check_url, normalize_url

CATALOG = Path("/work/shared/csdh/catalog.json")


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("HTTPS://Example.ORG/Path/", "https://example.org/Path"),
        ("http://example.org/path", "https://example.org/path"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        (
            "https://example.org/a?utm_source=x&b=2&a=1&fbclid=z&gclid=q&mc_cid=1",
            "https://example.org/a?a=1&b=2",
        ),
        ("https://example.org/a#section", "https://example.org/a"),
        ("https://example.org/%7Euser", "https://example.org/~user"),
    ],
)
def test_normalize_url(given, key):
    assert normalize_url(given) == key


def test_check_url_keeps_the_address_but_drops_tracking():
    assert check_url("  https://Example.org/a?utm_medium=email&id=3#top ") == "https://Example.org/a?id=3#top"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "give the resource's web address"),
        ("javascript:alert(1)", "http:// or https://"),
        ("mailto:a@example.org", "http:// or https://"),
        ("example.org/page", "http:// or https://"),
        ("https://", "no website name"),
        ("https://intranet/page", "no website name"),
        ("https://exa mple.org", "cannot contain spaces"),
        ("https://example.org:99999/", "does not look like a web address"),
        ("https://example.org/" + "a" * 500, "the limit is 500"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(given, message):
    with pytest.raises(InvalidUrl, match=message):
        normalize_url(given)


def test_query_terms_drop_stopwords_and_stem():
    assert words.query_terms("The policies for Housing, and TOOLKITS") == ["polic", "hous", "toolkit"]
    assert words.query_terms("Équité") == ["equite"]
    assert words.query_terms("of the and") == []


def test_full_text_expressions_only_hold_letters_and_digits():
    terms = words.query_terms('"); DROP TABLE resource; -- wage* OR NEAR(x)')
    assert all(term.isalnum() for term in terms)
    assert words.fts5_query(["wage", "hous"]) == '"wage"* AND "hous"*'
    assert words.tsquery(["wage", "hous"]) == "wage:* & hous:*"


def test_rank_prefers_title_matches_and_breaks_ties_by_id():
    rows = [
        (3, "Community guide", "community guide living wage campaigns"),
        (1, "Wage data", "wage data"),
        (2, "Wage data", "wage data"),
    ]
    assert words.rank(["wage"], rows) == [1, 2, 3]


def test_did_you_mean_offers_close_words():
    assert rules.did_you_mean("housng equty", ["housing", "equity", "health"]) == ["housing", "equity"]
    assert rules.did_you_mean("zzzz", ["housing"]) == []


def test_jump_pages_fit_a_select():
    assert rules.jump_pages(0, 3) == [0, 1, 2]
    many = rules.jump_pages(50, 100)
    assert len(many) == 25
    assert many[0] == 0
    assert many[-1] == 99
    assert 50 in many


def test_recommendation_choices_never_exceed_discord_limits():
    for typed in ("", "a", "chapter", "health", "x" * 200):
        choices = rules.recommendation_choices(typed)
        assert len(choices) <= 25
        assert all(len(name) <= 100 and len(value) <= 100 for name, value in choices)


def test_recommendation_filters_are_parsed_strictly():
    assert rules.parse_recommendation("6.b").area_keys() == ("6.b",)
    assert rules.parse_recommendation("chapter:5").area_keys() == ("5.a", "5.b", "5.c")
    assert rules.parse_recommendation("p3").principle_ids() == ("P3",)
    assert rules.parse_recommendation("chapter:4") is None
    assert rules.parse_recommendation("6.z") is None
    assert rules.parse_recommendation("area:'; drop") is None


def test_report_data_matches_the_catalog_facts():
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    assert [p.id for p in report.PRINCIPLES] == [p["id"] for p in catalog["principles"]]
    assert [c.number for c in report.CHAPTERS] == list(range(5, 17))
    for entry in catalog["chapters"]:
        chapter = report.chapter(entry["chapter"])
        assert (chapter.title, list(chapter.principle_ids)) == (entry["title"], entry["principle_ids"])
        for area_entry in entry["recommendations"]:
            area = report.area(area_entry["id"])
            assert area.title == area_entry["title"]
            assert area.lhd_actionable == area_entry["lhd_actionable"]
            assert area.content_verified == area_entry["content_verified"]
            assert area.summary != area_entry["summary"]  # our own words


def test_area_labels_show_chapter_and_title_not_the_catalog_letter():
    assert report.area("6.b").label == "Chapter 6 · Planning and regulation for healthy, safe behaviour"
    assert all("." not in area.label.split("·")[0] for area in report.all_areas())


def test_seed_uses_only_verified_catalog_resources_with_their_facts():
    catalog = {r["url"]: r for r in json.loads(CATALOG.read_text(encoding="utf-8"))["resources"]}
    assert len(SEED_RESOURCES) == sum(1 for r in catalog.values() if r["verified"])
    for entry in SEED_RESOURCES:
        source = catalog[entry.url]
        assert source["verified"]
        assert (entry.title, entry.publisher) == (source["title"], source["publisher"])
        assert set(entry.areas) | set(entry.principles) == set(source["recommendation_ids"])
        assert entry.kind in rules.KINDS
        assert entry.summary
        for key in entry.areas:
            report.area(key)


def test_interest_areas_map_chapters_and_objectives():
    chapters, objectives = interest_areas(
        ["chapter:7", "objective:4", "chapter:99", "junk"],
        {c.number: [a.key for a in c.areas] for c in report.CHAPTERS},
    )
    assert chapters == {"7.a", "7.b", "7.c"}
    assert objectives == {"14.a", "14.b"}
