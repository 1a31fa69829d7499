"""SQL of the credit service, one module per kind of thing stored."""
