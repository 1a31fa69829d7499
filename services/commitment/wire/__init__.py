"""The one place that turns the commitment service's records into protos: replies and events."""
