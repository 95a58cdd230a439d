"""``listwarden serve`` as a client meets it: HTTPS with the init certificate and strict headers.

The server runs as a real subprocess on a free port, on both databases; the client trusts only
the certificate ``init`` made. Plain HTTP is spoken only when asked for, and only on loopback.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from listwarden.settings import Settings
from listwarden.setup import initialise, tls_paths

API = "/api/v1/openapi.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "LISTWARDEN_HOME": str(settings.home),
        "LISTWARDEN_DATABASE_URL": settings.resolved_database_url,
        **extra,
    }
    env.pop("LISTWARDEN_DEBUG", None)
    return env


def listwarden(*args: str) -> list[str]:
    return [sys.executable, "-m", "listwarden.cli", *args]


def wait_for(server: subprocess.Popen[str], port: int, *, tls: bool) -> None:
    """Until the server answers a connection, or fail with what it printed if it died."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server stopped: {server.stderr.read() if server.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"the server did not listen on {port} ({'https' if tls else 'http'})")


@pytest.fixture
def initialised(settings: Settings) -> Settings:
    initialise(settings)
    return settings


@pytest.fixture
def https_server(initialised: Settings) -> Iterator[int]:
    port = free_port()
    server = subprocess.Popen(
        listwarden("serve", "--port", str(port)),
        env=environment(initialised),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(server, port, tls=True)
        yield port
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_serve_speaks_https_with_the_init_certificate_and_security_headers(
    initialised: Settings, https_server: int
) -> None:
    cert, _key = tls_paths(initialised)
    context = ssl.create_default_context(cafile=str(cert))
    connection = http.client.HTTPSConnection("localhost", https_server, context=context, timeout=10)
    try:
        connection.request("GET", API)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200
        assert connection.sock is not None
        assert connection.sock.version() in ("TLSv1.2", "TLSv1.3")
    finally:
        connection.close()
    assert b'"openapi"' in body
    headers = {name.lower(): value for name, value in response.getheaders()}
    assert headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "server" not in headers


def test_a_client_that_does_not_trust_the_certificate_is_stopped(https_server: int) -> None:
    context = ssl.create_default_context()  # the system's roots only
    connection = http.client.HTTPSConnection("localhost", https_server, context=context, timeout=10)
    with pytest.raises(ssl.SSLCertVerificationError):
        connection.request("GET", API)
    connection.close()


def test_plain_http_to_the_https_port_gets_no_answer(https_server: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", https_server, timeout=10)
    connection.request("GET", API)  # sent in clear; the server waits for a TLS handshake
    with pytest.raises((http.client.HTTPException, OSError)):
        connection.getresponse()
    connection.close()


def test_plain_http_on_loopback_only_when_asked(initialised: Settings) -> None:
    port = free_port()
    server = subprocess.Popen(
        listwarden("serve", "--insecure-http", "--host", "127.0.0.1", "--port", str(port)),
        env=environment(initialised),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(server, port, tls=False)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", API)
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == 200
        assert response.getheader("X-Frame-Options") == "DENY"
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_the_certificate_and_its_key_are_private(initialised: Settings) -> None:
    cert, key = tls_paths(initialised)
    assert key.stat().st_mode & 0o777 == 0o600
    assert b"BEGIN CERTIFICATE" in Path(cert).read_bytes()
