"""The checks of the task catalogue on a date (rõ người, rõ việc, rõ thẩm quyền): tasks held by
two owners, tasks without owner or legal basis, owners no longer in force, likely duplicates; and,
from the holders' statuses (``feasibility``), tasks that cannot be carried out and difficulties
left open too long.

It reads the catalogue (``tasks``) and writes nothing, so it owns no table.
"""
