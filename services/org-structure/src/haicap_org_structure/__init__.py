"""org-structure: administrative units, their reorganisations and lineage."""
