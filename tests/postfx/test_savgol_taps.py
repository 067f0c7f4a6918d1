"""The Savitzky-Golay taps computed without scipy.signal are scipy's, for every window the options allow."""
from __future__ import annotations

import numpy as np
import pytest

from postfx.smoothing import savgol_taps


@pytest.mark.parametrize("window", [3, 5, 15, 31, 301])
def test_taps_equal_scipy_savgol_coeffs(window):
    from scipy.signal import savgol_coeffs

    for polyorder in range(0, min(window, 6)):
        for left in {0, window // 2, window - 1}:
            np.testing.assert_allclose(savgol_taps(window, polyorder, left),
                                       savgol_coeffs(window, polyorder, pos=left, use="dot"), rtol=0, atol=1e-12)
