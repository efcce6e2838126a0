"""DPD Romania's operation and exception codes: the platform's, shared with Speedy.

DPD Romania's documentation (https://api.dpd.ro/web-api.html, "Appendix 1 - Track And
Trace Operation Codes" and "Appendix 2") lists the codes Speedy's does; one table serves
both, kept in :mod:`carriers.speedy.codes`.
"""

from __future__ import annotations

from carriers.speedy.codes import CODES, EXCEPTION_REASONS, classify

__all__ = ["CODES", "EXCEPTION_REASONS", "classify"]
