"""The national sync's reports: overdue and rejected changes, the share synced on time, reconciliations."""
