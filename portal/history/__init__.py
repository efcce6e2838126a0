"""History that grows for years: monthly partitions on PostgreSQL and per-merchant retention.

:mod:`~portal.history.partitions` keeps ``tracking_event``, ``domain_event``,
``outbox_message`` and ``webhook_delivery`` partitioned by month (created ahead by the
worker), :mod:`~portal.history.convert` turns the plain tables of migration 0020 into
partitioned ones (migration 0023), and :mod:`~portal.history.retention` forgets what each
merchant's ``history_retention_months`` no longer covers: whole partitions on
PostgreSQL, rows by ``DELETE`` on SQLite.
"""
