"""Web app latency: study page and waveform endpoint server time, p95 under 20 concurrent clients.

Starts the app (SQLite in a temporary folder, one small simulated study and one needle recording of
1 000 000 samples) with uvicorn in a separate process on a free loopback port, signs in with httpx, then

1. server time (the app's ``Server-Timing`` header) of the study page and of the waveform endpoint over the
   whole 1 M-sample trace at 2000 points (best and median of N sequential requests, cache warm; the first,
   cold request of each is reported too);
2. latency seen by 20 concurrent clients (httpx async, one connection each) of the main endpoints, p50 and
   p95, each as a ratio to the trivial ``/healthz`` endpoint measured the same way in the same run.

Writes a markdown section to /tmp/web/RESULTS_SECTION.md. Run:  python bench/web_latency.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from webapp import PASSWORDS, import_folder, make_app, simulate_small  # noqa: E402

OUT = Path("/tmp/web/RESULTS_SECTION.md")
N_SAMPLES = 1_000_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(folder: Path) -> tuple[str, int, int]:
    """A database with the users, a simulated study and a 1 M-sample needle recording: (url, study, wave)."""
    from sqlalchemy import select

    from edxkit.io import write_waveforms
    from edxkit.store.models import WaveformRow
    from edxkit.waveform import Waveform

    db = folder / "bench.db"
    app = make_app(db)
    pk = import_folder(app, simulate_small(folder / "study"))
    long = folder / "long"
    long.mkdir()
    rng = np.random.default_rng(0)
    wave = Waveform(samples=rng.normal(0, 30, N_SAMPLES), fs_hz=48_000.0, units="uV", channel="EMG")
    write_waveforms(long / "long.npy", [wave])
    (long / "study.yaml").write_text(
        "schema: edxkit.study/1\nid: BENCH-LONG\npatient: {id: P-LONG, age: 50}\nperformed: 2026-01-01\n"
        "emg:\n  - muscle: deltoid\n    side: left\n    recordings:\n"
        "      - {condition: rest, file: long.npy}\n",
        encoding="utf-8",
    )
    long_pk = import_folder(app, long)
    with app.state.edx.db.sessions() as session:
        wid = session.scalar(select(WaveformRow.id).where(WaveformRow.study_id == long_pk))
    app.state.edx.db.dispose()
    return f"sqlite:///{db}", pk, int(wid)


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    code = (
        "import uvicorn; from edxkit.web import create_app; "
        f"uvicorn.run(create_app({url!r}, migrate=False), host='127.0.0.1', port={port}, log_level='warning')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def login(base: str) -> tuple[dict[str, str], str]:
    with httpx.Client(base_url=base) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        client.post(
            "/login",
            data={"username": "physician", "password": PASSWORDS["physician"], "csrf_token": token.group(1)},
        )
        return dict(client.cookies), "physician"


def server_ms(response: httpx.Response) -> float:
    found = re.search(r"dur=([0-9.]+)", response.headers.get("server-timing", ""))
    return float(found.group(1)) if found else float("nan")


def sequential(base: str, cookies: dict[str, str], path: str, n: int) -> tuple[float, float, float]:
    """(cold ms, best ms, median ms) of server time over ``n`` requests after the first."""
    with httpx.Client(base_url=base, cookies=cookies, timeout=120) as client:
        first = client.get(path)
        first.raise_for_status()
        times = [server_ms(client.get(path)) for _ in range(n)]
    return server_ms(first), min(times), statistics.median(times)


async def concurrent(
    base: str, cookies: dict[str, str], path: str, clients: int, per_client: int
) -> list[float]:
    """Wall-clock latencies (ms) of ``clients`` concurrent clients each sending ``per_client`` requests
    (each client connects with one untimed request first)."""
    latencies: list[float] = []

    async def one() -> None:
        async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=120) as client:
            (await client.get("/healthz")).raise_for_status()  # connect first: not counted
            for _ in range(per_client):
                start = time.perf_counter()
                response = await client.get(path)
                latencies.append((time.perf_counter() - start) * 1000.0)
                response.raise_for_status()

    await asyncio.gather(*(one() for _ in range(clients)))
    return latencies


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    n_seq = 10 if args.quick else 40
    per_client = 5 if args.quick else 20
    with tempfile.TemporaryDirectory(prefix="edxkit-bench-web-") as tmp:
        url, pk, wid = prepare(Path(tmp))
        port = free_port()
        proc = serve(url, port)
        try:
            base = f"http://127.0.0.1:{port}"
            cookies, _ = login(base)
            seq = {
                "study page": sequential(base, cookies, f"/studies/{pk}", n_seq),
                "waveform 1 M samples → 2000 points": sequential(
                    base, cookies, f"/api/waveforms/{wid}?start_s=0&points=2000", n_seq
                ),
                "waveform 1 s window (48 000 samples → 2000 points)": sequential(
                    base, cookies, f"/api/waveforms/{wid}?start_s=5&stop_s=6&points=2000", n_seq
                ),
            }
            endpoints = {
                "/healthz (baseline)": "/healthz",
                "study list": "/studies",
                "study page": f"/studies/{pk}",
                "NCS sweeps JSON": f"/api/studies/{pk}/ncs/0",
                "waveform 1 M → 2000 points": f"/api/waveforms/{wid}?start_s=0&points=2000",
            }
            loaded = {
                name: asyncio.run(concurrent(base, cookies, path, args.clients, per_client))
                for name, path in endpoints.items()
            }
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    report(seq, loaded, args)


def report(
    seq: dict[str, tuple[float, float, float]], loaded: dict[str, list[float]], args: argparse.Namespace
) -> None:
    lines = [
        f"## Web app latency (`bench/web_latency.py{' --quick' if args.quick else ''}`)",
        "",
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()} with {os.cpu_count()} cores shared with other "
        f"jobs, Python {platform.python_version()}, SQLite, one uvicorn worker process on loopback.",
        "",
        "Server time (the app's `Server-Timing` header), sequential requests, analysis and trace caches "
        "warm:",
        "",
        "| Request | first (cold) ms | best ms | median ms | target |",
        "|---|---:|---:|---:|---|",
    ]
    for name, (cold, best, med) in seq.items():
        target = "< 100 ms" if "1 M" in name or name == "study page" else ""
        ok = " ✓" if target and med < 100 else (" ✗" if target else "")
        lines.append(f"| {name} | {cold:.1f} | {best:.1f} | {med:.1f} | {target}{ok} |")
    base = loaded["/healthz (baseline)"]
    lines += [
        "",
        f"Latency under {args.clients} concurrent clients (wall clock at the client, "
        f"{len(base)} requests per endpoint), and p95 as a ratio to the `/healthz` p95 of the same run:",
        "",
        "| Endpoint | p50 ms | p95 ms | max ms | p95 / baseline p95 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, lat in loaded.items():
        ratio = pct(lat, 95) / pct(base, 95)
        lines.append(f"| {name} | {pct(lat, 50):.1f} | {pct(lat, 95):.1f} | {max(lat):.1f} | {ratio:.1f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
