"""Post-processing of network output: smoothing, gains and clamping, blinks, gaze.

Each step is a small function or class over ``(frames, controls)`` arrays with its own
frozen options dataclass; random steps take an injected ``numpy.random.Generator`` and
generate forward in time, so a stream and a whole-clip call with one seed agree.
"""
from postfx.chain import PostFxChain, PostFxOptions
from postfx.gains import GainOptions
from postfx.gaze import GazeOptions
from postfx.blink.sampler import BlinkOptions
from postfx.smoothing import SmoothingOptions

__all__ = ["BlinkOptions", "GainOptions", "GazeOptions", "PostFxChain", "PostFxOptions", "SmoothingOptions"]
