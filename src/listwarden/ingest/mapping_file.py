"""Loading a column mapping file (TOML); its contents are checked by ``domain.import_mapping``."""

from __future__ import annotations

import tomllib
from pathlib import Path

from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.import_mapping import ColumnMapping, parse_mapping


def load_mapping(path: Path) -> ColumnMapping:
    """The mapping in ``path``; refused with the TOML error or every problem with its contents."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(
            f"no mapping file {path}", reasons=[Reason("file-not-found", str(path), "mapping")]
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"the mapping file is not valid TOML: {error}",
            reasons=[Reason("mapping-not-toml", str(error), "mapping")],
        ) from None
    return parse_mapping(data)
