"""Administrative-procedure dossiers (hồ sơ thủ tục hành chính) kept by the services whose workflows are procedures.

A workflow of personnel (a job-position appraisal, a streamlining case, a commendation proposal)
or of assets (a disposition approval) that is an administrative procedure carries the procedure
code of the national procedure database (mã TTHC, read from org-structure's catalogue) and the
dossier code (mã hồ sơ) the provincial one-stop system received it under. Its dossier lives in
the same database as the workflow: each status change of the workflow appends a step to the
dossier in the same transaction, and a worker (:mod:`.worker`) pushes the steps, in order, to the
provincial one-stop system through the exchange adapters (:mod:`haicap_shared.exchange`), mapped
to the progress update shape of the provincial procedure systems (:mod:`.one_stop`).

- :mod:`.tables`: the three tables (dossier, step, exchange log);
- :mod:`.status`: the statuses and the moves between them;
- :mod:`.service` and :mod:`.repository`: opening a dossier, appending a step, the due date on
  the Vietnamese working-day calendar, the statistics by procedure and commune;
- :mod:`.workflow`: what a workflow's service calls (a step while its record's dossier is open,
  a proposal's dossier taken over by the record it led to, the summaries on its responses);
- :mod:`.catalogue`: org-structure's procedure catalogue, read through the gateway;
- :mod:`.router` and :mod:`.wiring`: the ``/procedure-dossiers`` routes a service installs;
- :mod:`.one_stop`, :mod:`.settings`, :mod:`.worker`: the push to the one-stop system.
"""
