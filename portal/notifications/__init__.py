"""Customer notifications: family → composer → outbox → dispatcher → channel, and back.

Modules: ``composer`` (the one pipeline every message family goes through), ``shipments``
(the shipment family) and ``triggers`` (its domain-event listener), ``schedule`` and
``outbox`` (quiet hours, limits, the row), ``templates`` / ``context`` / ``phrases`` /
``checking`` (what a message says), ``email`` and ``sms`` (channels), ``dispatcher`` (the
outbox worker), ``devmailbox``, ``preferences`` and ``twilio_webhooks`` (web endpoints),
``links`` (signed links). See docs/notifications.md.
"""
