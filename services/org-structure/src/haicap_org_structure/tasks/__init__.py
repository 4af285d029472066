"""The catalogue of state-management tasks (nhiệm vụ quản lý nhà nước) of each province: what a
task is and on what legal basis, which agency leads it (and co-owns a shared one) from which date
to which, its import from the provinces' forms, and its statistics on a date.

Transfers between owners (``transfers``) and the checks of the catalogue (``findings``) are
domains of their own, built on this one.
"""
