"""Test helpers shared by every test package: the ``emoface`` command (in this process or a real one), a tiny
model config and test audio."""
from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess as _subprocess
import sys
import traceback
import warnings

import numpy as np
import soundfile as sf
import torch

from model.config import EmoFaceConfig
from model.constants import SAMPLE_RATE_HZ

EMOFACE = [sys.executable, "-m", "server.cli"]
"""The ``emoface`` command as a process in the interpreter running the tests (no venv layout assumed): for
``emoface(..., subprocess=True)`` and for processes a test signals or kills (``serve``, a bake to be killed)."""

# Python's default warning filters, as a fresh ``python`` process starts with them (pytest installs its own).
_FRESH_PROCESS_WARNINGS = [("default", DeprecationWarning, "__main__"), ("ignore", DeprecationWarning, ""),
                           ("ignore", PendingDeprecationWarning, ""), ("ignore", ImportWarning, ""),
                           ("ignore", ResourceWarning, "")]


def emoface(*args, subprocess: bool = False, timeout_s: float = 300, cwd=None, env: dict | None = None,
            input: str | None = None) -> _subprocess.CompletedProcess:
    """Run ``emoface ARGS...`` and capture its text output, exit code, stdout and stderr.

    By default the command runs **in this process** (``server.cli.main.main(argv)``): no interpreter
    start-up or imports per call (1 to 1.5 s each measured on 2 busy cores, more cold). It behaves like
    the process would where a test can tell: stdout and stderr are whatever ``sys.stdout``/``sys.stderr``
    receive during the call (tqdm, logging and argparse write there at call time), the exit code comes
    from ``main``'s return value or ``SystemExit`` (argparse's usage errors are 2, a string code is printed
    and is 1), an uncaught exception is a traceback on stderr and code 1, ``cwd`` is entered and left,
    ``env`` replaces the environment for the call as it would for a process (and any change the command
    makes to ``os.environ`` is undone), and the logging configuration, torch's thread count, ``sys.argv``
    and the warning filters are put back afterwards. ``timeout_s`` and ``input`` only apply to a subprocess.

    ``subprocess=True`` starts a real process (``python -m server.cli``) instead; use it where the process
    itself is under test: start-up and imports, signals, process death, the console entry point, pipes.
    """
    argv = [str(a) for a in args]
    if subprocess:
        return _subprocess.run([*EMOFACE, *argv], capture_output=True, text=True, timeout=timeout_s, cwd=cwd,
                               env=env, input=input)
    if input is not None:
        raise ValueError("stdin is only given to a real process: pass subprocess=True")
    return _run_in_process(argv, cwd, env)


class _Capture(io.StringIO):
    """A captured stream the command may close (``sys.stderr.close()`` on a broken pipe) and still be read."""

    def close(self) -> None:
        pass


def _run_in_process(argv: list[str], cwd, env: dict | None) -> _subprocess.CompletedProcess:
    from server.cli.main import main

    out, err = _Capture(), _Capture()
    with _process_state(argv, cwd, env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse errors and --help, sys.exit in a command
            code = exc.code
            if code is not None and not isinstance(code, int):
                print(code, file=sys.stderr)
                code = 1
        except Exception:  # what the interpreter does with an uncaught exception
            traceback.print_exc()
            code = 1
    return _subprocess.CompletedProcess([*EMOFACE, *argv], code or 0, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _process_state(argv: list[str], cwd, env: dict | None):
    """Give the command what a fresh process would have, and put back everything it changes."""
    saved_environ, saved_cwd, saved_argv = dict(os.environ), os.getcwd(), sys.argv
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    torch_threads = torch.get_num_threads()  # `--threads N` sets it for the whole process
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        sys.argv = ["emoface", *argv]
        root.handlers = []  # so the command's logging.basicConfig takes effect (pytest adds its own handlers)
        with warnings.catch_warnings():
            warnings.resetwarnings()
            for action, category, module in reversed(_FRESH_PROCESS_WARNINGS):
                warnings.filterwarnings(action, category=category, module=module)
            warnings.showwarning = _show_warning
            yield
    finally:
        for handler in root.handlers:
            if handler not in saved_handlers:
                handler.close()
        root.handlers, root.level = saved_handlers, saved_level
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_environ)
        torch.set_num_threads(torch_threads)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print a warning to the stderr of the moment, as a process's default ``showwarning`` does."""
    print(warnings.formatwarning(message, category, filename, lineno, line), file=file or sys.stderr, end="")


TINY_CONFIG = EmoFaceConfig(name="tiny-test", audio_encoder="whisper", audio_width=64, audio_layers=1, audio_heads=2,
                            audio_ffn=128, d_model=32, num_layers=2, num_heads=2, ffn_dim=64, dropout=0.0,
                            emotion_embed_dim=16, window_s=4.0, overlap_s=1.0)


def make_tiny_model(config: EmoFaceConfig = TINY_CONFIG, seed: int = 0):
    """A random tiny network whose output layer is not zero, so outputs depend on inputs."""
    from model.checkpoint import new_model

    model = new_model(config, pretrained_encoder=False, seed=seed)
    with torch.no_grad():
        model.out_fn.weight.normal_(0.0, 0.2, generator=torch.Generator().manual_seed(seed))
    return model


def speechlike(duration_s: float, sample_rate_hz: int = SAMPLE_RATE_HZ, seed: int = 0) -> np.ndarray:
    """Deterministic speech-like test audio: voiced bursts with a moving pitch, float32 mono."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * sample_rate_hz)) / sample_rate_hz
    f0 = 120 + 30 * np.sin(2 * np.pi * 0.7 * t)
    voiced = np.sin(2 * np.pi * np.cumsum(f0) / sample_rate_hz) + 0.5 * np.sin(4 * np.pi * np.cumsum(f0) / sample_rate_hz)
    envelope = (np.sin(2 * np.pi * 3.0 * t) > -0.2).astype(float) * (0.5 + 0.5 * np.sin(2 * np.pi * 0.5 * t) ** 2)
    return (0.3 * voiced * envelope + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


def encode_audio(samples: np.ndarray, sample_rate_hz: int, fmt: str = "WAV", subtype: str | None = None) -> bytes:
    """Encode samples ((n,) or (n, ch)) into WAV/FLAC/OGG bytes."""
    buf = io.BytesIO()
    sf.write(buf, samples, sample_rate_hz, format=fmt, subtype=subtype)
    return buf.getvalue()


HELLO = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "docs", "samples", "hello.wav")
"""A permitted speech fixture (docs/samples/hello.wav)."""


def hello() -> np.ndarray:
    """docs/samples/hello.wav at 16 kHz mono float32."""
    from scipy.signal import resample_poly

    x, sr = sf.read(HELLO, dtype="float32")
    assert x.ndim == 1
    g = np.gcd(sr, SAMPLE_RATE_HZ)
    return resample_poly(x, SAMPLE_RATE_HZ // g, sr // g).astype(np.float32)


def burst(on_frame: int, off_frame: int, n_frames: int, dbfs: float = -20.0, hz: float = 220.0) -> np.ndarray:
    """Zeros with a sine at ``dbfs`` RMS filling output frames ``[on_frame, off_frame)`` exactly (speech gate tests)."""
    from postfx.vad import frame_bounds

    x = np.zeros(frame_bounds(n_frames - 1)[1], np.float32)
    a, b = frame_bounds(on_frame)[0], frame_bounds(off_frame)[0]
    t = np.arange(b - a) / SAMPLE_RATE_HZ
    x[a:b] = np.sqrt(2) * 10 ** (dbfs / 20) * np.sin(2 * np.pi * hz * t)
    return x
