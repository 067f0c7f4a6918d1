"""Gather the real human speech that ships in pocketsphinx's source distribution into a folder
that ``emoface corpus import`` reads (``NAME.wav`` + ``NAME.txt`` transcripts).

The recordings: five LibriVox clips (public domain; one adult reader, 24.7 s), the five
"cards" test utterances (another speaker, 5.7 s) and "go forward ten meters" (2.8 s).
Nothing is downloaded here; fetch the sdist first (see docs/training.md, "Real speech").

    python bench/real_speech.py pocketsphinx-5.1.1 real_speech
    emoface corpus import real_speech --out real_corpus --split val
    emoface evaluate --corpus real_corpus --reference-corpus corpus --voice recording
"""
from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import numpy as np
import soundfile as sf


def gather(sdist: Path, out: Path) -> int:
    data = sdist / "test" / "data"
    if not data.is_dir():
        raise SystemExit(f"{sdist} is not an extracted pocketsphinx source tree (no test/data)")
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for wav in sorted((data / "librivox").glob("*.wav")):
        shutil.copy(wav, out / wav.name)
        shutil.copy(wav.with_suffix(".txt"), out / f"{wav.stem}.txt")
        n += 1
    for line in (data / "cards" / "cards.transcription").read_text().splitlines():
        m = re.match(r"<s>(.*)</s>\s*\((\d+)\)", line.strip())
        if m:
            shutil.copy(data / "cards" / f"{m.group(2)}.wav", out / f"cards_{m.group(2)}.wav")
            (out / f"cards_{m.group(2)}.txt").write_text(m.group(1).strip() + "\n")
            n += 1
    raw = np.fromfile(data / "goforward.raw", dtype="<i2")  # 16 kHz mono s16le
    sf.write(out / "goforward.wav", raw, 16000, subtype="PCM_16")
    (out / "goforward.txt").write_text("go forward ten meters\n")
    return n + 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sdist", type=Path, help="extracted pocketsphinx-5.1.1 source folder")
    ap.add_argument("out", type=Path, help="folder for NAME.wav + NAME.txt pairs")
    print(f"wrote {gather(**vars(ap.parse_args()))} recordings")


if __name__ == "__main__":
    main()
