"""Transfers of tasks between owners: one task passing to another agency on a date (phân cấp,
phân quyền, ủy quyền, taken over from a former district...), many tasks of one former owner at
once (all or nothing), their list and their statistics by mode and route.
"""
