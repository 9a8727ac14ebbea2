"""Running a counter PC as an appliance: install (system user, units, udev), backup and restore, schema guard.

Nothing here is imported by the daemon's hot paths; the CLI (`station ops …`, `station backup`, `station
restore`) and the daemon's start-up check (station.ops.schema) are the only callers.
"""
