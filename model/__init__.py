"""EmoFace model package: constants, rig schema, emotion tracks, the network and checkpoints.

Pure PyTorch and NumPy; no network access. The package itself exports only the numbers
every layer shares (and imports no torch); import the submodules for the rest
(``model.emotion``, ``model.checkpoint``, ...).
"""
from model.constants import EMOTIONS, FPS, SAMPLE_RATE_HZ, frame_count

__all__ = ["EMOTIONS", "FPS", "SAMPLE_RATE_HZ", "frame_count"]
