"""The customer-facing tracking pages: lookup tiers, presentation, live status, branding."""
