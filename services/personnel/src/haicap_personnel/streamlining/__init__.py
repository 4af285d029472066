"""Streamlining cases (tinh giản biên chế), their steps, and the entitlement calculator with its versioned rule table."""
