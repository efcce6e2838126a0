"""Customer notifications: triggers → outbox → dispatcher → email / SMS, and back (receipts).

Modules: ``triggers`` (domain-event listener), ``schedule`` (quiet hours, limits),
``templates`` / ``context`` / ``phrases`` (what a message says), ``email`` and ``sms``
(channels), ``dispatcher`` (the outbox worker), ``devmailbox``, ``preferences`` and
``twilio_webhooks`` (web endpoints), ``links`` (signed links).
"""
