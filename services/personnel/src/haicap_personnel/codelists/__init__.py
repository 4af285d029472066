"""Official code lists (danh mục dùng chung) as versioned reference data: ethnicities, religions, grades, titles, forms."""
