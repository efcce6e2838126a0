"""Webhook topics and the patterns endpoints subscribe with (``shipment.*``, ``*``).

The topics come from :mod:`portal.event_catalogue` (each kind names the topics it is
delivered as), so a new kind with a topic is subscribable without touching this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from portal import event_catalogue as catalogue

SHIPMENT_STATUS_CHANGED = catalogue.SHIPMENT_STATUS_CHANGED
SHIPMENT_DELIVERED = catalogue.SHIPMENT_DELIVERED_TOPIC
SHIPMENT_EXCEPTION = catalogue.SHIPMENT_EXCEPTION_TOPIC
#: Sent by "send test"; delivered to an endpoint whatever it subscribes to.
PING = "ping"

#: Every topic some domain event kind is delivered as, in catalogue order.
TOPICS: tuple[str, ...] = tuple(
    dict.fromkeys(topic for kind in catalogue.CATALOGUE for topic in kind.webhook_topics)
)


def _family(family: str) -> tuple[str, ...]:
    return tuple(t for t in TOPICS if t.split(".", 1)[0] == family)


#: One topic per return state: ``return.<state>`` as the return reaches it.
RETURN_TOPICS: tuple[str, ...] = _family("return")
#: One topic per claim state: ``claim.<state>`` as the claim reaches it.
CLAIM_TOPICS: tuple[str, ...] = _family("claim")
#: Every answer a customer gives; once per survey, when its answers call for a follow-up.
SURVEY_ANSWERED = catalogue.SURVEY_ANSWERED
SURVEY_FOLLOW_UP = catalogue.SURVEY_FOLLOW_UP
SURVEY_TOPICS: tuple[str, ...] = _family("survey")
#: Families a pattern may name.
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(t.split(".", 1)[0] for t in TOPICS))

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
