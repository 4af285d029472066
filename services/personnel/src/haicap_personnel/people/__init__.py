"""People: the records of cadres, civil servants, public employees and workers (CBCCVC).

Their import from CSV or XLSX, and their recruitment from non-specialised commune work, too.
"""
