"""A real UDP receiver on loopback that collects datagrams on a thread."""
from __future__ import annotations

import socket
import threading
import time

import pytest


class UdpReceiver:
    """Binds 127.0.0.1 on a free port; ``packets`` holds every datagram received, in order."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.packets: list[bytes] = []
        self.arrival_s: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            self.arrival_s.append(time.monotonic())
            self.packets.append(data)

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[bytes]:
        deadline = time.monotonic() + timeout_s
        while len(self.packets) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # let any unexpected extra datagram arrive too
        return list(self.packets)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1.0)
        self.sock.close()


@pytest.fixture
def receiver():
    r = UdpReceiver()
    yield r
    r.close()
