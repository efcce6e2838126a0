"""Topic patterns: exact names, family wildcards, and everything."""

from __future__ import annotations

from portal.webhooks_out.topics import matches, pattern_problem, subscribed


def test_patterns_match_topics() -> None:
    assert matches("shipment.delivered", "shipment.delivered")
    assert matches("shipment.*", "shipment.exception")
    assert matches("*", "return.approved")
    assert not matches("shipment.*", "shipments.x")
    assert not matches("return.*", "shipment.delivered")
    assert subscribed(["return.*", "shipment.delivered"], "shipment.delivered")


def test_only_known_topics_and_families_are_accepted() -> None:
    for good in ("*", "shipment.*", "shipment.status_changed", "return.*", "survey.answered"):
        assert pattern_problem(good) is None
    for bad in ("shipment.lost", "parcel.*", "Shipment.*", "shipment", "*.delivered", ""):
        assert pattern_problem(bad) is not None
