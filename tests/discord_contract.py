"""Check recorded REST requests against the request schemas in Discord's OpenAPI spec."""

from __future__ import annotations

import json
import re
import reprlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "SPEC_PATH",
    "DiscordContract",
    "RequestRecord",
    "SpecNotFoundError",
    "Violation",
    "check_requests",
    "load_contract",
]

#: The spec is shared data next to the project, never a copy inside it.
SPEC_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "discord-api-spec" / "openapi.json"

# The whole OpenAPI document is registered under this URI so that the spec's own
# "#/components/schemas/..." references resolve against the full document.
_SPEC_URI = "urn:discord-api-spec:openapi"
_HTTP_METHODS = frozenset({"get", "put", "post", "patch", "delete", "head", "options"})
# JSON first: multipart message bodies reach us as their parsed ``payload_json`` part, which
# Discord validates with the same schema as the JSON body.
_CONTENT_TYPES = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded")
_UNIONS = frozenset({"anyOf", "oneOf"})
# Errors that say "this value is another shape", as opposed to "this shape, but broken".
_SHAPE_KEYWORDS = frozenset({"type", "enum", "const"})
_DISCRIMINATOR_KEYWORDS = frozenset({"enum", "const"})
_INT_STRING = re.compile(r"-?[0-9]+")
_SNOWFLAKE_STRING = re.compile(r"[0-9]+")
_RESULT_CACHE_SIZE = 4096
_BASE_KEYWORDS = Draft202012Validator.VALIDATORS
_API_PREFIX = re.compile(r"^/api(?:/v[0-9]+)?(?=/)")

_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40
_short.maxlist = 3
_short.maxdict = 3
_short.maxlevel = 2


class SpecNotFoundError(FileNotFoundError):
    """Raised when Discord's OpenAPI spec is not where the project expects it."""


class RequestRecord(Protocol):
    """Anything shaped like ``simcord.types.HttpLogEntry``."""

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def json(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a recorded request breaks Discord's published request contract."""

    method: str
    path: str
    #: The matched path template, or ``None`` when no route in the spec matches.
    route: str | None
    #: RFC 6901 pointer into the request body ("" is the whole body).
    pointer: str
    message: str
    #: The JSON Schema keyword that failed ("route" for an unknown route).
    rule: str = ""

    def __str__(self) -> str:
        where = self.route or self.path
        if self.rule in ("route", "path"):
            return f"{self.method} {where}: {self.message}"
        return f"{self.method} {where}  {self.pointer or '(body)'}: {self.message}"


# --------------------------------------------------------------------------- validator


def _is_integer(checker: Any, instance: Any) -> bool:
    """Accept JSON integers and, per the spec's README, int-parseable strings."""
    if isinstance(instance, bool):
        return False
    if isinstance(instance, int):
        return True
    if isinstance(instance, float):
        return instance.is_integer()
    return isinstance(instance, str) and _INT_STRING.fullmatch(instance) is not None


def _type(validator: Any, types: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    """Check ``type``, with the one documented snowflake allowance."""
    names = [types] if isinstance(types, str) else list(types)
    if any(validator.is_type(instance, name) for name in names):
        return
    # Allowance (explicit, not a silent whitelist): the spec types every snowflake as a
    # string, but Discord accepts JSON integers for them and discord.py 2.7 sends integers
    # in several places (message_reference ids, allowed_mentions users/roles, attachment
    # ids in payload_json, ...). Only schemas marked ``format: snowflake`` get this.
    if (
        schema.get("format") == "snowflake"
        and isinstance(instance, int)
        and not isinstance(instance, bool)
        and instance >= 0
    ):
        return
    yield ValidationError(f"{_short.repr(instance)} is not of type {', '.join(map(repr, names))}")


def _as_int(instance: Any) -> int | None:
    """Return the integer an int-parseable string stands for, else None."""
    if isinstance(instance, str) and _INT_STRING.fullmatch(instance):
        return int(instance)
    return None


def _allows_integer(schema: Mapping[str, Any]) -> bool:
    types = schema.get("type")
    return types == "integer" or (isinstance(types, list) and "integer" in types)


def _enum(
    validator: Any, allowed: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """Check ``enum``; an int-parseable string counts as the integer it spells."""
    number = _as_int(instance)
    if number is not None and any(_same_int(number, value) for value in allowed):
        return
    yield from _BASE_KEYWORDS["enum"](validator, allowed, instance, schema)


def _const(validator: Any, const: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    """Check ``const``; an int-parseable string counts as the integer it spells."""
    number = _as_int(instance)
    if number is not None and _same_int(number, const):
        return
    yield from _BASE_KEYWORDS["const"](validator, const, instance, schema)


def _same_int(number: int, value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == number


def _bound(keyword: str) -> Any:
    """Build a range keyword that also bounds int-parseable strings on integer fields."""
    original = _BASE_KEYWORDS[keyword]

    def check(
        validator: Any, limit: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        number = _as_int(instance) if _allows_integer(schema) else None
        yield from original(validator, limit, instance if number is None else number, schema)

    check.__doc__ = f"Check ``{keyword}``, reading int-parseable strings as integers."
    return check


def _any_of(
    validator: Any, branches: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """Accept when at least one branch matches (the spec's ``oneOf`` means this too)."""
    collected: list[ValidationError] = []
    for index, branch in enumerate(branches):
        # Most unions are "null or <shape>": answer the null branch without a descent.
        if branch == {"type": "null"}:
            if instance is None:
                return
            collected.append(
                ValidationError(
                    f"{_short.repr(instance)} is not of type 'null'",
                    validator="type",
                    validator_value="null",
                    instance=instance,
                    schema=branch,
                    schema_path=[index, "type"],
                )
            )
            continue
        errors = list(validator.descend(instance, branch, schema_path=index))
        if not errors:
            return
        collected.extend(errors)
    yield ValidationError(
        f"{_short.repr(instance)} matches none of the {len(branches)} allowed shapes", context=collected
    )


def _required(
    validator: Any, required: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """Check ``required``, skipping binary file parts that request records never carry."""
    if not isinstance(instance, dict):
        return
    properties = schema.get("properties", {})
    for name in required:
        if name in instance:
            continue
        # SimCord strips file parts from multipart forms before recording them, so a
        # required upload (sticker "file", ...) can never be present in a record.
        if properties.get(name, {}).get("contentEncoding") == "binary":
            continue
        yield ValidationError(f"missing required property {name!r}")


_ContractValidator = extend(
    Draft202012Validator,
    validators={
        "type": _type,
        "anyOf": _any_of,
        "oneOf": _any_of,
        "required": _required,
        "enum": _enum,
        "const": _const,
        **{
            keyword: _bound(keyword)
            for keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        },
    },
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


# --------------------------------------------------------------------------- error reporting


def _is_mismatch(union: ValidationError, errors: list[ValidationError]) -> bool:
    """Tell whether a failed branch is a different shape rather than a broken one."""
    depth = len(union.absolute_path)
    # A wrong type on the value itself, or a wrong discriminator (type/const/enum) on one
    # of its direct properties, means the value was never meant to be this shape.
    return any(
        (error.validator == "type" and len(error.absolute_path) == depth)
        or (error.validator in _DISCRIMINATOR_KEYWORDS and len(error.absolute_path) <= depth + 1)
        for error in errors
    )


def _meant_errors(union: ValidationError) -> list[ValidationError] | None:
    """Return the errors of the branch the value evidently meant, or None when unclear."""
    branches: dict[Any, list[ValidationError]] = {}
    for error in union.context or ():
        branches.setdefault(error.relative_schema_path[0], []).append(error)
    candidates = [errors for errors in branches.values() if not _is_mismatch(union, errors)]
    if not candidates:
        return None
    # Among plausible shapes, the meant one is the shape the value got furthest into.
    scored = sorted(((min(map(_score, errors)), errors) for errors in candidates), key=lambda p: p[0])
    top = [errors for score, errors in scored if score == scored[-1][0]]
    if len(top) == 1:
        return top[0]
    # Equally plausible shapes (e.g. webhook execute's two body shapes): report only the
    # failures they agree on, which is what the value breaks whichever shape was meant.
    keyed = [{_key(leaf): leaf for error in errors for leaf in _leaves(error)} for errors in top]
    shared = [leaf for key, leaf in keyed[0].items() if all(key in other for other in keyed[1:])]
    return shared or None


def _score(error: ValidationError) -> tuple[int, int]:
    """Score an error by how deep it sits and whether it is a real constraint failure."""
    if error.validator in _UNIONS and error.context:
        meant = _meant_errors(error)
        if meant is not None:
            return min(map(_score, meant))
    weak = error.validator in _SHAPE_KEYWORDS or error.validator in _UNIONS
    return (len(error.absolute_path), 0 if weak else 1)


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """Yield the errors worth reporting, looking through unions into the meant branch."""
    if error.validator in _UNIONS and error.context:
        meant = _meant_errors(error)
        if meant is not None:
            for inner in meant:
                yield from _leaves(inner)
            return
    yield error


def _key(error: ValidationError) -> tuple[str, str]:
    return (_pointer(error), _describe(error))


def _pointer(error: ValidationError) -> str:
    """Return the RFC 6901 pointer to the failing value."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in error.absolute_path)


def _describe(error: ValidationError) -> str:
    """Return a short human sentence naming the failed rule and its limit."""
    keyword, limit, instance = error.validator, error.validator_value, error.instance
    shown = _short.repr(instance)
    if keyword in ("maxItems", "minItems", "maxProperties", "minProperties"):
        size = len(instance)
        unit = "items" if keyword.endswith("Items") else "properties"
        verdict = "too long" if keyword.startswith("max") else "too short"
        return f"{shown} is {verdict}: {size} {unit} ({keyword} {limit})"
    if keyword in ("maxLength", "minLength"):
        verdict = "too long" if keyword == "maxLength" else "too short"
        return f"{shown} is {verdict}: {len(instance)} characters ({keyword} {limit})"
    if keyword in ("maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"):
        return f"{shown} is out of range ({keyword} {limit})"
    if keyword == "enum":
        return f"{shown} is not one of {_short.repr(limit)} (enum)"
    if keyword == "const":
        return f"{shown} is not {limit!r} (const)"
    if keyword == "type":
        return f"{error.message} (type)"
    if keyword in _UNIONS:
        return f"{shown} {_union_shapes(limit)} ({keyword})"
    return f"{error.message} ({keyword})"


def _union_shapes(branches: list[Any]) -> str:
    """Name what a union would have accepted: its constants, or its schema names."""
    if all(isinstance(branch, dict) and "const" in branch for branch in branches):
        return f"is not one of the allowed values {_listing([repr(branch['const']) for branch in branches])}"
    return f"matches none of the allowed shapes {_listing([_shape_name(branch) for branch in branches])}"


def _shape_name(schema: Any) -> str:
    """Name a union branch for a message: its component name, or its type."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return str(schema["$ref"]).rsplit("/", 1)[-1]
        if "type" in schema:
            return str(schema["type"])
    return "inline schema"


def _listing(items: list[str], limit: int = 8) -> str:
    """Render a bracketed list, cut to ``limit`` entries."""
    more = f", ... ({len(items)} in all)" if len(items) > limit else ""
    return "[" + ", ".join(items[:limit]) + more + "]"


# --------------------------------------------------------------------------- routes


@dataclass(frozen=True, slots=True)
class _Route:
    template: str
    segments: tuple[str, ...]
    # True where the segment is literal: compared left to right so literals win.
    literal: tuple[bool, ...]
    methods: frozenset[str]
    snowflake_params: frozenset[str]


def _normalize_path(path: str) -> str:
    """Strip scheme, host, query and the /api/vN prefix so only the route path is left."""
    if "://" in path:
        path = urlsplit(path).path
    path = path.split("?", 1)[0]
    return _API_PREFIX.sub("", path) or "/"


def _escape(segment: str) -> str:
    """Escape one JSON pointer segment for use inside a URI fragment."""
    return quote(segment.replace("~", "~0").replace("/", "~1"), safe="~")


class DiscordContract:
    """Validate request bodies against Discord's OpenAPI request schemas."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._spec = spec
        resource = Resource(contents=spec, specification=DRAFT202012)
        self._registry: Registry = Registry().with_resource(_SPEC_URI, resource)
        self._routes: dict[int, list[_Route]] = {}
        self._validators: dict[tuple[str, str], Validator | None] = {}
        self._results: dict[tuple[str, str, str], tuple[tuple[str, str, str], ...]] = {}
        for template, item in spec.get("paths", {}).items():
            segments = tuple(template.strip("/").split("/"))
            route = _Route(
                template=template,
                segments=segments,
                literal=tuple(not (s.startswith("{") and s.endswith("}")) for s in segments),
                methods=frozenset(m.upper() for m in item if m in _HTTP_METHODS),
                snowflake_params=frozenset(self._snowflake_params(item)),
            )
            self._routes.setdefault(len(segments), []).append(route)

    @property
    def spec(self) -> Mapping[str, Any]:
        """Return the parsed OpenAPI document."""
        return self._spec

    @classmethod
    def from_file(cls, path: Path = SPEC_PATH) -> DiscordContract:
        """Load the spec from ``path``, failing loudly when it is missing."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SpecNotFoundError(
                f"Discord's OpenAPI spec is missing at {path}. The contract tests read it from "
                "../shared/discord-api-spec/openapi.json relative to the project root; restore it "
                "there (do not copy it into the project)."
            ) from None
        return cls(json.loads(text))

    @staticmethod
    def _snowflake_params(item: Mapping[str, Any]) -> Iterator[str]:
        for parameter in item.get("parameters", ()):
            if parameter.get("in") == "path" and parameter.get("schema", {}).get("$ref", "").endswith(
                "/SnowflakeType"
            ):
                yield parameter["name"]

    def match(self, method: str, path: str) -> str | None:
        """Return the spec template serving ``method path``, or None when there is none."""
        route = self._match(method.upper(), _normalize_path(path))
        return route.template if route else None

    def _match(self, method: str, path: str) -> _Route | None:
        segments = path.strip("/").split("/")
        best: _Route | None = None
        for route in self._routes.get(len(segments), ()):
            if method not in route.methods:
                continue
            if all(
                not is_literal or expected == actual
                for expected, actual, is_literal in zip(route.segments, segments, route.literal, strict=True)
            ) and (best is None or route.literal > best.literal):
                best = route
        return best

    def _validator(self, method: str, template: str) -> Validator | None:
        key = (method, template)
        if key not in self._validators:
            self._validators[key] = self._build_validator(method, template)
        return self._validators[key]

    def _build_validator(self, method: str, template: str) -> Validator | None:
        operation = self._spec["paths"][template][method.lower()]
        content = operation.get("requestBody", {}).get("content", {})
        media = next((kind for kind in _CONTENT_TYPES if kind in content), None)
        if media is None or "schema" not in content[media]:
            return None
        pointer = "/".join(
            (
                "#",
                "paths",
                _escape(template),
                method.lower(),
                "requestBody",
                "content",
                _escape(media),
                "schema",
            )
        )
        # A $ref into the registered document keeps every nested "#/components/..." reference
        # resolving against the whole spec rather than against the extracted sub-schema.
        return _ContractValidator({"$ref": _SPEC_URI + pointer}, registry=self._registry)

    def check_request(self, method: str, path: str, body: Any) -> list[Violation]:
        """Return every violation of one request (method, concrete path, JSON body)."""
        method = method.upper()
        route_path = _normalize_path(path)
        route = self._match(method, route_path)
        if route is None:
            return [Violation(method, path, None, "", "no such route in Discord's API", rule="route")]
        violations = [
            Violation(
                method,
                path,
                route.template,
                "",
                f"path parameter {name}={value!r} is not a snowflake",
                rule="path",
            )
            for name, value in zip(route.segments, route_path.strip("/").split("/"), strict=True)
            if name[1:-1] in route.snowflake_params and not _SNOWFLAKE_STRING.fullmatch(value)
        ]
        # Bodiless requests (GET, DELETE, ...) have nothing to check; a route the spec gives
        # no request body is not checked either, because Discord ignores a stray body there.
        if body is None:
            return violations
        violations.extend(
            Violation(method, path, route.template, pointer, message, rule=rule)
            for pointer, message, rule in self._body_problems(method, route.template, body)
        )
        return violations

    def _body_problems(self, method: str, template: str, body: Any) -> tuple[tuple[str, str, str], ...]:
        """Validate a body, memoised: every test re-sends the same command sync and replies."""
        try:
            key = (method, template, json.dumps(body, sort_keys=True))
        except (TypeError, ValueError):
            # Not JSON-serialisable (Discord could not receive it either): validate uncached.
            return self._validate_body(method, template, body)
        problems = self._results.get(key)
        if problems is None:
            problems = self._validate_body(method, template, body)
            if len(self._results) >= _RESULT_CACHE_SIZE:
                self._results.clear()
            self._results[key] = problems
        return problems

    def _validate_body(self, method: str, template: str, body: Any) -> tuple[tuple[str, str, str], ...]:
        validator = self._validator(method, template)
        if validator is None:
            return ()
        problems: dict[tuple[str, str], str] = {}
        for error in validator.iter_errors(body):
            for leaf in _leaves(error):
                problems.setdefault(_key(leaf), str(leaf.validator))
        return tuple((pointer, message, rule) for (pointer, message), rule in problems.items())

    def check(self, records: Iterable[RequestRecord]) -> list[Violation]:
        """Return the violations of every record, in record order."""
        return [
            violation
            for record in records
            for violation in self.check_request(record.method, record.path, record.json)
        ]


@cache
def load_contract(path: Path = SPEC_PATH) -> DiscordContract:
    """Load and cache the contract for ``path`` (once per process)."""
    return DiscordContract.from_file(path)


def check_requests(records: Iterable[RequestRecord], *, spec_path: Path = SPEC_PATH) -> list[Violation]:
    """Check request records against Discord's spec and return the violations."""
    return load_contract(spec_path).check(records)
