"""Import benchmark: rows imported per second from CSV and xlsx, beside reading the same file.

The baseline for each format is a library reading the very file the import then loads, alone, in
the same run: the standard library's csv module for CSV; for xlsx, openpyxl in read-only mode
(the usual streaming xlsx reader), beside listwarden's own streaming reader alone. The ratio is
what checking, encrypting, indexing, logging and writing each row costs over reading it.
"""

from __future__ import annotations

import csv
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

from listwarden.bench.core import _setup
from listwarden.demo.borough_sheet import MAPPING_TOML, write_borough_file
from listwarden.demo.generator import create_authorised_list
from listwarden.domain.import_mapping import parse_mapping
from listwarden.domain.vocabulary import Role
from listwarden.ingest.readers import open_reader
from listwarden.services.imports import import_file


def _read_csv(path: Path) -> float:
    t0 = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        for _ in csv.reader(handle):
            pass
    return time.perf_counter() - t0


def _read_xlsx(path: Path) -> float:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    t0 = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    for _ in workbook.worksheets[0].iter_rows(values_only=True):
        pass
    workbook.close()
    return time.perf_counter() - t0


def _read_ours(path: Path) -> float:
    t0 = time.perf_counter()
    for _ in open_reader(path).rows():
        pass
    return time.perf_counter() - t0


def bench_imports(*, rows: int = 100_000, show_progress: bool = True) -> dict[str, Any]:
    mapping = parse_mapping(tomllib.loads(MAPPING_TOML))
    out: dict[str, Any] = {"rows": rows}
    with tempfile.TemporaryDirectory(prefix="lw-bench-import-") as tmp:
        register, users, csv_list = _setup(Path(tmp) / "service")
        iao = users[Role.IAO]
        xlsx_list = create_authorised_list(
            register,
            owner=iao,
            dpo=users[Role.DPO],
            name="Bench list (xlsx)",
            purposes=["gang_violence_reduction"],
            categories=["suspected", "convicted"],
            description="benchmark",
            notice="benchmark",
        )
        today = register.uow.today()
        for fmt, list_id, seed, read, runs in (
            ("csv", csv_list, 1, _read_csv, 3),
            ("xlsx", xlsx_list, 2, _read_xlsx, 1),  # openpyxl is slow: one read is enough
        ):
            path = Path(tmp) / f"borough.{fmt}"
            write_borough_file(path, rows, today=today, iao_id=iao.id, seed=seed)
            read_s = min(read(path) for _ in range(runs))
            if fmt == "xlsx":
                out["xlsx_listwarden_reader_alone_rows_per_s"] = round(rows / _read_ours(path))
            t0 = time.perf_counter()
            report = import_file(
                uow=register.uow,
                actor=iao,
                list_id=list_id,
                purpose="gang_violence_reduction",
                path=path,
                mapping=mapping,
            )
            import_s = time.perf_counter() - t0
            out[f"{fmt}_import_rows_per_s"] = round(rows / import_s)
            out[f"{fmt}_baseline_read_only_rows_per_s"] = round(rows / read_s)
            out[f"{fmt}_import_cost_ratio"] = round(import_s / read_s, 1)
            out[f"{fmt}_loaded"] = report.loaded
            out[f"{fmt}_quarantined"] = report.quarantined
        register.close()
    out["baselines"] = {"csv": "the csv module", "xlsx": "openpyxl read-only iter_rows"}
    out["targets"] = {"csv_import_rows_per_s": ">= 5000"}
    del show_progress  # the import runs in one transaction; its progress is the CLI's to show
    return out
