"""The exchange adapters: how a batch of records leaves haicap for a platform outside it.

Shared by personnel's national sync (dossier changes to the national cadre database) and the
procedure dossiers' push to the provincial one-stop system (:mod:`haicap_shared.procedures.worker`).

- :mod:`.outcomes`: what a send gives (a :class:`~.outcomes.Result` per record id, the
  :class:`~.outcomes.Exchange` log lines), the :class:`~.outcomes.Adapter` protocol, the back-off;
- :mod:`.settings`: the settings every sender shares (:class:`~.settings.ExchangeSettings`);
- :mod:`.adapters`: ``lgsp`` and ``ndxp`` (a bearer token, then JSON POSTs), ``file`` (a signed
  JSON-lines batch file for manual upload), and :func:`~.adapters.make_adapter`;
- :mod:`.one_stop`: ``one-stop`` (the provincial procedure systems' ``/auth`` session and
  ``/integration`` envelope).
- :mod:`.worker`: the :class:`~.worker.PollingWorker` loop both senders run, and its
  serve-until-SIGTERM entry point.

A record is a JSON object carrying its own id under the sender's key (``change_id`` for the
dossier sync, ``step_id`` for the one-stop push); every result is keyed by that id.
"""
