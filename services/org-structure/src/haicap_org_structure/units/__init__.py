"""Administrative units (đơn vị hành chính) and their changes (sắp xếp đơn vị hành chính)."""
