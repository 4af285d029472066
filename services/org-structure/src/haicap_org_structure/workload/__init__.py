"""The workload of communes and agencies on a date: the tasks their agencies hold (lead, shared, in
all), and the same counted on a baseline date over the communes they came from (unit lineage).

It reads the catalogue (``tasks``), the agencies and the units' lineage and writes nothing, so it
owns no table.
"""
