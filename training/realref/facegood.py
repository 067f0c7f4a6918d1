"""FACEGOOD artist-solved takes (``bs_value_<take>.npy`` at 30 fps + ``<take>.wav``): the mouth-opening channel.

Two name files give the 116 channels in different orders (``shirley_1119`` moves ``tongue_Scale_X`` to the
end, shifting 111 names by one). The value files follow ``shirley_1015``: under that order every left/right
pair (``*_l`` / ``*_r``) that moves is nearly identical, as a symmetric solve gives; under the other order the
same columns pair unrelated names (:func:`symmetric_pairs` measures it).

No channel is called jaw open. ``mouth_stretch_c`` (FACS AU27, mouth stretch: the jaw dropped) is the one that
follows the voice: of all 116 channels it correlates best with the frame level of the audio (r 0.50 on average
over the 7 takes, the next 0.21), and it sits near 0 in pauses (mean 0.03) against 0.17 in speech.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.constants import FPS, frame_count
from model.errors import InputError
from server.runtime.audio_io import decode_file
from training.realref.lag import pearson, resample

FACEGOOD_FPS = 30.0
NAME_FILE = "shirley_1015_bs_name.npy"
"""The name order the value files use (see the module docstring)."""
OTHER_NAME_FILE = "shirley_1119_bs_name.npy"
MOUTH_OPEN = "mouth_stretch_c"


@dataclass
class FacegoodTake:
    """audio: 16 kHz mono; values: ``(N, 116)`` at 30 fps; names: channel names; mouth: ``(T,)`` mouth
    opening resampled to 60 fps on the audio's clock."""

    name: str
    audio: np.ndarray
    values: np.ndarray
    names: list[str]
    mouth: np.ndarray


def channel_names(folder: str | Path, name_file: str = NAME_FILE) -> list[str]:
    """Channel names from a Python 2 pickled name file."""
    path = Path(folder) / name_file
    if not path.is_file():
        raise InputError(f"{path} is missing (FACEGOOD channel names)")
    with warnings.catch_warnings():  # numpy asks to re-save Python 2 files; they are read-only data here
        warnings.simplefilter("ignore", UserWarning)
        return [str(n) for n in np.load(path, allow_pickle=True, encoding="latin1")]


def symmetric_pairs(values: np.ndarray, names: list[str], min_std: float = 1e-3) -> tuple[int, int]:
    """``(pairs whose left and right columns correlate above 0.9, pairs that move)`` under a name order."""
    index = {n: k for k, n in enumerate(names)}
    agree = moving = 0
    for name, k in index.items():
        if name.endswith("_l") and name[:-2] + "_r" in index:
            left, right = values[:, k], values[:, index[name[:-2] + "_r"]]
            if left.std() > min_std and right.std() > min_std:
                moving += 1
                agree += pearson(left, right) > 0.9
    return agree, moving


def read_take(folder: str | Path, take: str, names: list[str] | None = None) -> FacegoodTake:
    """One take: ``<take>.wav`` and ``bs_value_<take>.npy``."""
    root = Path(folder)
    names = names or channel_names(root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        values = np.load(root / f"bs_value_{take}.npy", allow_pickle=False)
    if values.ndim != 2 or values.shape[1] != len(names):
        raise InputError(f"bs_value_{take}.npy: expected (frames, {len(names)}), got {values.shape}")
    audio = decode_file(root / f"{take}.wav")
    mouth = resample(values[:, names.index(MOUTH_OPEN)], FACEGOOD_FPS, FPS, frame_count(len(audio)))
    return FacegoodTake(take, audio, values, names, mouth)


def read_folder(folder: str | Path) -> list[FacegoodTake]:
    """Every take of a FACEGOOD folder (``bs_value_*.npy`` with a matching ``.wav``), sorted by name."""
    root = Path(folder)
    takes = sorted(p.stem[len("bs_value_"):] for p in root.glob("bs_value_*.npy"))
    takes = [t for t in takes if (root / f"{t}.wav").is_file()]
    if not takes:
        raise InputError(f"{root} has no bs_value_<take>.npy with a matching <take>.wav")
    names = channel_names(root)
    return [read_take(root, t, names) for t in takes]
