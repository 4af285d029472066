"""Statistics on any date, counted in SQL in the caller's area.

Holdings by level, unit or holder; plans by form and step; cars against the norm; the merger's
gaps; values by status.
"""
