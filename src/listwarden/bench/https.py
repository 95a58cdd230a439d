"""Consultations per second through the real HTTPS server, beside two baselines served alike.

The bench makes a data directory (with its self-signed certificate), a list of people and an
officer's API token, then starts uvicorn with two workers over TLS, serving the real app plus
two routes that exist only here: a bare endpoint (no authentication, no database) and a bare
primary-key read of an entry (no authentication, no decryption, no log). Client processes keep
many keep-alive HTTPS connections busy for a fixed time against each endpoint in turn, over
several rounds, and the median rate of each is reported with the ratios between them.

A consultation is the whole path: bearer token, the Cedar decision with the actor's training
and grant, the entry's decryption under its person's key, and one event in the access log.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
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

from listwarden.bench.core import _items, _setup
from listwarden.bench.timing import percentile, progress
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
        with register.engine.connect() as connection:
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


async def _drive(job: dict[str, Any]) -> dict[str, Any]:
    import httpx2

    context = ssl.create_default_context(cafile=job["cert"])
    entry_ids: list[str] = job["entry_ids"]
    limits = httpx2.Limits(
        max_connections=job["connections"], max_keepalive_connections=job["connections"]
    )
    done, failed, latencies = 0, 0, []
    headers = {"Authorization": f"Bearer {job['token']}"}
    async with httpx2.AsyncClient(
        base_url=job["base"], verify=context, limits=limits, timeout=30
    ) as client:
        stop = time.monotonic() + job["seconds"]
        rng = random.Random(job["seed"])

        async def one_lane() -> None:
            nonlocal done, failed
            while time.monotonic() < stop:
                entry_id = entry_ids[rng.randrange(len(entry_ids))]
                t0 = time.perf_counter()
                if job["endpoint"] == "consult":
                    response = await client.post(
                        f"/api/v1/entries/{entry_id}/consult", json=WHY, headers=headers
                    )
                elif job["endpoint"] == "row":
                    response = await client.get(f"/bench/row/{entry_id}")
                else:
                    response = await client.get("/bench/bare")
                latencies.append(time.perf_counter() - t0)
                if response.status_code == 200:
                    done += 1
                else:
                    failed += 1

        await asyncio.gather(*(one_lane() for _ in range(job["connections"])))
    return {"done": done, "failed": failed, "latencies": latencies}


def _client(job: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(_drive(job))


def _measure(pool: Any, base_job: dict[str, Any], endpoint: str, clients: int) -> dict[str, Any]:
    jobs = [{**base_job, "endpoint": endpoint, "seed": n} for n in range(clients)]
    t0 = time.perf_counter()
    results = pool.map(_client, jobs)
    wall = time.perf_counter() - t0
    latencies = [x for r in results for x in r["latencies"]]
    done = sum(r["done"] for r in results)
    return {
        "per_s": done / base_job["seconds"],
        "failed": sum(r["failed"] for r in results),
        "p50_ms": percentile(latencies, 50) * 1000 if latencies else 0.0,
        "p99_ms": percentile(latencies, 99) * 1000 if latencies else 0.0,
        "wall_s": wall,
    }


def bench_https(
    *,
    seconds: float = 5.0,
    rounds: int = 3,
    people: int = 2_000,
    clients: int = 2,
    connections: int = 16,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Requests per second for a consultation, a bare endpoint and a bare read, one run."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="lw-bench-https-") as tmp:
        home = Path(tmp) / "home"
        token, entry_ids = _seed(home, people)
        port = _free_port()
        server = _start_server(home, port)
        base = f"https://127.0.0.1:{port}"
        cert = tls_paths(Settings(home=home))[0]
        figures: dict[str, list[dict[str, Any]]] = {name: [] for name in ENDPOINTS}
        try:
            _wait_ready(base, cert, server)
            job = {
                "base": base,
                "cert": str(cert),
                "token": token,
                "entry_ids": entry_ids,
                "connections": connections,
                "seconds": seconds,
            }
            context = multiprocessing.get_context("spawn")
            with context.Pool(clients) as pool, progress(show_progress) as bar:
                task = bar.add_task("access: HTTPS requests", total=(rounds + 1) * len(ENDPOINTS))
                for endpoint in ENDPOINTS:  # warm both workers' caches and connections
                    _measure(pool, {**job, "seconds": min(seconds, 1.0)}, endpoint, clients)
                    bar.advance(task)
                for _ in range(rounds):
                    for endpoint in ENDPOINTS:
                        figures[endpoint].append(_measure(pool, job, endpoint, clients))
                        bar.advance(task)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    report = _report(figures, seconds, rounds, clients, connections, people)
    # The machine's load, so that a figure from a busy machine is read as one.
    report["load_average_1m"] = {"before": load_before, "after": os.getloadavg()[0]}
    return report


def _report(
    figures: dict[str, list[dict[str, Any]]],
    seconds: float,
    rounds: int,
    clients: int,
    connections: int,
    people: int,
) -> dict[str, Any]:
    def median(name: str, key: str) -> float:
        return float(statistics.median(f[key] for f in figures[name]))

    rate = {name: median(name, "per_s") for name in ENDPOINTS}
    return {
        "benchmark": "access.https",
        "server": f"uvicorn, {WORKERS} workers, TLS (self-signed certificate)",
        "load": f"{clients} client processes x {connections} keep-alive connections",
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
