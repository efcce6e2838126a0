"""Outgoing webhooks: domain events → signed HTTP POSTs to merchants' endpoints.

``topics`` (names and wildcards), ``signing`` (the ``Doorstep-Signature`` header and its
verification), ``listener`` (domain event → delivery rows, in the event's transaction),
``sender`` (claim, POST, retry with backoff), ``admin`` (endpoints), ``delivery_log``
(an endpoint's deliveries newest first, paged by (created_at, id); resend).
"""
