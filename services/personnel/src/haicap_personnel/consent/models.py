"""A person's consent to other agencies reading their dossier; the person's own view and the discrepancies they flag: tables."""
