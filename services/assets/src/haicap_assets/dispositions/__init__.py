"""Disposition plans for surplus assets and their workflow, from proposal to approval and execution.

The forms of handling follow their order of priority under Decree 186/2025/NĐ-CP.
"""
