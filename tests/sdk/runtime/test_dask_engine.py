"""The Dask engine on a real 2-worker LocalCluster: the local engine's contract, row for row.

Post-loan monitoring runs over a few thousand loans from the bundled loan book with bad rows
planted among them (missing and malformed inputs the product rejects, absurd values its steps
refer); the distributed run must count rows in = rows out + rows rejected and write exactly
what the local file engine writes, whatever the partitions and row groups.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("distributed")

from jimu import load_catalog
from jimu.runtime import RunFailed, load_plan
from jimu.runtime.dask_engine import EngineError, run_dask
from jimu.runtime.files import InputFileError, _jsonable, run_file
from jimu.runtime.partition_run import reject_group, run_frame_by_records
from jimu.runtime.partitions import _ranges, plan_partitions, read_partition, read_rows_back

ROOT = Path(__file__).resolve().parents[3]
POSTLOAN = ROOT / "assemblies" / "hq" / "postloan_monitoring.yaml"
LOANS = 2_400
#: the engine of the tests that are not about which engine runs a partition (both are compared
#: below); the CLI's tests run with the same, through JIMU_DASK_RECORD_ENGINE
ENGINE = "record"
#: row (1-based) → what is planted there, and whether the product must reject it
PLANTED = {
    7: ({"balance": None}, "input balance"),
    350: ({"as_of": "yesterday"}, "input as_of"),
    999: ({"oldest_unpaid_due_date": "2026-13-45"}, "input oldest_unpaid_due_date"),
    1000: ({"loan_id": None}, "input loan_id"),
    1001: ({"rate": math.nan}, "input rate"),  # NaN is a missing number, in both engines
    1500: ({"limit": math.inf}, "input limit"),  # a non-finite number is a corrupted row

    2001: ({"balance": -5.0}, None),
    LOANS: ({"current_score": 1e9}, None),
}


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as local:
        yield local


@pytest.fixture(scope="module")
def plan():
    return load_plan(POSTLOAN, load_catalog())


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """The loan book with bad rows planted, in row groups of 700 (partitions cut across them)."""
    from jimu_credit.loanbook import loans

    rows = [{k: _jsonable(v) for k, v in row.items()} for row in loans(LOANS, 11)]
    for number, (change, _) in PLANTED.items():
        rows[number - 1].update(change)
    path = tmp_path_factory.mktemp("book") / "loans.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=700)
    return path


@pytest.fixture(scope="module")
def local_runs(book, plan, tmp_path_factory):
    """The local file engine's run of the same book, per engine: what the Dask engine must equal."""
    runs = {}

    def run(engine: str):
        if engine not in runs:
            folder = tmp_path_factory.mktemp(f"local-{engine}")
            summary = run_file(plan, book, folder / "out.parquet", folder / "rejects.jsonl", **local_engine(engine))
            runs[engine] = summary, read_rows_back(folder / "out.parquet"), read_rows_back(folder / "rejects.jsonl")
        return runs[engine]

    return run


@pytest.fixture(scope="module")
def local(local_runs):
    return local_runs(ENGINE)


def local_engine(engine: str) -> dict:
    """``run_file``'s engine argument, where it has one (it runs the batch engine by default)."""
    return {"engine": engine} if "engine" in inspect.signature(run_file).parameters else {}


def same(a, b) -> bool:
    """Values equal as the file holds them (NaN equal to NaN; an int column read back as double equal)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def assert_rows_equal(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.keys() == w.keys()
        differ = {k: (g[k], w[k]) for k in w if not same(g[k], w[k])}
        assert not differ, f"row {w['row']} differs: {differ}"


# -- the distributed run equals the local one -----------------------------------------------------------


def batch_installed() -> bool:
    try:
        import jimu.runtime.batch  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("engine", ["record", "batch"])
def test_the_book_on_two_workers_equals_the_local_run(engine, cluster, book, plan, local_runs, tmp_path):
    if engine == "batch" and not batch_installed():
        pytest.skip("jimu.runtime.batch is not installed: the Dask engine maps the record engine")
    want_summary, want_out, want_rejects = local_runs(engine)
    summary = run_dask(plan, POSTLOAN, book, tmp_path / "out.parquet", tmp_path / "rejects.jsonl",
                       scheduler=cluster.scheduler_address, partition_rows=500, engine=engine)
    assert summary.rows_in == LOANS == summary.rows_out + summary.rejected
    assert (summary.rows_out, summary.rejected) == (want_summary.rows_out, want_summary.rejected)
    assert summary.outcomes == want_summary.outcomes and summary.reasons == want_summary.reasons
    assert summary.rejects == want_summary.rejects
    assert_rows_equal(read_rows_back(tmp_path / "out.parquet"), want_out)
    assert (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines() == \
        [json.dumps(r, ensure_ascii=False) for r in want_rejects]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "the staging folder is left behind"


def test_planted_rows_are_rejected_or_referred_never_lost(cluster, book, plan, tmp_path):
    run_dask(plan, POSTLOAN, book, tmp_path / "out.parquet", tmp_path / "rejects.parquet",
             scheduler=cluster.scheduler_address, partition_rows=800, engine=ENGINE)
    rejects = {r["row"]: r for r in read_rows_back(tmp_path / "rejects.parquet")}
    decided = {r["row"]: r for r in read_rows_back(tmp_path / "out.parquet")}
    assert rejects.keys().isdisjoint(decided) and len(rejects) + len(decided) == LOANS
    for number, (_, group) in PLANTED.items():
        if group:
            assert reject_group(rejects[number]["reason"]) == group, rejects[number]
            assert "customer_id" in json.loads(rejects[number]["record"])
            assert "*" in json.loads(rejects[number]["record"])["customer_id"], "identity numbers are masked"
        else:
            assert decided[number]["decision"] == "refer", decided[number]
            assert "SYS_STEP_CONTRACT" in json.loads(decided[number]["reasons"])


def test_a_directory_of_parts_in_gives_a_directory_of_parts_out(cluster, book, plan, local, tmp_path):
    table = pq.read_table(book)
    source = tmp_path / "book"
    source.mkdir()
    for i, (start, rows) in enumerate([(0, 900), (900, 1), (901, LOANS - 901)]):
        pq.write_table(table.slice(start, rows), source / f"part-{i}.parquet")
    (source / "_SUCCESS").write_text("")  # what Spark and Hadoop leave: not data
    summary = run_dask(plan, POSTLOAN, source, tmp_path / "decisions", tmp_path / "rejects",
                       scheduler=cluster.scheduler_address, partition_rows=600, engine=ENGINE)
    assert summary.rows_in == LOANS and summary.balanced
    parts = sorted(p.name for p in (tmp_path / "decisions").iterdir())
    assert parts == [f"part-{i:05d}.parquet" for i in range(len(parts))] and len(parts) == 6
    assert pq.read_table(tmp_path / "decisions").num_rows == summary.rows_out  # one schema over all parts
    assert_rows_equal(read_rows_back(tmp_path / "decisions"), local[1])
    rejects = read_rows_back(tmp_path / "rejects")
    assert [r["row"] for r in rejects] == [r["row"] for r in local[2]]


def test_csv_and_json_lines_outputs_are_the_local_engine_s_bytes(cluster, book, plan, tmp_path):
    small = tmp_path / "small.parquet"
    pq.write_table(pq.read_table(book).slice(0, 1100), small, row_group_size=100)
    run_file(plan, small, tmp_path / "local.csv", tmp_path / "local.jsonl", **local_engine(ENGINE))
    run_dask(plan, POSTLOAN, small, tmp_path / "dask.csv", tmp_path / "dask.jsonl",
             scheduler=cluster.scheduler_address, partition_rows=250, engine=ENGINE)
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()


def test_an_empty_book_writes_empty_outputs_without_a_cluster(plan, book, tmp_path):
    empty = tmp_path / "empty.parquet"
    pq.write_table(pq.read_table(book).slice(0, 0), empty)
    summary = run_dask(plan, POSTLOAN, empty, tmp_path / "out.parquet", tmp_path / "rejects",
                       scheduler="tcp://127.0.0.1:9")  # never contacted: there is nothing to run
    assert (summary.rows_in, summary.rows_out, summary.rejected) == (0, 0, 0)
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 0
    assert pq.read_table(tmp_path / "rejects").column_names == ["row", "reason", "record"]


def test_a_fail_step_stops_the_run_with_its_reason(cluster, book, tmp_path):
    strict = tmp_path / "strict.yaml"
    strict.write_text(POSTLOAN.read_text(encoding="utf-8").replace("    version: \"~=1.0\"\n",
                                                                    "    version: \"~=1.0\"\n    on_error: fail\n"),
                      encoding="utf-8")
    plan = load_plan(strict, load_catalog())
    with pytest.raises(RunFailed, match="its inputs break"):
        run_dask(plan, strict, book, tmp_path / "out.parquet", tmp_path / "rejects.jsonl",
                 scheduler=cluster.scheduler_address, partition_rows=1200, engine=ENGINE)
    assert not (tmp_path / "out.parquet").exists(), "a stopped run leaves no partial output"


def test_a_worker_compiling_another_product_is_refused(cluster, book, tmp_path):
    other = load_plan(ROOT / "assemblies" / "hq" / "preloan_standard.yaml", load_catalog())
    with pytest.raises(EngineError, match="compiles hq.postloan_monitoring@1.0.0, the client"):
        run_dask(other, POSTLOAN, book, tmp_path / "out.parquet", tmp_path / "rejects.jsonl",
                 scheduler=cluster.scheduler_address)


def test_inputs_it_cannot_take_are_refused_before_anything_runs(plan, book, tmp_path):
    csv = tmp_path / "loans.csv"
    csv.write_text("loan_id\nL1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="the dask engine reads Parquet"):
        run_dask(plan, POSTLOAN, csv, tmp_path / "o.parquet", tmp_path / "r.jsonl")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(InputFileError, match="not a readable Parquet file"):
        run_dask(plan, POSTLOAN, broken, tmp_path / "o.parquet", tmp_path / "r.jsonl")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputFileError, match="holding other files"):
        run_dask(plan, POSTLOAN, book, busy, tmp_path / "r.jsonl")
    with pytest.raises(InputFileError, match="is inside the input directory"):
        run_dask(plan, POSTLOAN, book.parent, book.parent / "decisions", tmp_path / "r.jsonl")


def test_a_scheduler_address_that_is_not_one_is_an_engine_error(plan, book, tmp_path):
    with pytest.raises(EngineError, match="cannot reach the Dask scheduler at 127.0.0.1:9:9"):
        run_dask(plan, POSTLOAN, book, tmp_path / "o.parquet", tmp_path / "r.jsonl", scheduler="127.0.0.1:9:9")


# -- partitions ----------------------------------------------------------------------------------------


@given(st.lists(st.integers(0, 3000), max_size=12), st.integers(1, 1000))
def test_partitions_cover_every_row_once_in_order(groups, limit):
    ranges = list(_ranges(groups, limit))
    assert sum(rows for _, rows in ranges) == sum(groups)
    position = 0
    for start, rows in ranges:
        assert start == position and 0 < rows <= limit
        position += rows


def test_a_partition_reads_exactly_its_rows(book):
    parts = plan_partitions(book, 333)
    whole = pq.read_table(book)
    assert [p.first_row for p in parts] == [1 + sum(q.rows for q in parts[:i]) for i in range(len(parts))]
    for part in parts[::3]:
        # compared as text: a planted NaN is not equal to itself
        assert repr(read_partition(part).to_pylist()) == repr(whole.slice(part.first_row - 1, part.rows).to_pylist())


# -- the record stand-in and the vectorised engine --------------------------------------------------------


def test_the_vectorised_engine_agrees_with_the_record_stand_in(book, plan):
    run_frame = pytest.importorskip("jimu.runtime.batch").run_frame
    frame = pq.read_table(book).slice(300, 1200).to_pandas()
    got_out, got_rejects = run_frame(plan, frame, 301)
    want_out, want_rejects = run_frame_by_records(plan, frame, 301)
    assert list(got_out["row"]) == list(want_out["row"])
    assert list(got_rejects["row"]) == list(want_rejects["row"])
    for column in want_out.columns:
        for g, w in zip(got_out[column], want_out[column], strict=True):
            assert same(_plain(g), _plain(w)), (column, g, w)


def _plain(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    return None if isinstance(value, float) and math.isnan(value) else value


# -- the command line ------------------------------------------------------------------------------------


def test_cli_runs_on_a_given_scheduler_and_prints_the_summary(jimu_cmd, cluster, book, local, tmp_path, monkeypatch):
    monkeypatch.setenv("JIMU_DASK_RECORD_ENGINE", "1")
    result = jimu_cmd("run", str(POSTLOAN), "--input", str(book), "--engine", "dask", "--scheduler",
                      cluster.scheduler_address, "--output", str(tmp_path / "out.parquet"), "--rejects",
                      str(tmp_path / "rejects.jsonl"), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows_in"] == LOANS == summary["rows_out"] + summary["rejected"]
    assert summary["rejected"] == local[0].rejected and summary["outcomes"] == dict(local[0].outcomes)
    assert "partitions" in result.stderr and "Traceback" not in result.stderr


def test_cli_starts_and_stops_its_own_local_cluster(jimu_cmd, book, tmp_path, monkeypatch):
    monkeypatch.setenv("JIMU_DASK_RECORD_ENGINE", "1")
    small = tmp_path / "small.parquet"
    pq.write_table(pq.read_table(book).slice(0, 120), small)
    result = jimu_cmd("run", str(POSTLOAN), "--input", str(small), "--engine", "dask", "--workers", "1",
                      "--output", str(tmp_path / "decisions"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "120 rows in, 119 out, 1 rejected" in result.stdout
    assert (tmp_path / "out" / "small.rejects.jsonl").exists() and (tmp_path / "decisions").is_dir()
    assert "Traceback" not in result.stderr and "error" not in result.stderr.lower(), result.stderr


def test_cli_with_a_bad_scheduler_exits_1_with_one_line(jimu_cmd, book, tmp_path, monkeypatch):
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "2s")  # Dask's own setting, honoured
    started = time.perf_counter()
    result = jimu_cmd("run", str(POSTLOAN), "--input", str(book), "--engine", "dask", "--scheduler",
                      "tcp://127.0.0.1:9", "--output", str(tmp_path / "o.parquet"))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert time.perf_counter() - started < 10


def test_ctrl_c_shuts_the_cluster_down_and_leaves_nothing_behind(book, tmp_path):
    big = tmp_path / "big.parquet"
    pq.write_table(pa.concat_tables([pq.read_table(book)] * 8), big)  # long enough to interrupt
    jimu = Path(sys.executable).with_name("jimu")
    # a session of its own: Ctrl-C in a terminal signals every process of the job, workers included
    run = subprocess.Popen([str(jimu), "run", str(POSTLOAN), "--input", str(big), "--engine", "dask", "--workers", "1",
                            "--partition-rows", "400", "--output", str(tmp_path / "decisions")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                           env={**os.environ, "JIMU_DASK_RECORD_ENGINE": "1"})
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".decisions.parts-*/decisions/*")) and time.monotonic() < deadline:
        time.sleep(0.05)  # until a worker has written its first part: the run is under way
    os.killpg(run.pid, signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 1 and "Aborted." in err, err
    assert "Traceback" not in err, err
    assert not (tmp_path / "decisions").exists() and not list(tmp_path.glob(".decisions.parts-*"))
    while time.monotonic() < deadline:  # the workers go with it
        try:
            os.killpg(run.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("a process of the run outlived it")


def test_cli_a_damaged_parquet_page_is_one_line_exit_1(jimu_cmd, cluster, book, tmp_path):
    damaged = tmp_path / "damaged.parquet"
    pq.write_table(pq.read_table(book), damaged, compression="snappy")
    data = bytearray(damaged.read_bytes())
    for i in range(1000, len(data) // 2, 7):  # the data pages; the footer (metadata) stays readable
        data[i] = (data[i] + 91) % 256
    damaged.write_bytes(bytes(data))
    result = jimu_cmd("run", str(POSTLOAN), "--input", str(damaged), "--engine", "dask", "--scheduler",
                      cluster.scheduler_address, "--output", str(tmp_path / "decisions"))
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "cannot read partition 0 (rows 1-" in errors[0], result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--scheduler", "tcp://127.0.0.1:8786"], "only apply with --engine dask"),
    (["--engine", "dask", "--record", "{}"], "--record runs in this process"),
    (["--engine", "dask", "--scheduler", "tcp://x:1", "--workers", "2"], "has its own workers"),
])
def test_cli_engine_options_that_do_not_fit_are_usage_errors(jimu_cmd, args, message, book):
    extra = [] if "--record" in args else ["--input", str(book)]
    result = jimu_cmd("run", str(POSTLOAN), *extra, *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr

