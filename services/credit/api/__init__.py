"""gRPC handlers of the credit service: handler sets joined into one servicer per proto service
(servicers.py), all built from one Deps (deps.py)."""
