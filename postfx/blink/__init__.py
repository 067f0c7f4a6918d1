"""Blinks: the log-normal sampler (synthesis) and the EAR + SVM detector (measurement).

The detector pulls in heavier optional dependencies, so it is imported lazily:
``from postfx.blink import BlinkDetector`` works, ``import postfx.blink`` stays cheap.
"""
from postfx.blink.sampler import BlinkOptions, BlinkTrack, blink_multiplier

__all__ = ["BlinkDetector", "BlinkOptions", "BlinkTrack", "blink_multiplier"]


def __getattr__(name: str):
    if name == "BlinkDetector":
        from postfx.blink.detector import BlinkDetector

        return BlinkDetector
    raise AttributeError(name)
