"""Running the API under uvicorn: HTTPS by default, plain HTTP only on loopback when asked."""

from __future__ import annotations

import os

import uvicorn
from fastapi import FastAPI

from listwarden.bootstrap import open_register
from listwarden.domain.errors import InvalidInput, KeyUnavailable, Reason
from listwarden.settings import Settings
from listwarden.setup import tls_paths
from listwarden.tls import is_loopback
from listwarden.web.app import create_app


def app_from_env() -> FastAPI:
    """The application factory each worker calls (settings from the environment)."""
    return create_app(open_register(Settings.load()))


def run_server(
    settings: Settings, *, host: str, port: int, insecure_http: bool, workers: int = 1
) -> None:
    if insecure_http and not is_loopback(host):
        raise InvalidInput(
            "plain HTTP is allowed only on a loopback address",
            reasons=[
                Reason(
                    "insecure-http-not-loopback",
                    "drop --insecure-http or listen on 127.0.0.1",
                    "host",
                )
            ],
        )
    cert, key = tls_paths(settings)
    certfile = keyfile = None
    if not insecure_http:
        cert = type(cert)(os.environ.get("LISTWARDEN_TLS_CERT", cert))
        key = type(key)(os.environ.get("LISTWARDEN_TLS_KEY", key))
        if not cert.exists() or not key.exists():
            raise KeyUnavailable(f"no TLS certificate at {cert}: run 'listwarden init'")
        certfile, keyfile = str(cert), str(key)
    # Open once here so that a wrong key file or database stops start-up with a clear error.
    open_register(settings).close()
    os.environ["LISTWARDEN_HOME"] = str(settings.home.resolve())
    uvicorn.run(
        "listwarden.web.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        server_header=False,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
    )
