"""A Parquet book is read with only the columns the product reads; rejects still hold every field.

A loan book carries columns post-loan monitoring does not read (customer ids, branch, risk
grade…). The batch engine reads a partition with the product's columns only, and reads a
rejected row whole again, so its rejects file is the record engine's, field for field.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jimu import load_catalog
from jimu.runtime import load_plan
from jimu.runtime import batch as engine
from jimu.runtime.files import run_file
from jimu.runtime.frames import parquet_records
from jimu.runtime.partitions import read_rows_back

ROOT = Path(__file__).resolve().parents[3]
POSTLOAN = ROOT / "assemblies" / "hq" / "postloan_monitoring.yaml"


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setattr(engine, "STRICT", True)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    from jimu_credit.loanbook import loans

    rows = list(loans(120, seed=5))  # every column of the book, most of them unread by the product
    rows[3]["as_of"] = "31/12/2025"  # rejected: not a date
    rows[64]["limit"] = None  # rejected: required
    rows[119]["balance"] = "a lot"  # rejected: not a number (a text column then)
    for row in rows:
        row["balance"] = str(row["balance"])
    path = tmp_path_factory.mktemp("book") / "book.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=50)  # rejects in three row groups
    return path


def test_rejects_hold_every_column_of_the_row(source, tmp_path):
    plan = load_plan(POSTLOAN, load_catalog())
    files = {}
    for name, options in (("record", {"engine": "record"}), ("batch", {"partition_rows": 40})):
        out, bad = tmp_path / f"{name}.parquet", tmp_path / f"{name}.rejects.jsonl"
        summary = run_file(plan, source, out, bad, **options)
        assert summary.rejected == 3
        files[name] = (read_rows_back(out), read_rows_back(bad))
    assert files["batch"] == files["record"]
    rejects = files["batch"][1]
    assert [r["row"] for r in rejects] == [4, 65, 120]
    assert "customer_id" in rejects[0]["record"] and "risk_grade" in rejects[0]["record"]  # not read by the product


def test_parquet_records_reads_rows_across_row_groups(source):
    whole = pq.read_table(source).to_pylist()
    got = parquet_records(source, [1, 50, 51, 120])
    for number, record in zip([1, 50, 51, 120], got, strict=True):
        assert record == {k: v for k, v in whole[number - 1].items() if v is not None}


def test_dates_in_a_chunked_text_column_are_parsed():
    """A Series backed by several Arrow chunks (a Dask partition's) has its ISO dates parsed too."""
    import pandas as pd

    from jimu.runtime.columns import _arrow_dates

    chunked = pa.chunked_array([["2025-03-31", None], ["2025-02-30", "2025-03-31"]])
    values, null, bad = _arrow_dates(pd.Series(pd.arrays.ArrowExtensionArray(chunked)))
    assert [str(v)[:10] for v in values] == ["2025-03-31", "NaT", "NaT", "2025-03-31"]
    assert null.tolist() == [False, True, False, False] and bad.tolist() == [False, False, True, False]
