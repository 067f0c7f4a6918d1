"""EmoFace Bridge service side, one subpackage per part of the architecture:

- :mod:`server.runtime`: the one pipeline every door calls (audio decoding, request options, streaming,
  the :class:`~server.runtime.animation.Animation` result, file formats, the shared inference workers);
- :mod:`server.grpc`: the ``emoface.v1`` gRPC service, its configuration, auth, metrics and Python client;
- :mod:`server.livelink` / :mod:`server.livelink_face`: Live Link to Unreal (TCP protocol, ARKit UDP);
- :mod:`server.bake` (batch baking), :mod:`server.preview` (preview video and plots);
- :mod:`server.cli`: the ``emoface`` console command.
"""
