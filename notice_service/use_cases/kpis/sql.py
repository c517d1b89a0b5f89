"""Three SQL expressions that differ between PostgreSQL and SQLite, compiled per dialect.

- ``cents(amount)``: the exact integer cents of a ``DecimalString`` column (amounts are stored as canonical
  decimal text with at most two decimals, as the API accepts them). PostgreSQL casts to ``NUMERIC``; SQLite,
  which has no decimal type, splits the text at the point and reads both parts as integers: money never
  passes through a float.
- ``days_between(later, earlier)``: whole days between two dates (PostgreSQL ``date - date``; SQLite
  ``julianday``, exact for dates).
- medians: ``percentile_cont(0.5) WITHIN GROUP (ORDER BY …)`` on PostgreSQL; on SQLite, which lacks it, the
  average of the middle row(s) found with ``ROW_NUMBER()`` and ``COUNT(*)`` windows. Both in SQL; both give
  the same value (the mean of the two middle values for an even count).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Float, Integer, Select, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class cents(FunctionElement[int]):
    type = BigInteger()
    inherit_cache = True
    name = "cents"


class days_between(FunctionElement[int]):
    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(cents, "postgresql")
def _cents_postgresql(element: cents, compiler: Any, **kw: Any) -> str:
    amount = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(CAST({amount} AS NUMERIC) * 100 AS BIGINT)"


@compiles(cents, "sqlite")
def _cents_sqlite(element: cents, compiler: Any, **kw: Any) -> str:
    amount = compiler.process(next(iter(element.clauses)), **kw)
    point = f"instr({amount} || '.', '.')"
    units = f"CAST(substr({amount}, 1, {point} - 1) AS INTEGER)"
    hundredths = f"CAST(substr(substr({amount}, {point} + 1) || '00', 1, 2) AS INTEGER)"
    return f"({units} * 100 + {hundredths})"


@compiles(days_between, "postgresql")
def _days_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"({later} - {earlier})"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def medians(dialect: str, rows: Select[Any]) -> Select[Any]:
    """``(grp, median, count)`` per group of ``rows``, a select of two columns ``grp`` and ``days``."""
    source = rows.subquery("median_source")
    if dialect == "postgresql":
        median: ColumnElement[float] = func.percentile_cont(0.5).within_group(source.c.days)
        return select(source.c.grp, median.label("median"), func.count().label("count")).group_by(source.c.grp)
    ranked = select(
        source.c.grp,
        source.c.days,
        func.row_number().over(partition_by=source.c.grp, order_by=source.c.days).label("rn"),
        func.count().over(partition_by=source.c.grp).label("cnt"),
    ).subquery("ranked")
    middle = ranked.c.rn.in_([(ranked.c.cnt + 1) // 2, (ranked.c.cnt + 2) // 2])
    average = func.avg(ranked.c.days, type_=Float())
    count = func.max(ranked.c.cnt)
    return select(ranked.c.grp, average.label("median"), count.label("count")).where(middle).group_by(ranked.c.grp)
