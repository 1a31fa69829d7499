"""Credit rules with no I/O. The numbers live in rule sets (services/credit/rules/*.json, loaded
into the database); these modules only know how to read and apply them."""
