"""Cost of the Live Link Face sink per frame: ``python -m server.livelink_face.bench [--frames N]``.

Times :meth:`LiveLinkFaceSink.on_frame` (map 174 -> 61 curves, encode, queue; what the hub's
sender thread pays) over N seeded random frames sent to a UDP socket on loopback, then counts
what the receiver got. Prints one line per figure.
"""
from __future__ import annotations

import argparse
import socket
import sys
import time

import numpy as np

from model.rig import rig
from server.livelink_face.sink import LiveLinkFaceSink


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=6000, help="frames to send (default %(default)s = 100 s at 60 fps)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    frames = np.random.default_rng(args.seed).uniform(rig().range_min, rig().range_max,
                                                      (args.frames, len(rig()))).astype(np.float32)  # (N, 174)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx:
        rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        rx.bind(("127.0.0.1", 0))
        rx.settimeout(0.5)
        sink = LiveLinkFaceSink("127.0.0.1", rx.getsockname()[1], max_queued_packets=args.frames + 1,
                                rest_on_end=False)
        sink.on_static("Bench", tuple(rig().ue_names), 60.0)
        sink.on_line_start("Bench", 1, time.time(), args.frames)
        start = time.perf_counter()
        for index, row in enumerate(frames):
            sink.on_frame("Bench", 1, index, index / 60.0, row)
        elapsed_s = time.perf_counter() - start
        sink.close()
        received = 0
        try:
            while received < args.frames:
                rx.recv(65536)
                received += 1
        except socket.timeout:
            pass
    print(f"on_frame (map + encode + queue): {elapsed_s / args.frames * 1e6:.1f} us per frame "
          f"({args.frames} frames, {100 * elapsed_s / args.frames * 60:.2f}% of real time at 60 fps)")
    print(f"sink stats: {sink.stats()}; received on loopback: {received}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
