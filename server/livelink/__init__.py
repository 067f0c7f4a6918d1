"""Live Link wire protocol 1.0 (``docs/livelink_protocol.md``): codec, subject hub, TCP server, client."""
