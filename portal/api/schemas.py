"""A small JSON Schema subset: one declaration validates requests, documents the API,
and (in tests) checks responses — so the OpenAPI document cannot drift from behaviour.

Supported keywords: ``type`` (a name or a list), ``properties``, ``required``,
``additionalProperties: false``, ``items``, ``enum``, ``minLength``/``maxLength``,
``minimum``/``maximum``, ``minItems``/``maxItems``, ``uniqueItems``, ``pattern``,
``format`` (``date-time``, ``date``, ``email``, ``uri``) and ``$ref`` to
``#/components/schemas/<Name>``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

Schema = dict[str, Any]

#: Named schemas, published under ``components.schemas`` of the OpenAPI document.
COMPONENTS: dict[str, Schema] = {}

_REF = "#/components/schemas/"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class FieldError:
    """One problem with one value; ``pointer`` is a JSON Pointer into the document."""

    pointer: str
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"pointer": self.pointer, "detail": self.detail}


def component(name: str, schema: Schema) -> Schema:
    """Register ``schema`` as a named component and return a ``$ref`` to it."""
    COMPONENTS[name] = schema
    return ref(name)


def ref(name: str) -> Schema:
    return {"$ref": f"{_REF}{name}"}


def resolve(schema: Schema) -> Schema:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"][len(_REF) :]]
    return schema


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An object with exactly these properties (unknown ones are refused)."""
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": False,
    }


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    kinds = kind if isinstance(kind, list) else [kind]
    return {**schema, "type": [*kinds, "null"]}


def string(**extra: Any) -> Schema:
    return {"type": "string", **extra}


DATE_TIME = string(format="date-time")
DATE = string(format="date")


def _type_ok(kind: str, value: Any) -> bool:
    match kind:
        case "null":
            return value is None
        case "boolean":
            return isinstance(value, bool)
        case "integer":
            # JSON Schema: an integer is any number with a zero fractional part (18.0 too).
            if isinstance(value, float):
                return value.is_integer()
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        case "string":
            return isinstance(value, str)
        case "array":
            return isinstance(value, list)
        case "object":
            return isinstance(value, dict)
    raise ValueError(f"unsupported schema type {kind!r}")


def _format_error(fmt: str, value: str) -> str | None:
    if fmt == "date-time":
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "must be an ISO 8601 date and time"
        if parsed.tzinfo is None:
            return "must include a time zone offset"
        try:
            parsed.astimezone(UTC)
        except OverflowError:
            return "is out of range"
        return None
    if fmt == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return "must be an ISO 8601 date (YYYY-MM-DD)"
    if fmt == "email" and not _EMAIL.fullmatch(value):
        return "must be an e-mail address"
    if fmt == "uri":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return "must be an absolute http(s) URL"
    return None


def validate(schema: Schema, value: Any, pointer: str = "") -> list[FieldError]:
    """Every way ``value`` breaks ``schema`` (empty when it conforms)."""
    schema = resolve(schema)
    here = pointer or "/"
    if "anyOf" in schema:
        attempts = [validate(option, value, pointer) for option in schema["anyOf"]]
        return [] if any(not errors for errors in attempts) else attempts[0]
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_type_ok(k, value) for k in kinds):
            return [FieldError(here, f"must be of type {' or '.join(kinds)}")]
    if value is None:
        return []
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(str(v) for v in schema["enum"])
        return [FieldError(here, f"must be one of: {choices}")]
    if isinstance(value, str):
        return _validate_string(schema, value, here)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return [FieldError(here, f"must be at least {schema['minimum']}")]
        if "maximum" in schema and value > schema["maximum"]:
            return [FieldError(here, f"must be at most {schema['maximum']}")]
    if isinstance(value, list):
        return _validate_array(schema, value, pointer)
    if isinstance(value, dict):
        return _validate_object(schema, value, pointer)
    return []


def _text_problem(value: str) -> str | None:
    """Text no database column can store: NUL characters or lone surrogates."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode"
    return None


def _free_form(value: Any, pointer: str) -> list[FieldError]:
    """Unstorable text anywhere inside a value the schema does not describe further."""
    if isinstance(value, str):
        problem = _text_problem(value)
        return [FieldError(pointer or "/", problem)] if problem else []
    if isinstance(value, list):
        return [e for i, item in enumerate(value) for e in _free_form(item, f"{pointer}/{i}")]
    if isinstance(value, dict):
        errors: list[FieldError] = []
        for key, item in value.items():
            here = f"{pointer}/{_escape(key)}"
            problem = _text_problem(key)
            errors.extend([FieldError(here, problem)] if problem else _free_form(item, here))
        return errors
    return []


def _validate_string(schema: Schema, value: str, here: str) -> list[FieldError]:
    problem = _text_problem(value)
    if problem:
        return [FieldError(here, problem)]
    if "minLength" in schema and len(value) < schema["minLength"]:
        if schema["minLength"] == 1:
            return [FieldError(here, "must not be empty")]
        return [FieldError(here, f"must be at least {schema['minLength']} characters long")]
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return [FieldError(here, f"must be at most {schema['maxLength']} characters long")]
    # JSON Schema patterns are searches; declarations anchor them with ^…$ when they mean all.
    if "pattern" in schema and not re.search(schema["pattern"], value):
        return [FieldError(here, f"must match {schema['pattern']}")]
    if "format" in schema:
        problem = _format_error(schema["format"], value)
        if problem:
            return [FieldError(here, problem)]
    return []


def _validate_array(schema: Schema, value: list[Any], pointer: str) -> list[FieldError]:
    here = pointer or "/"
    if "minItems" in schema and len(value) < schema["minItems"]:
        return [FieldError(here, f"must have at least {schema['minItems']} items")]
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        return [FieldError(here, f"must have at most {schema['maxItems']} items")]
    if schema.get("uniqueItems") and _repeats(value):
        return [FieldError(here, "must not list the same item twice")]
    if "items" not in schema:
        return _free_form(value, pointer)
    errors: list[FieldError] = []
    for index, item in enumerate(value):
        errors.extend(validate(schema["items"], item, f"{pointer}/{index}"))
    return errors


def _repeats(items: list[Any]) -> bool:
    seen = {json.dumps(item, sort_keys=True) for item in items}
    return len(seen) != len(items)


def _escape(name: str) -> str:
    """A name as a JSON Pointer token; unstorable characters are spelled out, since error
    pointers echo the client's field names back."""
    token = name.replace("~", "~0").replace("/", "~1").replace("\x00", "\\u0000")
    return token.encode("utf-8", "backslashreplace").decode("utf-8")


def _validate_object(schema: Schema, value: dict[str, Any], pointer: str) -> list[FieldError]:
    if "properties" not in schema:
        return _free_form(value, pointer)
    errors: list[FieldError] = []
    properties: dict[str, Schema] = schema["properties"]
    for name in schema.get("required", []):
        if name not in value:
            errors.append(FieldError(f"{pointer}/{_escape(name)}", "is required"))
    for name, item in value.items():
        if name in properties:
            errors.extend(validate(properties[name], item, f"{pointer}/{_escape(name)}"))
        elif schema.get("additionalProperties") is False:
            errors.append(FieldError(f"{pointer}/{_escape(name)}", "is not a known field"))
        else:
            errors.extend(_free_form(item, f"{pointer}/{_escape(name)}"))
    return errors


# --- shared components -------------------------------------------------------------

PROBLEM = component(
    "Problem",
    {
        "type": "object",
        "description": "An RFC 9457 problem document.",
        "properties": {
            "type": string(),
            "title": string(),
            "status": {"type": "integer"},
            "detail": string(),
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "pointer": string(),
                        "parameter": string(),
                        "detail": string(),
                    },
                    "required": ["detail"],
                },
            },
            "candidates": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"carrier": string(), "confidence": {"type": "number"}},
                    "required": ["carrier", "confidence"],
                },
            },
        },
        "required": ["type", "title", "status"],
    },
)


def page_of(item: Schema) -> Schema:
    """A cursor-paginated list of ``item``."""
    return obj(
        {
            "data": {"type": "array", "items": item},
            "next_cursor": nullable(
                string(description="Pass as `cursor` to get the next page; null at the end.")
            ),
        }
    )


def list_of(item: Schema) -> Schema:
    return obj({"data": {"type": "array", "items": item}})
