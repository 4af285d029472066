"""Statistics of personnel records for any date, computed in SQL.

Qualifications, headcount against quotas, suitability, gaps, and streamlining cases and amounts.
"""
