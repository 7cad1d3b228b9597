"""Tests for the Discord API contract checker and its pytest plugin."""

from __future__ import annotations

import io
import json
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.http import handle_message_parameters
from jsonschema import Draft202012Validator
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from simcord.http.router import parse_form
from simcord.types import HttpLogEntry

from tests import contract_plugin
from tests.discord_contract import (
    SPEC_PATH,
    DiscordContract,
    SpecNotFoundError,
    Violation,
    check_requests,
    load_contract,
)

pytest_plugins = ["pytester"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MESSAGES = "/channels/1456074443980800011/messages"
CALLBACK = "/interactions/1456074443980800013/simcord_interaction_1456074443980800013/callback"
GUILD_COMMANDS = "/applications/1456074443980800000/guilds/1456074443980800008/commands"


@dataclass(frozen=True)
class Record:
    """A minimal request record: the checker needs only method, path and json."""

    method: str
    path: str
    json: Any = None


def entry(method: str, path: str, body: Any = None) -> HttpLogEntry:
    return HttpLogEntry(method, path, {}, body, None)


def embed_with_fields(count: int) -> dict[str, Any]:
    return {
        "title": "stats",
        "fields": [{"name": f"f{i}", "value": "v", "inline": True} for i in range(count)],
    }


def only(violations: list[Violation]) -> Violation:
    assert len(violations) == 1, [str(v) for v in violations]
    return violations[0]


@pytest.fixture(scope="module")
def contract() -> DiscordContract:
    return load_contract()


# --------------------------------------------------------------------------- caught payloads


def test_26_embed_fields_on_a_channel_message_are_caught(contract: DiscordContract) -> None:
    body = {"content": "hi", "embeds": [embed_with_fields(26)]}

    violation = only(contract.check([entry("POST", MESSAGES, body)]))

    assert violation.route == "/channels/{channel_id}/messages"
    assert violation.pointer == "/embeds/0/fields"
    assert violation.rule == "maxItems"
    assert str(violation).startswith("POST /channels/{channel_id}/messages  /embeds/0/fields: ")
    assert str(violation).endswith("is too long: 26 items (maxItems 25)")


def test_26_embed_fields_on_an_interaction_callback_are_caught(contract: DiscordContract) -> None:
    body = {"type": 4, "data": {"embeds": [embed_with_fields(26)]}}

    violation = only(contract.check([entry("POST", CALLBACK, body)]))

    # The callback body is a union of seven callback shapes: the report must still
    # point inside the message shape that was meant, not at the union.
    assert violation.route == "/interactions/{interaction_id}/{interaction_token}/callback"
    assert violation.pointer == "/data/embeds/0/fields"
    assert "(maxItems 25)" in violation.message


@pytest.mark.parametrize(
    ("path", "wrap", "prefix"),
    [
        (MESSAGES, lambda message: message, ""),
        (CALLBACK, lambda message: {"type": 4, "data": message}, "/data"),
    ],
    ids=["message", "callback"],
)
def test_a_101_character_button_label_is_caught(
    contract: DiscordContract, path: str, wrap: Any, prefix: str
) -> None:
    button = {"type": 2, "style": 1, "label": "x" * 101, "custom_id": "go"}
    body = wrap({"components": [{"type": 1, "components": [button]}]})

    violation = only(contract.check([entry("POST", path, body)]))

    assert violation.pointer == f"{prefix}/components/0/components/0/label"
    assert violation.message.endswith("is too long: 101 characters (maxLength 80)")


def test_a_101_character_command_description_is_caught_in_a_bulk_overwrite(contract: DiscordContract) -> None:
    commands = [
        {"name": "ok", "description": "fine", "type": 1},
        {"name": "bad", "description": "d" * 101, "type": 1},
    ]

    violation = only(contract.check([entry("PUT", GUILD_COMMANDS, commands)]))

    assert str(violation).startswith(
        "PUT /applications/{application_id}/guilds/{guild_id}/commands  /1/description: "
    )
    assert violation.message.endswith("(maxLength 100)")


def test_every_violation_of_every_request_is_reported_in_order(contract: DiscordContract) -> None:
    records = [
        Record("POST", MESSAGES, {"embeds": [embed_with_fields(26)]}),
        Record("GET", MESSAGES),
        Record("POST", MESSAGES, {"embeds": [{"color": "red", "fields": [{"name": 1}]}]}),
    ]

    violations = contract.check(records)

    assert [(v.pointer, v.rule) for v in violations] == [
        ("/embeds/0/fields", "maxItems"),
        ("/embeds/0/color", "type"),
        ("/embeds/0/fields/0/name", "type"),
        ("/embeds/0/fields/0", "required"),
    ]


def test_a_value_of_no_known_shape_is_reported_at_the_union(contract: DiscordContract) -> None:
    violation = only(contract.check_request("POST", MESSAGES, {"components": [{"type": 99}]}))

    assert violation.pointer == "/components/0"
    assert violation.rule == "oneOf"
    assert "matches none of the allowed shapes [ActionRowComponentForMessageRequest" in violation.message


# --------------------------------------------------------------------------- accepted payloads


def test_a_normal_message_is_accepted(contract: DiscordContract) -> None:
    body = {
        "content": "hello",
        "tts": False,
        "nonce": "1456074443980800099",
        "enforce_nonce": True,
        "embeds": [{"title": "t", "description": "d", "color": 0x5865F2, "footer": {"text": "f"}}],
        "allowed_mentions": {"parse": ["users"], "replied_user": False},
        "components": [
            {"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": "go"}]},
        ],
    }

    assert contract.check([entry("POST", MESSAGES, body)]) == []


def test_a_25_field_embed_is_accepted_on_messages_and_callbacks(contract: DiscordContract) -> None:
    embed = embed_with_fields(25)
    records = [
        entry("POST", MESSAGES, {"embeds": [embed]}),
        entry("POST", CALLBACK, {"type": 4, "data": {"embeds": [embed]}}),
    ]

    assert contract.check(records) == []


def test_a_command_sync_built_by_discord_py_is_accepted(contract: DiscordContract) -> None:
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))

    @tree.command(description="Show a member's stats")
    @app_commands.describe(member="whose stats", days="how far back")
    @app_commands.choices(kind=[app_commands.Choice(name="messages", value="m")])
    async def stats(
        interaction: discord.Interaction,
        member: discord.Member,
        days: app_commands.Range[int, 1, 30] = 7,
        kind: str = "m",
    ) -> None:
        """Unused: only the registration payload matters here."""

    body = [command.to_dict(tree) for command in tree.get_commands()]

    assert contract.check([entry("PUT", GUILD_COMMANDS, body)]) == []


def test_snowflakes_sent_as_strings_are_accepted(contract: DiscordContract) -> None:
    body = {
        "content": "reply",
        "message_reference": {"message_id": "1456074443980800016", "channel_id": "1456074443980800011"},
        "allowed_mentions": {"users": ["1456074443980800014"], "roles": []},
        "sticker_ids": ["1456074443980800020"],
    }

    assert contract.check_request("POST", MESSAGES, body) == []


def test_integer_fields_accept_int_parseable_strings_but_keep_their_range(contract: DiscordContract) -> None:
    assert contract.check_request("POST", MESSAGES, {"flags": "4096", "embeds": [{"color": "255"}]}) == []
    assert contract.check_request("POST", CALLBACK, {"type": "4", "data": {"content": "x"}}) == []

    violation = only(contract.check_request("POST", MESSAGES, {"embeds": [{"color": "16777216"}]}))
    assert (violation.pointer, violation.rule) == ("/embeds/0/color", "maximum")
    violation = only(contract.check_request("POST", MESSAGES, {"embeds": [{"color": "red"}]}))
    assert (violation.pointer, violation.rule) == ("/embeds/0/color", "type")


def test_integer_snowflakes_from_discord_py_are_an_explicit_allowance(contract: DiscordContract) -> None:
    # discord.py 2.7 sends these as JSON integers; the spec types snowflakes as strings.
    body = {
        "content": "reply",
        "message_reference": {"message_id": 1456074443980800016, "channel_id": 1456074443980800011},
        "allowed_mentions": {"users": [1456074443980800014]},
        "attachments": [{"id": 0, "filename": "a.txt"}],
    }
    assert contract.check_request("POST", MESSAGES, body) == []

    for bad in (-1, "12a", True):
        violation = only(contract.check_request("POST", MESSAGES, {"message_reference": {"message_id": bad}}))
        assert violation.pointer == "/message_reference/message_id"


def test_one_of_is_validated_as_any_of(contract: DiscordContract) -> None:
    # A numeric string nonce fits both the int64 and the string branch of MessageCreateRequest's
    # nonce oneOf once integers accept int-parseable strings: strict oneOf would reject it.
    body = {"content": "x", "nonce": "1456074443980800099"}
    schema = contract.spec["components"]["schemas"]["MessageCreateRequest"]["properties"]["nonce"]
    integer_strings = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) or (isinstance(value, str) and value.isdigit())
    )
    strict = extend(Draft202012Validator, type_checker=integer_strings)(schema)

    assert not strict.is_valid(body["nonce"])
    assert contract.check_request("POST", MESSAGES, body) == []


def test_a_union_of_optional_only_shapes_is_accepted(contract: DiscordContract) -> None:
    # PATCH /channels/{id} is a oneOf (x-discord-union) of four all-optional shapes, so a plain
    # rename fits several of them at once: "exactly one" semantics would reject it.
    operation = contract.spec["paths"]["/channels/{channel_id}"]["patch"]
    union = operation["requestBody"]["content"]["application/json"]["schema"]
    registry = Registry().with_resource(
        "urn:spec", Resource(contents=contract.spec, specification=DRAFT202012)
    )
    matching = [
        branch["$ref"]
        for branch in union["anyOf"]
        if Draft202012Validator({"$ref": "urn:spec" + branch["$ref"]}, registry=registry).is_valid(
            {"name": "general"}
        )
    ]
    assert union["x-discord-union"] == "oneOf"
    assert len(matching) > 1

    assert contract.check_request("PATCH", "/channels/1456074443980800011", {"name": "general"}) == []
    violation = only(contract.check_request("PATCH", "/channels/1456074443980800011", {"name": "n" * 101}))
    assert (violation.pointer, violation.rule) == ("/name", "maxLength")


# --------------------------------------------------------------------------- routes


def test_requests_without_a_body_pass(contract: DiscordContract) -> None:
    records = [
        entry("GET", "/oauth2/applications/@me"),
        entry("DELETE", f"{MESSAGES}/1456074443980800016"),
        entry("PUT", f"{MESSAGES}/1456074443980800016/reactions/%E2%9C%85/@me"),
    ]

    assert contract.check(records) == []


def test_an_unknown_route_is_a_violation(contract: DiscordContract) -> None:
    unknown = only(contract.check([entry("POST", "/channels/1/not-a-route", {})]))
    wrong_method = only(contract.check([entry("PUT", MESSAGES, {"content": "x"})]))

    assert unknown.route is None
    assert str(unknown) == "POST /channels/1/not-a-route: no such route in Discord's API"
    assert wrong_method.rule == "route"


def test_literal_segments_win_over_templates(contract: DiscordContract) -> None:
    assert contract.match("POST", "/users/@me/channels") == "/users/@me/channels"
    assert contract.match("GET", "/users/@me") == "/users/@me"
    assert contract.match("GET", "/users/1456074443980800014") == "/users/{user_id}"
    assert contract.match("GET", "/channels/1/messages/pins") == "/channels/{channel_id}/messages/pins"
    assert contract.match("GET", "/channels/1/messages/2") == "/channels/{channel_id}/messages/{message_id}"


def test_paths_are_matched_with_or_without_the_api_prefix(contract: DiscordContract) -> None:
    template = "/channels/{channel_id}/messages"
    assert contract.match("post", MESSAGES) == template
    assert contract.match("POST", f"/api/v10{MESSAGES}") == template
    assert contract.match("POST", f"https://discord.com/api/v10{MESSAGES}?wait=true") == template


def test_a_non_snowflake_id_in_the_path_is_a_violation(contract: DiscordContract) -> None:
    violation = only(contract.check_request("POST", "/channels/None/messages", {"content": "x"}))

    assert str(violation) == (
        "POST /channels/{channel_id}/messages: path parameter {channel_id}='None' is not a snowflake"
    )


def test_webhook_followups_and_edits_are_checked(contract: DiscordContract) -> None:
    followup = "/webhooks/1456074443980800000/simcord_interaction_1456074443980800013"

    assert contract.check_request("POST", followup, {"content": "done", "flags": 64}) == []
    violation = only(
        contract.check_request("PATCH", f"{followup}/messages/@original", {"content": "c" * 2001})
    )
    assert violation.route == "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
    assert violation.pointer == "/content"


# --------------------------------------------------------------------------- multipart


def test_the_payload_json_part_of_a_multipart_message_is_checked(contract: DiscordContract) -> None:
    params = handle_message_parameters(
        content="report",
        embed=discord.Embed.from_dict(embed_with_fields(26)),
        file=discord.File(io.BytesIO(b"x"), "r.txt"),
    )
    assert params.multipart is not None
    # SimCord records the parsed payload_json part as the request's json.
    body, _ = parse_form(params.multipart, list(params.files or []))

    violation = only(contract.check([entry("POST", MESSAGES, body)]))

    assert violation.pointer == "/embeds/0/fields"


def test_a_multipart_form_without_payload_json_is_checked_without_its_files(
    contract: DiscordContract,
) -> None:
    # Sticker uploads send scalar parts beside the file; SimCord records only the scalars.
    stickers = "/guilds/1456074443980800008/stickers"

    assert (
        contract.check_request("POST", stickers, {"name": "wave", "tags": "wave", "description": "hi"}) == []
    )
    violation = only(contract.check_request("POST", stickers, {"name": "w", "tags": "wave"}))
    assert (violation.pointer, violation.rule) == ("/name", "minLength")


# --------------------------------------------------------------------------- loading


def test_a_missing_spec_fails_loudly(tmp_path: Path) -> None:
    missing = tmp_path / "openapi.json"

    with pytest.raises(SpecNotFoundError, match=r"Discord's OpenAPI spec is missing at .*openapi\.json"):
        DiscordContract.from_file(missing)


def test_the_spec_is_read_from_the_shared_directory_and_loaded_once() -> None:
    assert PROJECT_ROOT.parent / "shared" / "discord-api-spec" / "openapi.json" == SPEC_PATH
    assert load_contract() is load_contract()
    assert check_requests([Record("POST", MESSAGES, {"content": "x"})]) == []


def test_repeated_bodies_are_validated_once(contract: DiscordContract) -> None:
    body = {"embeds": [embed_with_fields(26)], "content": "memo"}

    first = contract.check_request("POST", MESSAGES, body)
    second = contract.check_request("POST", "/channels/42/messages", json.loads(json.dumps(body)))

    assert [(v.pointer, v.message) for v in first] == [(v.pointer, v.message) for v in second]
    assert second[0].path == "/channels/42/messages"


# --------------------------------------------------------------------------- plugin, end to end

BOT_MODULE = """
import discord
import pytest
from discord.ext import commands


def make_bot():
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

    @bot.tree.command(description={description!r})
    async def bad(interaction: discord.Interaction):
        embed = discord.Embed(title="stats")
        for index in range({fields}):
            embed.add_field(name=f"f{{index}}", value="v")
        await interaction.response.send_message(embed=embed)

    @bot.event
    async def setup_hook():
        await bot.tree.sync()

    return bot


@pytest.fixture
def simcord_bot():
    return make_bot()


async def slash_bad(simcord_env):
    guild = simcord_env.create_guild()
    ch = guild.create_text_channel("general")
    m = guild.add_member(simcord_env.create_user("ann"))
    await m.slash(ch, "bad")
"""


def bot_module(*, fields: int = 1, description: str = "Send stats", tests: str) -> str:
    return BOT_MODULE.format(fields=fields, description=description) + textwrap.dedent(tests)


def inner_args(*extra: str) -> tuple[str, ...]:
    return (
        "-p",
        "tests.contract_plugin",
        "-o",
        "asyncio_mode=auto",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        "-p",
        "no:cacheprovider",
        *extra,
    )


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.syspathinsert(PROJECT_ROOT)
    return pytester


def test_plugin_fails_a_slash_command_sending_26_embed_fields(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SimCord answers this payload with its own 400, which it re-raises at teardown;
    # check_errors=False leaves the contract plugin as the only thing that can fail it.
    pytester.makepyfile(
        test_embed=bot_module(
            fields=26,
            tests="""
            @pytest.mark.simcord(check_errors=False)
            async def test_bad(simcord_env):
                await slash_bad(simcord_env)
            """,
        )
    )
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    )

    result = pytester.runpytest_subprocess(*inner_args())

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*1 request(s) break Discord's API contract*",
            "*POST /interactions/{interaction_id}/{interaction_token}/callback  /data/embeds/0/fields: "
            "* is too long: 26 items (maxItems 25)",
        ]
    )


def test_plugin_catches_a_long_command_description_simcord_accepts(inner: pytest.Pytester) -> None:
    # SimCord registers this command without complaint: only the contract check notices.
    inner.makepyfile(
        test_sync=bot_module(
            description="d" * 101,
            tests="""
            async def test_bad(simcord_env):
                await slash_bad(simcord_env)
            """,
        )
    )

    result = inner.runpytest_inprocess(*inner_args())

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*PUT /applications/{application_id}/commands  /0/description: * (maxLength 100)"]
    )


def test_plugin_passes_a_bot_whose_requests_are_valid(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_good=bot_module(
            fields=25,
            tests="""
            async def test_good(simcord_env):
                await slash_bad(simcord_env)
                assert len(simcord_env.http_requests) >= 2
            """,
        )
    )

    inner.runpytest_inprocess(*inner_args()).assert_outcomes(passed=1)


@pytest.mark.logs_errors
def test_plugin_adds_violations_to_a_test_that_already_failed(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_embed=bot_module(
            fields=26,
            tests="""
            @pytest.mark.simcord(check_errors=False)
            async def test_bad(simcord_env):
                await slash_bad(simcord_env)
                assert simcord_env.http_requests == []
            """,
        )
    )

    result = inner.runpytest_inprocess(*inner_args())

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*AssertionError*", "*/data/embeds/0/fields: * (maxItems 25)"])


@pytest.mark.logs_errors
def test_opt_out_marker_is_honoured_only_in_the_checkers_own_tests(inner: pytest.Pytester) -> None:
    tests = """
        @pytest.mark.simcord(check_errors=False)
        @pytest.mark.discord_contract(skip=True)
        async def test_bad(simcord_env):
            await slash_bad(simcord_env)
        """
    inner.makepyfile(
        test_discord_contract=bot_module(fields=26, tests=tests),
        test_elsewhere=bot_module(fields=26, tests=tests),
    )

    result = inner.runpytest_inprocess(*inner_args("-rA"))

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.discord_contract(skip=True) is reserved for the contract checker's own tests*",
            "PASSED test_discord_contract.py::test_bad",
            "FAILED test_elsewhere.py::test_bad*",
        ]
    )


def test_marker_is_registered(inner: pytest.Pytester) -> None:
    result = inner.runpytest_inprocess(*inner_args("--markers"))

    result.stdout.fnmatch_lines(["@pytest.mark.discord_contract(skip=True): *"])


def test_plugin_stops_the_session_when_the_spec_is_missing(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def missing_spec() -> DiscordContract:
        return DiscordContract.from_file(tmp_path / "openapi.json")

    monkeypatch.setattr(contract_plugin, "load_contract", missing_spec)
    inner.makepyfile(test_anything="def test_anything():\n    pass\n")

    result = inner.runpytest_inprocess(*inner_args())

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*Discord's OpenAPI spec is missing at *openapi.json*"])
