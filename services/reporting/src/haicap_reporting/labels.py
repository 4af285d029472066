"""Vietnamese labels and number formats used in every report."""

LEVELS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
COUNT = "#,##0"
SHARE = "0.0%"
MONEY = "#,##0"
