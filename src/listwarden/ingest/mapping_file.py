"""Loading a column mapping file (TOML); its contents are checked by ``domain.import_mapping``."""

from __future__ import annotations

import tomllib
from pathlib import Path

from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.import_mapping import ColumnMapping, parse_mapping


def load_mapping(path: Path) -> ColumnMapping:
    """The mapping in ``path``; refused with the TOML error or every problem with its contents."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(
            f"no mapping file {path}", reasons=[Reason("file-not-found", str(path), "mapping")]
        ) from None
    return read_mapping(raw)


def read_mapping(raw: bytes) -> ColumnMapping:
    """A mapping sent as bytes (an uploaded file), checked as ``load_mapping`` checks a file."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"the mapping file is not valid TOML: {error}",
            reasons=[Reason("mapping-not-toml", str(error), "mapping")],
        ) from None
    return parse_mapping(data)
