"""The reports reporting serves: the province summary, the transition gaps and the commune profile.

Each report is composed (``summary``, ``gaps``, ``profile``) from sections read from the
other services; ``service`` checks the caller's area and reuses a kept report; ``access``
says who may read which; ``router`` answers in JSON, CSV or XLSX; ``schemas`` is the JSON.
"""
