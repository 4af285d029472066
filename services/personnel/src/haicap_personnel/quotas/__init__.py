"""Staffing quotas (biên chế) of agencies per year, with the ceiling a merged unit inherits from its former units."""
