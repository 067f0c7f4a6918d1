"""Offline batch baking of dialogue lines: ``emoface bake MANIFEST -o OUTDIR``.

Resumable (a content hash per line, a marker written after its outputs), incremental,
parallel on local processes or Ray actors, reproducible (per-line seeds).
"""
