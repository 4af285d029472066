"""The national sync: each dossier change verified by the province, then sent to the national cadre database."""
