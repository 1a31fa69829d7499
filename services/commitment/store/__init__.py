"""All SQL of the commitment service, returning typed records."""
