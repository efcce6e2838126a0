"""The short survey link of a text message: ``/s/<survey id>.<mac>``.

The invitation's own link carries a random 43-character token (only its SHA-256 is
stored), which with the portal's address is about 70 characters: in a Polish or Bulgarian
SMS that is half of the two segments' 134 UCS-2 characters. An SMS or WhatsApp invitation
(:data:`portal.notifications.composer.SHORT_LINK_CHANNELS`) carries this form instead: the
survey's id in base 36 and a truncated HMAC of it (:mod:`portal.core.short_tokens`, 14
characters), so the link is the portal's address plus about 20 characters. It opens the
same page (``/s/{token}``: a random token never holds a ``.``) and expires with the survey
(``Survey.expires_at``), as the long one does; long links already sent keep working.
"""

from __future__ import annotations

import re

from portal.core import short_tokens
from portal.settings import Settings

PURPOSE = "survey-sms"
#: ``<id, base 36>.<mac>``; a random token (base64url) never contains a dot.
SHAPE = re.compile(rf"([0-9a-z]{{1,13}})\.([A-Za-z0-9_-]{{{short_tokens.MAC_LENGTH}}})")


def token(settings: Settings, survey_id: int) -> str:
    return f"{short_tokens.base36(survey_id)}.{short_tokens.mac(settings, PURPOSE, survey_id)}"


def read(settings: Settings, candidate: str) -> int | None:
    """The survey id a short token names, or None when it is not one or not genuine."""
    found = SHAPE.fullmatch(candidate)
    if found is None:
        return None
    survey_id = short_tokens.from_base36(found[1])
    if survey_id is None or not short_tokens.is_valid(settings, PURPOSE, found[2], survey_id):
        return None
    return survey_id
