"""The customer's choices between steps, carried in one signed hidden field.

Nothing in it is trusted for money or eligibility: every step re-reads the order and runs
:func:`portal.returns.review.review_order` again. The signature only stops a visitor from
editing what the server wrote itself (an uploaded photo's path, the order it belongs to,
the submission key), and the timestamp lets an abandoned form go stale after a day.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.core.signing import timed_serializer
from portal.returns.service import Selection
from portal.settings import Settings

SALT = "returns-draft"
MAX_AGE = int(timedelta(days=1).total_seconds())
FIELD = "draft"


@dataclass(frozen=True, slots=True)
class Choice:
    """What the customer picked for one order item so far."""

    item: int
    quantity: int
    reason: str = ""
    comment: str = ""
    photo: str | None = None
    resolution: str = ""
    variant: int | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    order: int
    choices: tuple[Choice, ...] = ()
    method: str = ""
    note: str = ""
    #: Set when the review step is shown; makes the confirmation idempotent.
    submission_key: str = ""
    photos: dict[int, str] = field(default_factory=dict)

    def choice(self, item_id: int) -> Choice | None:
        return next((c for c in self.choices if c.item == item_id), None)

    def with_(self, **changes: Any) -> Draft:
        return replace(self, **changes)

    def selections(self) -> list[Selection]:
        return [
            Selection(
                order_item_id=c.item,
                quantity=c.quantity,
                resolution=c.resolution,
                reason_code=c.reason or None,
                comment=c.comment,
                photo_path=c.photo,
                exchange_variant_id=c.variant if c.resolution == "exchange" else None,
            )
            for c in self.choices
        ]


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return timed_serializer(settings, SALT)


def dump(settings: Settings, draft: Draft) -> str:
    data = asdict(draft)
    data["choices"] = [asdict(c) for c in draft.choices]
    data["photos"] = {str(k): v for k, v in draft.photos.items()}
    return str(_serializer(settings).dumps(data))


def load(settings: Settings, token: str, order_id: int) -> Draft | None:
    """The draft in ``token`` when it is genuine, fresh and about ``order_id``; else None."""
    if not token:
        return None
    try:
        data = _serializer(settings).loads(token, max_age=MAX_AGE)
        draft = Draft(
            order=int(data["order"]),
            choices=tuple(Choice(**c) for c in data["choices"]),
            method=str(data["method"]),
            note=str(data["note"]),
            submission_key=str(data["submission_key"]),
            photos={int(k): str(v) for k, v in data["photos"].items()},
        )
    except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None
    return draft if draft.order == order_id else None
