"""The commitment service's rules, with no I/O and no wire format: who may commit, what an item,
a letter and a notification must be, the public view, filing periods, fulfilment."""
