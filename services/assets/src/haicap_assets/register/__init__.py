"""The asset register: premises, cars and equipment, where each stands, who holds it and its history.

Also the import of assets from the inventory form, and the asset-area rules every domain uses.
"""
