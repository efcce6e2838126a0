"""The tracking engine: polling sweeps, carrier pushes and on-demand refreshes.

All three feed one ingest path (:mod:`portal.tracking.ingest`), which writes events, the
shipment's new picture and its domain events in one transaction. Scheduling is pure
(:mod:`portal.tracking.cadence`); everything shared between processes lives in the
database as leases and conditional updates.
"""
