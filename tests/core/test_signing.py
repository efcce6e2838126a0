"""Integer-id tokens made without the serializer are the serializer's own tokens."""

from __future__ import annotations

import pytest

from portal.core.signing import IdTokens, id_tokens, serializer
from tests.notifications.helpers import make_settings


@pytest.mark.parametrize("value", [0, 1, 7, 42, 999, 123_456, 10**12, 10**18, 2**62, 2**63 - 1])
def test_an_id_token_is_the_serializers_token(value: int) -> None:
    settings = make_settings()
    made = id_tokens(settings, "notification-preferences").dumps(value)
    assert made == serializer(settings, "notification-preferences").dumps(value)
    assert serializer(settings, "notification-preferences").loads(made) == value


def test_it_signs_with_the_current_key_during_a_rotation() -> None:
    keys = ("old-" + "o" * 40, "new-" + "n" * 40)
    made = IdTokens(keys, "some-salt").dumps(31)
    from itsdangerous import URLSafeSerializer

    assert made == URLSafeSerializer(list(keys), salt="some-salt").dumps(31)
    assert URLSafeSerializer([keys[1]], salt="some-salt").loads(made) == 31
    with pytest.raises(Exception, match="Signature"):
        URLSafeSerializer([keys[0]], salt="some-salt").loads(made)
