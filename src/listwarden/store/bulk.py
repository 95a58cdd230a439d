"""Inserting many whole rows at once: one driver ``executemany`` per table on SQLite.

SQLAlchemy's Core executemany builds and type-processes a parameter set per row through its
general machinery, which for a batch of a thousand people costs more than SQLite's own insert.
Here each column's bind processor (a date to ISO text on SQLite, a ``TypeDecorator``'s own
conversion) is looked up once per call and applied in a tight loop, and the tuples go straight
to the driver. Rows are stored exactly as SQLAlchemy would store them
(``tests/integration/test_bulk_insert.py`` compares the two). Other databases keep
SQLAlchemy's path, whose ``insertmanyvalues`` already batches rows into few statements.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Connection, Dialect, LargeBinary, Table, insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Column

_Processor = Callable[[Any], Any]
_REPEATING = (date, datetime, bool)


class _Call:
    """A column's Python-callable default (``default=list``), called afresh for each row that
    lacks the column, as SQLAlchemy calls it (it wraps a callable to take the context)."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function


def _python_default(column: Column[Any]) -> tuple[bool, Any]:
    default = column.default
    if default is not None and default.is_scalar:
        return True, getattr(default, "arg", None)
    if default is not None and default.is_callable:
        return True, _Call(cast(Any, default).arg)
    return False, None


def _repeating(column: Column[Any]) -> bool:
    try:
        return column.type.python_type in _REPEATING
    except NotImplementedError:  # a type that does not say what Python values it takes
        return False


def insert_rows(
    target: Session | Connection, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert ``rows`` (dicts keyed by column name) into ``table`` in the caller's transaction.

    The columns are those of the first row, plus any with a Python default (a value, or a
    callable called for each row); a row that lacks one of them stores its default, or NULL.
    A column neither names nor defaults is left to the database (an autoincrement key, a
    server default).
    """
    if not rows:
        return
    connection = target.connection() if isinstance(target, Session) else target
    dialect = connection.dialect
    if dialect.name != "sqlite":
        connection.execute(insert(table), list(rows))
        return
    statement, plain, calls, processed, repeating = _plan(table, dialect, frozenset(rows[0]))
    # A batch repeats its dates and times (every row of it is written "now", "today"), and
    # formatting one for SQLite costs more than looking it up: convert each value once.
    memos: dict[int, dict[Any, Any]] = {n: {} for n in repeating}
    steps = [(n, convert, memos.get(n)) for n, convert in processed]
    # Most rows name every column: take them all in one C call, and fall back to defaults only
    # for a row that lacks one.
    take = itemgetter(*[key for key, _ in plain])
    single = len(plain) == 1
    tuples: list[list[Any]] = []
    for row in rows:
        try:
            values = [take(row)] if single else list(take(row))
        except KeyError:
            get = row.get
            values = [get(key, default) for key, default in plain]
            for n in calls:
                if isinstance(values[n], _Call):
                    values[n] = values[n].function(None)
        for n, convert, memo in steps:
            value = values[n]
            if memo is None:
                values[n] = convert(value)
            elif value in memo:
                values[n] = memo[value]
            else:
                values[n] = memo[value] = convert(value)
        tuples.append(values)
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.executemany(statement, tuples)


_Plan = tuple[str, list[tuple[str, Any]], list[int], list[tuple[int, _Processor]], frozenset[int]]


@functools.lru_cache(maxsize=256)
def _plan(table: Table, dialect: Dialect, keys: frozenset[str]) -> _Plan:
    """How rows with ``keys`` are inserted into ``table``: the statement, each column's default
    and bind processor, and which columns repeat their values in a batch.

    Worked out once per table and set of keys: a use case that inserts one event a call (a
    consultation) would otherwise spend more on looking up the columns than on the insert.
    """
    columns: list[tuple[str, Any, _Processor | None]] = []
    for column in table.columns:
        has_default, default = _python_default(column)
        if column.key not in keys and not has_default:
            continue
        impl = column.type.dialect_impl(dialect)
        # sqlite3 binds ``bytes`` as a BLOB itself: the driver's ``Binary`` wrapper (a
        # memoryview) that LargeBinary's processor adds changes nothing that is stored.
        bind = None if isinstance(impl, LargeBinary) else impl.bind_processor(dialect)
        columns.append((column.key, default, bind))
    names = ", ".join(f'"{table.c[key].name}"' for key, _, _ in columns)
    marks = ", ".join("?" for _ in columns)
    plain = [(key, default) for key, default, _ in columns]
    calls = [n for n, (_, default) in enumerate(plain) if isinstance(default, _Call)]
    processed: list[tuple[int, _Processor]] = [
        (n, p) for n, (_, _, p) in enumerate(columns) if p is not None
    ]
    repeating = frozenset(n for n, _ in processed if _repeating(table.c[columns[n][0]]))
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    return statement, plain, calls, processed, repeating
