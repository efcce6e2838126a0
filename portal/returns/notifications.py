"""Return state changes -> customer messages and return.* webhooks (listeners)."""

from __future__ import annotations
