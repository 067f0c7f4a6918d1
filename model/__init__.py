"""EmoFace model package: constants, rig schema, emotion tracks, the network and checkpoints.

Pure PyTorch and NumPy; no network access. Public names are re-exported lazily so
that importing :mod:`model` does not import torch.
"""
from model.constants import EMOTIONS, FPS, SAMPLE_RATE_HZ, frame_count

__all__ = ["EMOTIONS", "FPS", "SAMPLE_RATE_HZ", "frame_count"]
