"""The ``emoface.v1`` gRPC service: server assembly (``app``), the servicer, protobuf conversions,
configuration, bearer-token auth, metrics, the Python client and the generated stubs (``api``)."""
