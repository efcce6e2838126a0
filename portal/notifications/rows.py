"""How the dispatcher names outbox rows: by id **and** ``created_at``, in one place.

``outbox_message`` is partitioned by month on PostgreSQL; :mod:`portal.row_keys` says
why a statement must name its rows by the whole key (measured on the outbox: the pass's
load of 100 messages by id alone 25–45 ms, an outcome's ``UPDATE`` 0.6 ms).

- :func:`this`: one message's row (ORM), for the rare single-row writes;
- :func:`among`: a batch of rows (ORM), ids bounded by their ``created_at`` range;
- :func:`matching`: a batch for plain SQL on PostgreSQL, as (id, created_at) pairs.
"""

from __future__ import annotations

from portal.models import OutboxMessage
from portal.row_keys import Key, RowKeys

__all__ = ["Key", "among", "key", "keys", "matching", "this"]

_ROWS = RowKeys(OutboxMessage)

key = _ROWS.key
keys = _ROWS.keys
this = _ROWS.this
among = _ROWS.among
matching = _ROWS.matching
