"""People: the records of cadres, civil servants, public employees and workers (CBCCVC).

A person is the electronic dossier's first group of fields a province keeps (Decree 27/2026/NĐ-CP):
identity, record number, places of birth and home town as dated unit codes, residence, ethnicity
and religion as codes; their family members; their import from CSV or XLSX, and their recruitment
from non-specialised commune work, too.
"""
