"""haicap_reporting: province and commune summaries composed from the other services."""
