"""A small asyncio HTTP/1.1 keep-alive load driver: cheap on CPU, so it leaves the two cores to
the server, and it times every request."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from urllib.parse import urlsplit


class Connection:
    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        if not status_line:  # the server closed the keep-alive connection: reconnect once
            await self.open()
            self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.writer = None
        return status, payload


async def drive(base_url: str, concurrency: int, seconds: float,
                make_request: Callable[[int, int], tuple[str, str, dict, bytes]],
                expect: tuple[int, ...] = (200, 201)) -> dict:
    """Run `concurrency` clients in closed loop for `seconds`; returns latencies (ms) and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    async def client(index: int):
        conn = Connection(base_url)
        n = 0
        while time.perf_counter() < deadline:
            method, path, headers, body = make_request(index, n)
            n += 1
            started = time.perf_counter()
            try:
                status, payload = await conn.request(method, path, headers, body)
            except (OSError, asyncio.IncompleteReadError) as exc:
                errors.append(repr(exc))
                conn = Connection(base_url)
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            if status not in expect:
                errors.append(f"{status}: {payload[:200]!r}")

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - began
    return {"latencies": sorted(latencies), "errors": errors, "elapsed": elapsed}
