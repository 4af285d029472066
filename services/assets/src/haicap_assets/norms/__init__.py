"""Car norms per commune under Decree 153/2025/NĐ-CP: one norm in force on any date, with the price cap of each kind of car."""
