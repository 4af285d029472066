"""org-structure: administrative units and their reorganisations, agencies and their decisions, and the task catalogue."""
