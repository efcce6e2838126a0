"""Claims about parcels: opened by the customer from the tracking page, resolved by the shop
(reship, refund or rejection), told to the customer at each step (see docs/returns.md)."""
