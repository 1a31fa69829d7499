"""The commitment service's servicers: thin handlers that parse a request, ask the domain, use the
stores and answer."""
