"""The runtime core every entry point shares: audio in, the pipeline, streaming, options, the
:class:`~server.runtime.animation.Animation` result and its file formats."""
