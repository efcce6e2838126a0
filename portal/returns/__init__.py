"""Returns and exchanges: policy evaluation, the state machine, requests, exchanges, labels.

The domain core only; the customer flow and the merchant queue are built on top of it.
"""
