"""Webhook topics and the patterns endpoints subscribe with (``shipment.*``, ``*``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

SHIPMENT_STATUS_CHANGED = "shipment.status_changed"
SHIPMENT_DELIVERED = "shipment.delivered"
SHIPMENT_EXCEPTION = "shipment.exception"
#: Sent by "send test"; delivered to an endpoint whatever it subscribes to.
PING = "ping"

#: One topic per return state: ``return.<state>`` as the return reaches it.
RETURN_TOPICS: tuple[str, ...] = (
    "return.requested",
    "return.needs_review",
    "return.approved",
    "return.rejected",
    "return.awaiting_shipment",
    "return.in_transit",
    "return.received",
    "return.inspected",
    "return.resolved",
    "return.closed",
    "return.cancelled",
    "return.expired",
)

#: Every answer a customer gives; once per survey, when its answers call for a follow-up.
SURVEY_ANSWERED = "survey.answered"
SURVEY_FOLLOW_UP = "survey.follow_up"
SURVEY_TOPICS: tuple[str, ...] = (SURVEY_ANSWERED, SURVEY_FOLLOW_UP)

TOPICS: tuple[str, ...] = (
    SHIPMENT_STATUS_CHANGED,
    SHIPMENT_DELIVERED,
    SHIPMENT_EXCEPTION,
    *RETURN_TOPICS,
    *SURVEY_TOPICS,
)
#: Families a pattern may name.
FAMILIES: tuple[str, ...] = ("shipment", "return", "survey")

_PATTERN = re.compile(r"\*|[a-z]+\.(\*|[a-z_]+)")


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be subscribed to, or None when it can."""
    if not _PATTERN.fullmatch(pattern):
        return "must be a topic like shipment.delivered, a family wildcard like shipment.*, or *"
    family = pattern.split(".")[0]
    if pattern != "*" and family not in FAMILIES:
        return f"unknown topic family {family!r} (known: {', '.join(FAMILIES)})"
    if pattern != "*" and not pattern.endswith(".*") and pattern not in TOPICS:
        return f"unknown topic (known: {', '.join(TOPICS)})"
    return None


def matches(pattern: str, topic: str) -> bool:
    if pattern in ("*", topic):
        return True
    return pattern.endswith(".*") and topic.startswith(pattern[:-1])


def subscribed(patterns: Iterable[str], topic: str) -> bool:
    return any(matches(p, topic) for p in patterns)
