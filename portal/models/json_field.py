"""The models' JSON columns, encoded by the standard library's ``json``.

Tortoise encodes JSON fields with ``orjson`` whenever it is installed, and the store sync
installs it (``portal/core/rows.py``). ``orjson`` refuses what ``json`` writes: integers
beyond 64 bits and strings holding lone surrogates, both of which a client may send in a
free-form object (an order item's ``variant_options``), so the API would answer 500 where
it stored the value before. The columns keep the encoding they have always had; the
backfill's bulk rows use ``orjson`` where it was measured to matter.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from tortoise import fields

#: What Tortoise wrote before ``orjson`` was installed: compact, ASCII-escaped.
_dumps = functools.partial(json.dumps, separators=(",", ":"))


def json_field(**kwargs: Any) -> Any:
    """``fields.JSONField(**kwargs)`` with the standard library's encoder and decoder."""
    return fields.JSONField(encoder=_dumps, decoder=json.loads, **kwargs)
