"""gRPC servicers of the credit service, one per proto service."""
