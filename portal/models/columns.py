"""Column constructors whose types Tortoise's own signatures get wrong for us."""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar, cast

from tortoise import fields

E = TypeVar("E", bound=Enum)


def nullable_enum(enum_type: type[E], **kwargs: Any) -> fields.Field[E | None]:
    """A ``CharEnumField(null=True)`` that reads as ``E | None``.

    Tortoise types ``CharEnumField`` as ``Field[E]`` whatever ``null`` says, so without this
    mypy would accept ``shipment.reason.value`` on a row whose reason is empty.
    """
    return cast("fields.Field[E | None]", fields.CharEnumField(enum_type, null=True, **kwargs))
