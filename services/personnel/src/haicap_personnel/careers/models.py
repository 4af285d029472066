"""Career events with their decisions and documents; a person's history: tables."""
