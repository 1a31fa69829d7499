"""The one place that turns the verification service's records and domain values into protobuf:
replies (tasks.py, inspections.py, rosters.py, sharing.py) and event messages (events.py)."""
