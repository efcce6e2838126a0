"""The JSON Schema subset that validates requests and (in tests) responses."""

from __future__ import annotations

from portal.api.schemas import FieldError, component, nullable, obj, string, validate


def test_types_and_nullability() -> None:
    assert validate({"type": "integer"}, True) == [FieldError("/", "must be of type integer")]
    assert validate({"type": "number"}, 1) == []
    assert validate(nullable(string()), None) == []
    assert validate(nullable(component("Thing", obj({"a": string()}))), None) == []
    assert validate(nullable({"$ref": "#/components/schemas/Thing"}), {"a": 1}) == [
        FieldError("/a", "must be of type string")
    ]


def test_strings_and_formats() -> None:
    assert validate(string(format="date-time"), "2026-11-23T10:00:00Z") == []
    assert validate(string(format="date-time"), "2026-11-23T10:00:00") == [
        FieldError("/", "must include a time zone offset")
    ]
    assert validate(string(format="email"), "nope")[0].detail == "must be an e-mail address"
    assert validate(string(format="uri"), "https://x.test/a") == []
    assert validate(string(maxLength=2), "abc")[0].detail.startswith("must be at most")


def test_objects_report_nested_pointers() -> None:
    schema = obj({"items": {"type": "array", "items": obj({"a/b": {"type": "integer"}})}})
    assert validate(schema, {"items": [{"a/b": "x"}], "extra": 1}) == [
        FieldError("/items/0/a~1b", "must be of type integer"),
        FieldError("/extra", "is not a known field"),
    ]


def test_enums_and_bounds() -> None:
    assert validate({"type": "string", "enum": ["a"]}, "b") == [
        FieldError("/", "must be one of: a")
    ]
    assert validate({"type": "integer", "minimum": 1}, 0)[0].detail == "must be at least 1"
    assert validate({"type": "array", "minItems": 1}, [])[0].detail == "must have at least 1 items"


def test_unique_items_are_told_apart_by_json_value() -> None:
    unique = {"type": "array", "uniqueItems": True}
    twice = FieldError("/", "must not list the same item twice")
    assert validate(unique, ["sms", "sms"]) == [twice]
    assert validate(unique, [{"a": 1, "b": 2}, {"b": 2, "a": 1}]) != []
    assert validate(unique, [1, True, "1", None, [1]]) == []
