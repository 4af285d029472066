"""State-management tasks (nhiệm vụ quản lý nhà nước), their owners over time and transfers."""
