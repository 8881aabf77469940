"""Files through the batch engine, a partition at a time: the same files as the record engine.

Every input format into every output format, with partitions smaller than the file (so rows,
rejects and unreadable lines cross partition boundaries), must read back exactly as the record
engine's run of the same file: same outputs, same rejects, same summary.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jimu import load_catalog
from jimu.runtime import load_plan
from jimu.runtime import batch as engine
from jimu.runtime.files import InputFileError, RowWriter, run_file
from jimu.runtime.partitions import read_rows_back

ROOT = Path(__file__).resolve().parents[3]
POSTLOAN = ROOT / "assemblies" / "hq" / "postloan_monitoring.yaml"
COLUMNS = ["loan_id", "product", "as_of", "oldest_unpaid_due_date", "balance", "limit", "rate", "tenor_months",
           "monthly_income", "current_score", "origination_score", "behaviour_score", "deposit_balance_avg_3m",
           "deposit_balance_avg_12m", "turnover_avg_3m", "turnover_avg_12m"]


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setattr(engine, "STRICT", True)


@pytest.fixture(scope="module")
def plan():
    return load_plan(POSTLOAN, load_catalog())


@pytest.fixture(scope="module")
def book():
    from jimu_credit.loanbook import loans

    rows = [{k: r[k] for k in COLUMNS} for r in loans(90, seed=21)]
    rows[4]["balance"] = -5.0  # a step error: referred
    rows[17]["as_of"] = "31/12/2025"  # rejected: not a date
    rows[30]["limit"] = None  # rejected: required
    rows[51]["limit"] = 0.0  # the limit review's contract: referred
    return rows


def write(path: Path, rows: list[dict]) -> None:
    if path.suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(rows), path)
        return
    writer = RowWriter(path, COLUMNS)
    for row in rows:
        writer.write(row)
    writer.close()
    if path.suffix == ".jsonl":  # and a line that is not JSON at all, mid-file
        lines = path.read_text(encoding="utf-8").splitlines()
        lines.insert(40, "{not json")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("out_suffix", [".parquet", ".jsonl", ".csv"])
@pytest.mark.parametrize("in_suffix", [".parquet", ".jsonl", ".csv"])
def test_partitions_give_the_record_engines_files(plan, book, tmp_path, in_suffix, out_suffix):
    source = tmp_path / f"book{in_suffix}"
    write(source, book)
    runs = {}
    for engine_name, rows in (("record", None), ("batch", 7)):
        out, bad = tmp_path / f"{engine_name}{out_suffix}", tmp_path / f"{engine_name}.rejects.jsonl"
        options = {"engine": engine_name} if rows is None else {"partition_rows": rows}
        summary = run_file(plan, source, out, bad, **options)
        assert summary.balanced
        runs[engine_name] = (summary.to_json(), read(out), read(bad))
    (s1, out1, bad1), (s2, out2, bad2) = runs["record"], runs["batch"]
    for summary in (s1, s2):
        summary.pop("seconds"), summary.pop("output"), summary.pop("rejects_file")
    assert s2 == s1
    assert out2 == out1
    assert bad2 == bad1
    extra = 1 if in_suffix == ".jsonl" else 0
    assert (s2["rows_in"], s2["rejected"]) == (90 + extra, 2 + extra)


def read(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        import csv

        with open(path, encoding="utf-8", newline="") as handle:
            return sorted(csv.DictReader(handle), key=lambda r: int(r["row"]))
    return read_rows_back(path)


def test_a_parquet_output_is_written_a_partition_at_a_time(plan, book, tmp_path):
    source = tmp_path / "book.parquet"
    write(source, book)
    run_file(plan, source, tmp_path / "out.parquet", tmp_path / "bad.jsonl", partition_rows=25)
    meta = pq.ParquetFile(tmp_path / "out.parquet").metadata
    assert meta.num_row_groups == 4 and meta.num_rows == 88


def test_progress_is_reported_per_partition(plan, book, tmp_path):
    source = tmp_path / "book.parquet"
    write(source, book)
    seen = []
    run_file(plan, source, tmp_path / "o.jsonl", tmp_path / "b.jsonl", partition_rows=40, progress=seen.append)
    assert seen == [40, 80, 90]


def test_rejects_are_masked_and_numbered(plan, book, tmp_path):
    source = tmp_path / "book.csv"
    write(source, book)
    run_file(plan, source, tmp_path / "o.jsonl", tmp_path / "b.jsonl", partition_rows=10)
    rejects = [json.loads(line) for line in (tmp_path / "b.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["row"] for r in rejects) == [18, 31]
    assert all(r["reason"].startswith("input ") for r in rejects)


def test_an_unknown_engine_name_runs_the_batch_engine_only_by_name(plan, book, tmp_path):
    source = tmp_path / "book.csv"
    write(source, book)
    with pytest.raises(InputFileError):
        run_file(plan, tmp_path / "missing.csv", tmp_path / "o.csv", tmp_path / "b.jsonl")
