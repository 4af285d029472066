"""dispositions."""
