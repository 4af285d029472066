"""Career events (recruitment, appointment, transfer... retirement) with their decisions and documents; a person's history."""
