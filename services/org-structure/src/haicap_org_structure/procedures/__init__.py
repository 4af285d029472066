"""The catalogue of administrative procedures (thủ tục hành chính).

Each procedure: its code in the national procedure database, name, sector, the level that handles
it over time (dated, with its basis: the procedures moved from district to commune on
2025-07-01), the agency in charge, the statutory processing time in working days; and the tasks
a procedure carries out.
"""
