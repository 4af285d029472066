"""Job positions (vị trí việc làm) of agencies and their approval, step by step."""
