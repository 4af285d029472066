"""Allocations of assets to holders over time (one open allocation per asset).

Also the car norm checked when a commune receives a car, and the hand-over of former units'
assets on a merger.
"""
