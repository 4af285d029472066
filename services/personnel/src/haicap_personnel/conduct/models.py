"""Yearly evaluations, commendations and discipline: tables."""
