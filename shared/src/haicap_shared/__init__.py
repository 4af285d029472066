"""haicap's shared library: what every service stands on."""
