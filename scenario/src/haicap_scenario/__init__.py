"""The demo scenario: a province's agencies, tasks, people and assets, loaded through the APIs."""
