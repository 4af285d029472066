"""The organisation as linked open data.

JSON-LD (W3C ORG, Popolo, Dublin Core, PROV) of units, agencies, unit changes and lineage, and
the full export of a province as JSON-LD and N-Triples, streamed.
"""
