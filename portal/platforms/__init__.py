"""Store platforms: a shop's orders, products and fulfilments flow in, tracking flows back.

One module per platform (:mod:`~portal.platforms.shopify`,
:mod:`~portal.platforms.woocommerce`, :mod:`~portal.platforms.prestashop`,
:mod:`~portal.platforms.baselinker`) speaks its API
and turns its JSON into the records of :mod:`~portal.platforms.base`; the rest is shared:
:mod:`~portal.platforms.connections` (connect, credentials, pause),
:mod:`~portal.platforms.sync` (idempotent upserts), :mod:`~portal.platforms.backfill`
(backfill and reconciliation), :mod:`~portal.platforms.webhooks` (verified inbound
webhooks) and :mod:`~portal.platforms.writeback` (the queue of writes back to the store).
See docs/platforms.md.
"""
