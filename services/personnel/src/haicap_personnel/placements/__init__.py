"""Placements: people in job positions over time, with their suitability.

First placements in batches, bulk re-placement after a merger, and recruitment into a position.
"""
