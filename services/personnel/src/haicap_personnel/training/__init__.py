"""Training records (bồi dưỡng): the courses a person took, with their hours and result."""
