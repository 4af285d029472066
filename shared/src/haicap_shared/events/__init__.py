"""The change feed: every change a service commits becomes a CloudEvent others can follow.

- :mod:`.catalogue`: the kinds of record a service publishes, and the CloudEvent model;
- :mod:`.tables`: the outbox (Debezium's shape plus a sequence), destinations, webhook tables;
- :mod:`.outbox`: events written by the audit trail in the changing transaction;
- :mod:`.feed`: ``GET /events`` (the pull feed, long-poll, area-filtered) and the event schemas;
- :mod:`.subscriptions`: the webhook subscriptions API;
- :mod:`.wiring`: how a service app gets all of it (``create_service_app(events=...)``).
"""
