"""EmoFace Bridge service side: audio decoding, the pipeline, file formats, the CLI,
the gRPC service and its client."""
