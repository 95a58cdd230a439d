"""Configuration in one place: ``LISTWARDEN_*`` environment variables, then ``HOME/listwarden.env``.

Build it once at start-up (``Settings.load()``) and pass it down; nothing reads it at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_FILE_NAME = "listwarden.env"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LISTWARDEN_", extra="ignore")

    home: Path = Field(default=Path(".listwarden"), description="data directory")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite in the data directory when unset"
    )
    keystore_url: str | None = Field(
        default=None, description="the key store's own database; a file beside the data when unset"
    )
    key_file: Path | None = Field(default=None, description="key-encryption key file")
    keystore_backup_retention_days: int = Field(default=30, ge=1)
    database_backup_retention_days: int = Field(default=90, ge=1)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    host: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)

    @classmethod
    def load(cls, home: Path | None = None) -> Settings:
        """Read the environment, falling back to ``listwarden.env`` in the data directory."""
        home = home or Path(os.environ.get("LISTWARDEN_HOME", ".listwarden"))
        env_file = home / ENV_FILE_NAME
        settings = cls(_env_file=env_file if env_file.exists() else None)
        return settings.model_copy(update={"home": home}) if home != settings.home else settings

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'listwarden.sqlite').resolve()}"

    @property
    def resolved_keystore_url(self) -> str:
        return self.keystore_url or f"sqlite:///{(self.home / 'keystore.sqlite').resolve()}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.home / "kek.key"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
