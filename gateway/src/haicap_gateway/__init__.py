"""gateway: the only public entry, forwarding ``/api/v1/<service>/...`` to the services."""
