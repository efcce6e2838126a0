"""Every status and reason has plain words and a next step."""

from __future__ import annotations

import pytest

from carriers.base import Reason, Status
from portal.tracking_page import wording


@pytest.mark.parametrize("status", list(Status))
def test_every_status_has_a_label_an_explanation_and_a_next_step(status: Status) -> None:
    what, next_step = wording.explanation(status, None)
    assert wording.status_label(status) and what and next_step


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_explains_itself_and_what_to_do(reason: Reason) -> None:
    what, next_step = wording.explanation(Status.EXCEPTION, reason)
    assert wording.reason_label(reason) in what
    assert next_step == wording.REASON_NEXT_STEPS[reason]


def test_a_delivered_parcel_ignores_a_left_over_reason() -> None:
    assert wording.explanation(Status.DELIVERED, Reason.CARRIER_DELAY)[0] == (
        "Your parcel has been delivered."
    )
