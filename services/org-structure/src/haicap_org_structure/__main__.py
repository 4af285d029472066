"""``python -m haicap_org_structure``: the ``haicap-org`` command."""

from .cli import main

raise SystemExit(main())
