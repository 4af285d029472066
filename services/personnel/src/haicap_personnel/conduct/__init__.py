"""Yearly evaluations, commendations and discipline."""
