"""Generated protobuf stubs; never edit."""
