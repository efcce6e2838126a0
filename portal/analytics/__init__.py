"""Merchant analytics: delivery, returns and satisfaction figures aggregated in SQL, the
tables the screens and CSV exports show, and the inline SVG charts drawn from them."""
