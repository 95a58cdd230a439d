"""``listwarden serve`` refuses to start, in one plain line, rather than serve without its keys."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from listwarden.crypto.file_provider import FileKeyProvider
from listwarden.settings import Settings
from listwarden.setup import initialise
from tests.functional.test_tls import environment, free_port, listwarden


def refused(settings: Settings, *args: str, **env: str) -> tuple[int, str]:
    """Start the server and expect it to stop at once: its exit code and its one line."""
    done = subprocess.run(
        listwarden("serve", "--port", str(free_port()), *args),
        env=environment(settings, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    return done.returncode, lines[0]


@pytest.fixture
def initialised(settings: Settings) -> Settings:
    initialise(settings)
    return settings


def _garbage(key: Path) -> None:
    key.write_text("not a key")


def _missing(key: Path) -> None:
    key.unlink()


def _readable_by_all(key: Path) -> None:
    os.chmod(key, 0o644)


def _another_registers(key: Path) -> None:
    key.unlink()
    FileKeyProvider.create(key)


def _truncated(key: Path) -> None:
    document = json.loads(key.read_text())
    document["key"] = document["key"][:20]
    key.write_text(json.dumps(document))


BAD_KEY_FILES: dict[str, tuple[Callable[[Path], None], str]] = {
    "garbage": (_garbage, "is not a listwarden key file"),
    "missing": (_missing, "no key file at"),
    "readable by all": (_readable_by_all, "is open to group or others (mode 0644)"),
    "another register's": (_another_registers, "no configured provider holds key-encryption key"),
    "truncated key": (_truncated, "is not a listwarden key file"),
}


@pytest.mark.parametrize("case", list(BAD_KEY_FILES))
def test_a_bad_key_file_stops_the_server(initialised: Settings, case: str) -> None:
    spoil, reason = BAD_KEY_FILES[case]
    spoil(initialised.resolved_key_file)
    code, line = refused(initialised)
    assert code == 6
    assert line.startswith("listwarden: error: ")
    assert reason in line


def test_an_unreachable_hsm_stops_the_server(initialised: Settings) -> None:
    code, line = refused(
        initialised,
        LISTWARDEN_KEY_PROVIDER="pkcs11",
        LISTWARDEN_PKCS11_MODULE="/usr/lib/absent/libpkcs11.so",
        LISTWARDEN_PKCS11_TOKEN_LABEL="listwarden",
        LISTWARDEN_PKCS11_PIN="1234",
    )
    assert code == 6
    assert line == (
        "listwarden: error: the PKCS#11 library /usr/lib/absent/libpkcs11.so does not exist"
    )


def test_plain_http_off_loopback_is_refused(initialised: Settings) -> None:
    code, line = refused(initialised, "--insecure-http", "--host", "0.0.0.0")  # noqa: S104
    assert code == 2
    assert line == (
        "listwarden: error: plain HTTP is allowed only on a loopback address: "
        "host: drop --insecure-http or listen on 127.0.0.1"
    )


def test_without_a_certificate_the_server_does_not_fall_back_to_http(
    initialised: Settings,
) -> None:
    (initialised.home / "tls" / "cert.pem").unlink()
    code, line = refused(initialised)
    assert code == 6
    assert line.startswith("listwarden: error: no TLS certificate at ")
