"""An onboarding video of about 200 MB: checking it and serving it to players that seek.

* A 1280x720 H.264 MP4 of random noise, lossless (qp 0) so that a few seconds make 200 MB; how
  long making it takes is printed, not budgeted.
* ``media.probe`` and ``media.poster`` on it, together (budget 3 s).
* The file served by ``core.web.files.file_response`` (a path: streamed from disk) from a bare
  Starlette app under uvicorn in a process of its own; 20 clients at once each ask for 20 random
  ranges of 1 MB, as players seeking through the video do. Time to the first byte of the body,
  p95 (budget 50 ms); every answer is a 206 with the right Content-Range and the file's bytes;
  the server's resident memory grows by less than 50 MB (the file is never read into memory).
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import httpx

from boardkit.onboarding import media

ROOT = Path(__file__).resolve().parents[1]
TARGET_BYTES = 200 * 1024 * 1024
SIZE = (1280, 720)
CHECK_BUDGET_S = 3.0
TTFB_BUDGET_MS = 50.0
RSS_BUDGET_MB = 50.0
CLIENTS = 20
REQUESTS = 20  # per client
RANGE_BYTES = 1024 * 1024


def make_video(path: Path) -> int:
    """Random noise that H.264 cannot compress, lossless, until the file is about TARGET_BYTES; the
    number of frames."""
    rng = random.Random(15)
    width, height = SIZE
    written = frames = 0
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = out.add_stream("libx264", rate=25, options={"preset": "ultrafast", "qp": "0"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.gop_size = 50
        while written < TARGET_BYTES:
            frame = av.VideoFrame(width, height, "yuv420p")
            for plane in frame.planes:
                plane.update(rng.randbytes(plane.buffer_size))
            frame.pts = frames
            frames += 1
            for packet in video.encode(frame):
                written += packet.size
                out.mux(packet)
        out.mux(video.encode(None))
    return frames


def serve(path: Path, port: int) -> None:
    """The server's process: one route answering with the file."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from boardkit.core.web.files import file_response

    def video(request: Request) -> Response:
        return file_response(path, "video/mp4", "velkommen.mp4", inline=True)

    app = Starlette(routes=[Route("/video.mp4", video)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory_mb(pid: int) -> tuple[float, float]:
    """The process's resident memory now and at its peak (MB)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped ({server.returncode})")
        try:
            if httpx.get(url, headers={"Range": "bytes=0-0"}).status_code == 206:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


async def client(url: str, size: int, seed: int, fd: int, timings: list[float]) -> int:
    """REQUESTS random ranges, each checked against the file; how many bytes were compared."""
    rng = random.Random(seed)
    compared = 0
    async with httpx.AsyncClient(timeout=30) as http:
        for _ in range(REQUESTS):
            start = rng.randrange(0, size - RANGE_BYTES)
            end = start + RANGE_BYTES - 1
            started = time.perf_counter()
            async with http.stream("GET", url, headers={"Range": f"bytes={start}-{end}"}) as response:
                chunks = []
                async for chunk in response.aiter_raw():
                    if not chunks:
                        timings.append((time.perf_counter() - started) * 1000)
                    chunks.append(chunk)
            body = b"".join(chunks)
            assert response.status_code == 206, response.status_code
            assert response.headers["content-range"] == f"bytes {start}-{end}/{size}"
            assert response.headers["content-type"] == "video/mp4"
            assert len(body) == RANGE_BYTES
            assert body == os.pread(fd, RANGE_BYTES, start), f"bytes {start}-{end} differ"
            compared += len(body)
    return compared


async def clients(url: str, path: Path) -> tuple[list[float], int]:
    timings: list[float] = []
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        compared = await asyncio.gather(*(client(url, size, seed, fd, timings) for seed in range(CLIENTS)))
    finally:
        os.close(fd)
    return timings, sum(compared)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "velkommen.mp4"
        started = time.perf_counter()
        frames = make_video(path)
        made = time.perf_counter() - started
        size = path.stat().st_size
        print(
            f"a {size / 1024**2:.0f} MB H.264 MP4 ({frames} frames of {SIZE[0]}x{SIZE[1]}) "
            f"made in {made:.1f} s"
        )

        started = time.perf_counter()
        info = media.probe(path)
        probed = time.perf_counter() - started
        jpeg = media.poster(path)
        checked = time.perf_counter() - started
        assert (info.container, info.video_codec, info.width) == ("mp4", "h264", SIZE[0]), info
        assert jpeg[:3] == b"\xff\xd8\xff"
        print(
            f"probe {probed * 1000:.0f} ms + poster {(checked - probed) * 1000:.0f} ms = {checked:.2f} s "
            f"(budget {CHECK_BUDGET_S:.0f} s; {info.duration:.1f} s of video, poster {len(jpeg) // 1024} KB)"
        )

        port = free_port()
        url = f"http://127.0.0.1:{port}/video.mp4"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(path), str(port)], env=env)
        try:
            wait_until_up(url, server)
            before, _peak = memory_mb(server.pid)
            started = time.perf_counter()
            timings, compared = asyncio.run(clients(url, path))
            took = time.perf_counter() - started
            after, peak = memory_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)
        p50, p95 = statistics.median(timings), statistics.quantiles(timings, n=20)[-1]
        print(
            f"{CLIENTS} clients x {REQUESTS} ranges of 1 MB in {took:.1f} s "
            f"({compared / 1024**2 / took:.0f} MB/s, {compared // 1024**2} MB compared with the file): "
            f"first byte p50 {p50:.1f} ms, p95 {p95:.1f} ms (budget {TTFB_BUDGET_MS:.0f} ms)"
        )
        growth = after - before
        print(
            f"server memory {before:.0f} MB before, {after:.0f} MB after (peak {peak:.0f} MB): "
            f"grew {growth:.1f} MB (budget {RSS_BUDGET_MB:.0f} MB; the file is {size / 1024**2:.0f} MB)"
        )
    ok = checked < CHECK_BUDGET_S and p95 < TTFB_BUDGET_MS and growth < RSS_BUDGET_MB
    ok = ok and len(timings) == CLIENTS * REQUESTS
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(main())
