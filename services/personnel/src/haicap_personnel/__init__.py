"""haicap_personnel: cadres, civil servants and public employees, their positions and placements."""
