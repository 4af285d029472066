"""Task feasibility: the dated status of each task as its holding agency carries it out (normally,
with difficulties, not yet), the reasons and proposals, the province's answers, their statistics."""
