"""`chengnuo demo`: the whole system at work in two minutes, narrated."""
