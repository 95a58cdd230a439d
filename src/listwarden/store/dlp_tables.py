"""Law 11's record: what each loss-detection scan found, file by file, until it is closed.

A finding holds identifiers only: the file's path and content hash, the subject ids matched
(never a name or a date), how many erased people matched, the disclosures its row tags name,
and the reasons a file could not be read. It stays open until closed as destroyed or justified.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from listwarden.store.tables import Base, Id


class LossFinding(Base):
    """One file a scan found holding people of the register, or could not read."""

    __tablename__ = "loss_findings"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    scan_id: Mapped[str] = mapped_column(Id, index=True)
    path: Mapped[str] = mapped_column(Text)
    path_sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    file_format: Mapped[str] = mapped_column(String(8))
    strength: Mapped[str] = mapped_column(String(8))
    informal_list: Mapped[bool] = mapped_column(Boolean)
    strong_subject_ids: Mapped[list[str]] = mapped_column(default=list)
    weak_subject_ids: Mapped[list[str]] = mapped_column(default=list)
    erased_matches: Mapped[int] = mapped_column(Integer, default=0)
    disclosure_ids: Mapped[list[str]] = mapped_column(default=list)
    tagged_rows: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[str]] = mapped_column(default=list)  # "kind: detail" per problem
    found_at: Mapped[datetime]
    found_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(Id)
    close_reason: Mapped[str | None] = mapped_column(Text)


class ErasedPersonToken(Base):
    """The only trace of an erased person: keyed hashes of name and date of birth (law 11).

    Kept for loss detection alone, under the scanner's key (a key-store system key the scan
    reads only for the DPO); no subject id, no certificate id, nothing to link it back. The
    retention sweep deletes each token once its 90 days have passed.
    """

    __tablename__ = "erased_person_tokens"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name_dob: Mapped[str] = mapped_column(String(64))
    dob: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[date] = mapped_column(Date, index=True)
