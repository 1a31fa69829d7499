"""SQL of the credit service, one module per kind of thing stored; `stores.py` gathers them
for the handlers (`Stores`), `rows.py` reads rows into typed records."""
