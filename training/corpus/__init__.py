"""The speech corpus factory: text with phonetic coverage, TTS with exact phone timings,
augmentation, and an on-disk, resumable corpus (``emoface corpus build``)."""
