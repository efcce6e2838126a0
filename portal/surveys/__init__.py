"""Outcome-aware surveys: what to ask, when to ask it, how answers are kept and scored.

``outcomes`` and ``scores`` are pure; ``scheduling`` creates surveys and their outbox
messages; ``answers`` takes what a customer answers through the survey link; ``analytics``
aggregates answers and delivery metrics in SQL.
"""
