"""Configuration in one place: ``LISTWARDEN_*`` environment variables, then ``HOME/listwarden.env``.

Build it once at start-up (``Settings.load()``) and pass it down; nothing reads it at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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
    # keys
    key_provider: str = Field(
        default="file", description="where the key-encryption key is held: file or pkcs11"
    )
    pkcs11_module: Path | None = Field(default=None, description="the HSM's PKCS#11 library")
    pkcs11_token_label: str | None = Field(default=None, description="the token holding the KEK")
    pkcs11_key_label: str = Field(default="listwarden-kek", description="the KEK's label")
    pkcs11_pin: SecretStr | None = Field(default=None, description="token PIN (never printed)")
    pkcs11_pin_file: Path | None = Field(default=None, description="file holding the PIN (0600)")
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    max_upload_bytes: int = Field(
        default=50_000_000, ge=1024, description="the largest legacy file an import may upload"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)
    # access log
    log_period: Literal["day", "week", "month", "quarter", "year"] = Field(
        default="month", description="how long one log key seals justifications"
    )
    log_retention_days: int = Field(
        default=2190, ge=1, description="days a period's justifications stay readable after it ends"
    )
    log_origin: str | None = Field(
        default=None,
        description="checkpoint origin line; listwarden.local/<install id>/log if unset",
    )
    log_sequence_every: int = Field(
        default=256, ge=1, description="sequence pending events once this many have committed"
    )
    log_sequence_seconds: float = Field(
        default=5.0, gt=0, description="how often serve sequences in the background"
    )
    log_checkpoint_every: int = Field(
        default=10_000, ge=1, description="sign a checkpoint each time the log grows this much"
    )
    log_checkpoint_minutes: float = Field(
        default=60.0, gt=0, description="serve signs a checkpoint this often if the log grew"
    )
    sweep_minutes: float = Field(
        default=1440.0,
        ge=0,
        description="serve runs the retention sweep this often (0: only from the CLI)",
    )
    mandatory_course: str = Field(
        default="data-protection", description="the force's mandatory data protection course"
    )
    grant_lapse_days: int = Field(
        default=90, ge=1, description="a grant unused for this many days lapses (law 7)"
    )
    grant_days: int = Field(default=365, ge=1, description="how long a new grant runs")
    # access alerts for the DPO (law 11)
    alert_consultations_per_hour: int = Field(
        default=100, ge=0, description="bulk consultation: more than this by one user in an hour"
    )
    alert_refusals_per_hour: int = Field(
        default=4, ge=0, description="repeated refusals: more than this for one user in an hour"
    )
    alert_pattern_days: int = Field(
        default=28, ge=1, description="days of a user's consultations that set their working hours"
    )
    alert_pattern_min_history: int = Field(
        default=20, ge=1, description="fewer consultations than this: default working hours apply"
    )
    alert_working_from: int = Field(default=7, ge=0, le=23, description="default hours start")
    alert_working_until: int = Field(default=20, ge=1, le=24, description="default hours end")
    alert_timezone: str = Field(
        default="Europe/London", description="the time zone of working hours"
    )
    # web sign-in
    session_hours: float = Field(
        default=10.0, gt=0, le=24, description="a session ends this long after sign-in"
    )
    session_idle_minutes: float = Field(
        default=30.0, gt=0, description="a session ends after this long without a request"
    )

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
