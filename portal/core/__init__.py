"""The neutral floor: helpers every other package may use, which import no page or API package.

``signing`` (the key list behind every signed token), ``links`` (signed links in messages and
pages), ``phones`` (E.164), ``timezones`` (recipient zones, quiet hours), ``images`` (upload
checks), ``payloads`` (the public JSON of orders and shipments, shared by the API and outgoing
webhooks) and ``rate_limit`` (the one limiter, counted in the database). Modules here may import
``portal.models``, ``portal.settings`` and libraries, nothing above them; a test keeps it so.
"""
