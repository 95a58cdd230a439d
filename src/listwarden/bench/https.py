"""Consultations per second through the real HTTPS server, beside two baselines served alike.

The bench makes a data directory (with its self-signed certificate), a list of people and an
officer's API token, then starts uvicorn with two workers over TLS, serving the real app plus
two routes that exist only here: a bare endpoint (no authentication, no database) and a bare
primary-key read of an entry (no authentication, no decryption, no log). wrk (a load generator
in C, from Debian) keeps many keep-alive HTTPS connections busy for a fixed time against each
endpoint in turn, over several rounds, and the median rate of each is reported with the ratios
between them. The load generator shares the machine's cores with the server, so it must cost
little: Python clients took about half the CPU the server needed.

A consultation is the whole path: bearer token, the Cedar decision with the actor's training
and grant, the entry's decryption under its person's key, and one event in the access log.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from listwarden.bench.core import _items, _reading, _setup
from listwarden.bench.timing import progress
from listwarden.bootstrap import open_register
from listwarden.domain.vocabulary import Role
from listwarden.services.entries import add_entries
from listwarden.services.users import issue_token
from listwarden.settings import Settings
from listwarden.setup import tls_paths
from listwarden.store.tables import Entry

TARGET_CONSULTS_PER_S = 1_000
WORKERS = 2
WHY = {"purpose": "gang_violence_reduction", "justification": "benchmark consultation"}
ENDPOINTS = ("bare", "row", "consult")


def bench_app() -> FastAPI:
    """The app each server worker builds: the real one, plus the two baseline routes."""
    from listwarden.web.app import create_app

    register = open_register(Settings.load())
    app = create_app(register)

    @app.get("/bench/bare", include_in_schema=False)
    def bare() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/bench/row/{entry_id}", include_in_schema=False)
    def row(entry_id: str) -> dict[str, str]:
        with _reading(register) as connection:
            found = connection.execute(
                select(Entry.id, Entry.bcu, Entry.category).where(Entry.id == entry_id)
            ).one()
        return {"id": found.id, "bcu": found.bcu, "category": found.category}

    return app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _seed(home: Path, people: int) -> tuple[str, list[str]]:
    """A data directory with ``people`` entries on an authorised list; the officer's token."""
    register, users, list_id = _setup(home)
    try:
        items = _items(random.Random(11), people, register.uow.today())
        for start in range(0, people, 500):
            add_entries(
                uow=register.uow,
                actor=users[Role.IAO],
                list_id=list_id,
                purpose="gang_violence_reduction",
                items=items[start : start + 500],
            )
        with register.uow.read_only() as session:
            entry_ids = list(session.scalars(select(Entry.id).where(Entry.list_id == list_id)))
        token = issue_token(
            uow=register.uow, user_id=users[Role.OFFICER].id, scopes={"entry:consult"}
        )
    finally:
        register.close()
    return token, entry_ids


def _start_server(home: Path, port: int) -> subprocess.Popen[bytes]:
    cert, key = tls_paths(Settings(home=home))
    env = {**os.environ, "LISTWARDEN_HOME": str(home)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "listwarden.bench.https:bench_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--ssl-certfile",
        str(cert),
        "--ssl-keyfile",
        str(key),
        "--log-level",
        "warning",
        "--no-server-header",
        "--no-access-log",
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)  # noqa: S603


def _wait_ready(base: str, cert: Path, server: subprocess.Popen[bytes]) -> None:
    import httpx2

    deadline = time.monotonic() + 60
    context = ssl.create_default_context(cafile=str(cert))
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the benchmark server stopped while starting")
        try:
            if httpx2.get(f"{base}/bench/bare", verify=context, timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the benchmark server did not start within a minute")


_LUA = r"""
local ids = {}
for line in io.lines(os.getenv("LW_BENCH_IDS")) do ids[#ids + 1] = line end
local token = os.getenv("LW_BENCH_TOKEN")
local endpoint = os.getenv("LW_BENCH_ENDPOINT")
local body = os.getenv("LW_BENCH_BODY")
local consult_headers = {["Authorization"] = "Bearer " .. token,
                         ["Content-Type"] = "application/json"}

request = function()
  if endpoint == "bare" then
    return wrk.format("GET", "/bench/bare")
  end
  local id = ids[math.random(#ids)]
  if endpoint == "row" then
    return wrk.format("GET", "/bench/row/" .. id)
  end
  return wrk.format("POST", "/api/v1/entries/" .. id .. "/consult", consult_headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "LW_RESULT %d %d %d %d %d\n",
    summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout,
    summary.duration,
    latency:percentile(50),
    latency:percentile(99)))
end
"""
"""wrk's script: which request to send (a random person for the reads), and one result line."""


def _wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("the HTTPS bench drives the server with wrk: run make system-deps")
    return found


def _measure(job: dict[str, Any], endpoint: str, seconds: float) -> dict[str, Any]:
    """One wrk run against ``endpoint``: requests per second, failures and latency."""
    env = {**os.environ, **job["env"], "LW_BENCH_ENDPOINT": endpoint}
    command = [
        _wrk(),
        f"--threads={job['threads']}",
        f"--connections={job['connections']}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=30s",
        f"--script={job['script']}",
        job["base"],
    ]
    out = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    line = next((row for row in out.splitlines() if row.startswith("LW_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {out.strip()[-200:]}")
    requests, failed, duration_us, p50_us, p99_us = (int(x) for x in line.split()[1:])
    return {
        "per_s": (requests - failed) / (duration_us / 1e6),
        "failed": failed,
        "p50_ms": p50_us / 1000,
        "p99_ms": p99_us / 1000,
    }


def bench_https(
    *,
    seconds: float = 5.0,
    rounds: int = 3,
    people: int = 2_000,
    threads: int = 1,
    connections: int = 32,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Requests per second for a consultation, a bare endpoint and a bare read, one run."""
    load_before = os.getloadavg()[0]
    _wrk()
    with tempfile.TemporaryDirectory(prefix="lw-bench-https-") as tmp:
        home = Path(tmp) / "home"
        token, entry_ids = _seed(home, people)
        ids_file, script = Path(tmp) / "entry-ids.txt", Path(tmp) / "load.lua"
        ids_file.write_text("\n".join(entry_ids) + "\n")
        script.write_text(_LUA)
        port = _free_port()
        server = _start_server(home, port)
        base = f"https://127.0.0.1:{port}"
        cert = tls_paths(Settings(home=home))[0]
        figures: dict[str, list[dict[str, Any]]] = {name: [] for name in ENDPOINTS}
        try:
            _wait_ready(base, cert, server)
            job = {
                "base": base,
                "script": str(script),
                "threads": threads,
                "connections": connections,
                "env": {
                    "LW_BENCH_IDS": str(ids_file),
                    "LW_BENCH_TOKEN": token,
                    "LW_BENCH_BODY": json.dumps(WHY),
                },
            }
            with progress(show_progress) as bar:
                task = bar.add_task("access: HTTPS requests", total=(rounds + 1) * len(ENDPOINTS))
                for endpoint in ENDPOINTS:  # warm both workers' caches and connections
                    _measure(job, endpoint, 1.0)
                    bar.advance(task)
                for _ in range(rounds):
                    for endpoint in ENDPOINTS:
                        figures[endpoint].append(_measure(job, endpoint, seconds))
                        bar.advance(task)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    report = _report(figures, seconds, rounds, threads, connections, people)
    # The machine's load, so that a figure from a busy machine is read as one.
    report["load_average_1m"] = {"before": load_before, "after": os.getloadavg()[0]}
    return report


def _report(
    figures: dict[str, list[dict[str, Any]]],
    seconds: float,
    rounds: int,
    threads: int,
    connections: int,
    people: int,
) -> dict[str, Any]:
    def median(name: str, key: str) -> float:
        return float(statistics.median(f[key] for f in figures[name]))

    rate = {name: median(name, "per_s") for name in ENDPOINTS}
    return {
        "benchmark": "access.https",
        "server": f"uvicorn, {WORKERS} workers, TLS (self-signed certificate)",
        "load": f"wrk, {threads} thread(s) x {connections} keep-alive connections",
        "seconds_per_round": seconds,
        "rounds": rounds,
        "people": people,
        "consult_per_s": round(rate["consult"]),
        "baseline_bare_endpoint_per_s": round(rate["bare"]),
        "baseline_pk_read_per_s": round(rate["row"]),
        "consult_vs_bare_endpoint": round(rate["consult"] / rate["bare"], 3),
        "consult_vs_pk_read": round(rate["consult"] / rate["row"], 3),
        "pk_read_vs_bare_endpoint": round(rate["row"] / rate["bare"], 3),
        "latency_ms": {
            name: {"p50": round(median(name, "p50_ms"), 2), "p99": round(median(name, "p99_ms"), 2)}
            for name in ENDPOINTS
        },
        "failed_requests": {name: sum(f["failed"] for f in figures[name]) for name in ENDPOINTS},
        "target_consult_per_s": TARGET_CONSULTS_PER_S,
        "meets_target": rate["consult"] >= TARGET_CONSULTS_PER_S,
        "cpus": os.cpu_count(),
    }
