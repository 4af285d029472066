"""The change feed: every change a service commits becomes a CloudEvent others can follow.

- :mod:`.catalogue`: the kinds of record a service publishes, and the CloudEvent model;
- :mod:`.tables`: the outbox (Debezium's shape plus a sequence), destinations, webhook tables;
- :mod:`.outbox`: events written by the audit trail in the changing transaction;
- :mod:`.repository`: every query of the outbox (events after a cursor, the newest sequence, pruning);
- :mod:`.feed`: ``GET /events`` (the pull feed, long-poll, area-filtered), ``/events/latest``,
  ``/events/types`` and ``/events/schemas/{type}``; its bodies in :mod:`.schemas`;
- :mod:`.dataschemas`: the JSON Schema of each event type (an event's ``dataschema``), and the
  event types in the app's OpenAPI (``webhooks``);
- :mod:`.retention`: events older than ``HAICAP_EVENTS_RETENTION_DAYS`` deleted, the feed's floor raised;
- :mod:`.settings`: ``EventSettings`` (``HAICAP_EVENTS_*``), retention and the relay's settings;
- :mod:`.subscriptions`: the webhook subscriptions API;
- :mod:`.relay`: the relay process (``haicap-<service> relay``) delivering the outbox to webhooks
  and NATS under leases; :mod:`.destinations` its queries (and the subscriptions API's);
- :mod:`.webhooks`: Standard Webhooks signing, the SSRF guard, one delivery, and a receiver's
  :func:`~.webhooks.verify_delivery`; :mod:`.jetstream`: publishing to NATS JetStream;
- :mod:`.monitoring`: the relay's lag per destination (``/readyz``, ``/metrics``);
- :mod:`.wiring`: how a service app gets all of it (``create_service_app(events=...)``).
"""
