"""``jimu run``: one record with its trace, or a file with its summary; exit 0 done, 1 cannot run, 2 usage."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[3]
BUNDLED = str(ROOT / "assemblies" / "beijing" / "haidian_identity_screening.yaml")
SAMPLES = ROOT / "assemblies" / "samples" / "identity_applicants.csv"
AS_OF = "2026-06-30"
AGED_30 = "110105199601011236"  # valid, Beijing Chaoyang, born 1996-01-01
AGED_76 = "11010519491231002X"
CARD = "4111111111111111"
SUMMARY_KEYS = {"rows_in", "rows_out", "rejected", "seconds", "outcomes", "reasons", "rejects", "output",
                "rejects_file"}


def ok(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return result


def cannot_run(result, *messages):
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    for message in messages:
        assert message in result.stderr, result.stderr
    return result


def record(**fields) -> str:
    return json.dumps({"resident_id": AGED_30, "as_of": AS_OF, **fields})


ROWS = [
    {"resident_id": AGED_30, "as_of": AS_OF, "card_number": CARD},
    {"resident_id": AGED_76, "as_of": AS_OF},
    {"resident_id": AGED_30, "as_of": "yesterday"},
    {"as_of": AS_OF},
    {"resident_id": "310104199007224563", "as_of": AS_OF},
]


def write(path: Path, rows=ROWS) -> Path:
    columns = ["resident_id", "as_of", "card_number"]
    if path.suffix == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        pq.write_table(pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in columns}), path)
    return path


def count(path: Path) -> int:
    if path.suffix == ".parquet":
        return pq.read_metadata(path).num_rows
    lines = path.read_text(encoding="utf-8").splitlines()
    return len(lines) - 1 if path.suffix == ".csv" else len(lines)


# -- one record ---------------------------------------------------------------------------------------


def test_a_record_prints_its_decision_outputs_and_trace(jimu_cmd):
    result = ok(jimu_cmd("run", BUNDLED, "--record", record(card_number=CARD)))
    lines = result.stdout.splitlines()
    assert lines[0] == "APPROVE no reason codes"
    assert lines[1] == 'outputs: {"age": 30, "province": "北京市", "card_last4": "1111"}'
    assert "trace of beijing.haidian.identity_screening@1.0.0" in result.stdout
    for step, capability in [("intake", "risk.intake@1.0.0"), ("intake.kyc", "customer.kyc.person@1.1.0"),
                             ("intake.card", "customer.kyc.card@1.0.0"),
                             ("eligibility", "risk.admission.eligibility@1.0.0")]:
        assert any(f" {step} " in line and capability in line for line in lines), step
    assert AGED_30 not in result.stdout and "110105********1236" in result.stdout


def test_a_declined_record_prints_its_reasons_and_skipped_steps(jimu_cmd):
    result = ok(jimu_cmd("run", BUNDLED, "--record", record(resident_id=AGED_76)))
    assert result.stdout.startswith("DECLINE ADM_AGE_ABOVE_MAX\n")
    assert "skipped" in result.stdout and "when has(inputs.card_number) is false" in result.stdout


def test_a_record_as_json(jimu_cmd):
    data = json.loads(ok(jimu_cmd("run", BUNDLED, "--record", record(), "--json")).stdout)
    assert set(data) == {"product", "outputs", "decision", "errors", "trace"}
    assert data["product"] == "beijing.haidian.identity_screening@1.0.0"
    assert data["outputs"] == {"age": 30, "province": "北京市", "card_last4": None}
    assert data["decision"] == {"outcome": "approve", "reasons": [], "offer": None}
    assert data["errors"] == []
    assert [(t["step"], t["status"]) for t in data["trace"]] == [
        ("intake", "ok"), ("intake.kyc", "ok"), ("intake.card", "skipped"), ("eligibility", "ok")]
    for t in data["trace"]:
        assert set(t) == {"step", "capability", "status", "duration_us", "inputs", "outputs", "note"}
        assert t["duration_us"] >= 0
    eligibility = data["trace"][-1]
    assert eligibility["inputs"] == {"age": 30, "region_code": "110105"}
    assert eligibility["outputs"]["decision"]["outcome"] == "approve"
    assert data["trace"][1]["inputs"] == {"resident_id": "110105********1236", "as_of": AS_OF}


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_rejected_record_prints_rejected_and_exits_0(jimu_cmd, as_json):
    result = ok(jimu_cmd("run", BUNDLED, "--record", record(as_of="yesterday"), *(["--json"] if as_json else [])))
    if as_json:
        assert json.loads(result.stdout) == {"rejected": "input as_of: expected a date written YYYY-MM-DD"}
    else:
        assert result.stdout.startswith("rejected: input as_of: ")


def test_a_record_that_is_not_a_json_object_cannot_run(jimu_cmd):
    cannot_run(jimu_cmd("run", BUNDLED, "--record", "{oops"), "--record is not JSON")
    cannot_run(jimu_cmd("run", BUNDLED, "--record", "[1, 2]"), "must be a JSON object")


# -- files --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_file_with_default_output_paths(jimu_cmd, tmp_path, suffix):
    write(tmp_path / f"applicants{suffix}")
    result = ok(jimu_cmd("run", BUNDLED, "--input", f"applicants{suffix}", "--json", cwd=tmp_path))
    summary = json.loads(result.stdout)
    assert set(summary) == SUMMARY_KEYS
    assert summary["output"] == f"out/applicants.decisions{suffix}"
    assert summary["rejects_file"] == "out/applicants.rejects.jsonl"
    assert (summary["rows_in"], summary["rows_out"], summary["rejected"]) == (5, 3, 2)
    assert summary["rows_in"] == summary["rows_out"] + summary["rejected"]
    assert summary["outcomes"] == {"approve": 2, "decline": 1}
    assert summary["reasons"] == {"ADM_AGE_ABOVE_MAX": 1}
    assert summary["rejects"] == {"input as_of": 1, "input resident_id": 1}
    assert isinstance(summary["seconds"], float) and summary["seconds"] >= 0
    assert count(tmp_path / summary["output"]) == 3
    rejects = [json.loads(line) for line in (tmp_path / summary["rejects_file"]).read_text().splitlines()]
    assert [r["row"] for r in rejects] == [3, 4] and all(r["reason"] for r in rejects)


def test_a_file_with_explicit_output_paths_in_other_formats(jimu_cmd, tmp_path):
    source = write(tmp_path / "applicants.csv")
    output, rejects = tmp_path / "results" / "decided.parquet", tmp_path / "results" / "turned_away.csv"
    result = ok(jimu_cmd("run", BUNDLED, "--input", str(source), "--output", str(output), "--rejects", str(rejects),
                         "--json", cwd=tmp_path))
    summary = json.loads(result.stdout)
    assert (summary["output"], summary["rejects_file"]) == (str(output), str(rejects))
    table = pq.read_table(output)
    assert table.num_rows == summary["rows_out"] == 3
    assert table.column_names == ["row", "age", "province", "card_last4", "decision", "reasons", "offer_limit", "offer_rate",
                                  "errors"]
    with open(rejects, encoding="utf-8", newline="") as handle:
        assert [r["row"] for r in csv.DictReader(handle)] == ["3", "4"]
    assert not (tmp_path / "out").exists()


def test_a_file_prints_a_text_summary(jimu_cmd, tmp_path):
    write(tmp_path / "applicants.jsonl")
    result = ok(jimu_cmd("run", BUNDLED, "--input", "applicants.jsonl", cwd=tmp_path))
    assert "beijing.haidian.identity_screening@1.0.0 over applicants.jsonl: 5 rows in, 3 out, 2 rejected" \
        in result.stdout
    for line in ("decision: approve", "decision: decline", "reason ADM_AGE_ABOVE_MAX", "rejected: input as_of",
                 "rejected: input resident_id", "decisions: out/applicants.decisions.jsonl",
                 "rejects:   out/applicants.rejects.jsonl"):
        assert line in result.stdout, line
    assert "5/5" in result.stderr  # the progress bar


def test_the_bundled_samples_run(jimu_cmd, tmp_path):
    summary = json.loads(ok(jimu_cmd("run", BUNDLED, "--input", str(SAMPLES), "--json", cwd=tmp_path)).stdout)
    assert (summary["rows_in"], summary["rejected"]) == (9, 0)
    assert summary["outcomes"] == {"approve": 5, "decline": 4}


# -- cannot run ---------------------------------------------------------------------------------------

BROKEN_PRODUCT = """\
kind: product
id: beijing.haidian.broken
version: 1.0.0
branch: beijing.haidian
name: Broken
name_zh: 有错产品
owner: beijing.haidian.tech
inputs: {resident_id: string, as_of: date}
steps:
  - id: intake
    uses: risk.intake
  - id: eligibility
    uses: risk.admission.eligibility
    with: {age: steps.intake.age, region_code: steps.intake.region_code}
    when: has(steps.intake.age) && has(steps.intake.region_code)
    params: {min_age: 40}
decision: [steps.intake.decision, steps.eligibility.decision]
"""

FAILING_PRODUCT = """\
kind: product
id: beijing.haidian.failing
version: 1.0.0
branch: beijing.haidian
name: Failing
name_zh: 失败即停产品
owner: beijing.haidian.tech
inputs: {resident_id: string, as_of: date}
steps:
  - id: kyc
    uses: customer.kyc.person
  - id: eligibility
    uses: risk.admission.eligibility
    with: {age: steps.kyc.age, region_code: "'110105'"}
    when: has(steps.kyc.age)
    on_error: fail
decision: [steps.kyc.decision, steps.eligibility.decision]
"""


def test_a_product_with_validation_errors_cannot_run(jimu_cmd, tmp_path):
    product = tmp_path / "broken.yaml"
    product.write_text(BROKEN_PRODUCT, encoding="utf-8")
    result = cannot_run(jimu_cmd("run", str(product), "--record", record()), "has 1 validation error(s)",
                        "it cannot run", "jimu validate")
    assert f"{product}:16:23: error J503" in result.stderr and "J503" in result.stderr and "min_age" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args,message", [
    (["--input", "applicants.txt"], "unknown format '.txt'"),
    (["--input", "applicants.csv", "--output", "decisions.xlsx"], "unknown format '.xlsx'"),
    (["--input", "applicants.csv", "--rejects", "rejects"], "unknown format '(no suffix)'"),
    (["--input", "empty.csv"], "no header line"),
])
def test_an_unreadable_input_or_output_format_cannot_run(jimu_cmd, tmp_path, args, message):
    write(tmp_path / "applicants.csv")
    (tmp_path / "applicants.txt").write_text("resident_id,as_of\n", encoding="utf-8")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    cannot_run(jimu_cmd("run", BUNDLED, *args, cwd=tmp_path), message)


@pytest.mark.parametrize("args", [[], ["--record", "{}", "--input", "applicants.csv"]], ids=["neither", "both"])
def test_exactly_one_of_record_and_input(jimu_cmd, tmp_path, args):
    write(tmp_path / "applicants.csv")
    result = jimu_cmd("run", BUNDLED, *args, cwd=tmp_path)
    assert result.returncode == 2 and "give exactly one of --record JSON or --input FILE" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_files_are_usage_errors(jimu_cmd, tmp_path):
    for args in (["nowhere.yaml", "--record", "{}"], [BUNDLED, "--input", "nowhere.csv"]):
        result = jimu_cmd("run", *args, cwd=tmp_path)
        assert result.returncode == 2 and "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_a_step_with_on_error_fail_that_fails_stops_the_run(jimu_cmd, tmp_path):
    product = tmp_path / "failing.yaml"
    product.write_text(FAILING_PRODUCT, encoding="utf-8")
    fine = ok(jimu_cmd("run", str(product), "--record", record()))
    assert fine.stdout.startswith("APPROVE")
    # as_of 9999-12-31 makes the age 8003: the eligibility step's input contract (age <= 150) breaks
    result = cannot_run(jimu_cmd("run", str(product), "--record", record(as_of="9999-12-31")), "the run stopped",
                        "step eligibility", "on_error is fail")
    assert AGED_30 not in result.stderr
    write(tmp_path / "applicants.csv", [ROWS[0], {"resident_id": AGED_30, "as_of": "9999-12-31"}, ROWS[4]])
    cannot_run(jimu_cmd("run", str(product), "--input", "applicants.csv", cwd=tmp_path), "the run stopped")


# -- bugs: each test shows one --------------------------------------------------------------------------


def test_an_unreadable_parquet_file_cannot_run(jimu_cmd, tmp_path):
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    cannot_run(jimu_cmd("run", BUNDLED, "--input", "broken.parquet", cwd=tmp_path), "not a readable Parquet file")


def test_an_output_path_equal_to_the_input_never_destroys_the_input(jimu_cmd, tmp_path):
    source = write(tmp_path / "applicants.csv")
    before = source.read_bytes()
    jimu_cmd("run", BUNDLED, "--input", "applicants.csv", "--output", "applicants.csv", cwd=tmp_path)
    assert source.read_bytes() == before


def test_a_record_with_a_lone_surrogate_is_not_an_internal_error(jimu_cmd):
    result = jimu_cmd("run", BUNDLED, "--record", '{"resident_id": "\\ud800", "as_of": "2026-06-30"}', "--json")
    assert "internal error" not in result.stderr
    assert result.returncode in (0, 1)


def _valid_id(region: str, birth: str, seq: str) -> str:
    from stdnum.cn import ric

    body = region + birth + seq
    return body + ric.calc_check_digit(body + "0")


def test_a_file_with_ten_percent_damaged_rows_completes_with_every_row_accounted_for(jimu_cmd, tmp_path):
    """The issue's acceptance run, through the command line: exit 0, rows in = out + rejected, reasons on all."""
    from jimu import load_catalog

    damage = [
        b"%s,yesterday,",  # wrong type
        b"%s,,",  # missing field
        b"%s,2026-06-30,\xff\xfe",  # bad encoding
        b"%s,0001-01-01,",  # absurd date (born after it)
        b"%s,9999-12-31,",  # absurd date (aged 8000)
        b"%s,2026-06-30,4111111111111111,extra",  # too many fields
        b"x" * 400 + b",2026-06-30,",  # absurd resident_id
        b"%s,2026-06-30,12345",  # card too short
        b"%s,0,",  # a number where a date belongs
        b",2026-06-30,",  # missing resident_id
    ]
    lines = [b"resident_id,as_of,card_number"]
    for i in range(200):
        rid = _valid_id("330106", f"{1970 + i % 30}0{1 + i % 9}1{i % 10}", f"{i % 900 + 100:03d}").encode()
        if i % 10 == 3:
            template = damage[(i // 10) % len(damage)]
            lines.append(template % rid if b"%s" in template else template)
        else:
            lines.append(rid + b",2026-06-30,")
    source = tmp_path / "damaged.csv"
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = jimu_cmd("run", BUNDLED, "--input", str(source), "--output", str(tmp_path / "d.jsonl"),
                      "--rejects", str(tmp_path / "r.jsonl"), "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows_in"] == 200 == summary["rows_out"] + summary["rejected"]
    decided = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    rejected = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert len(decided) == summary["rows_out"] and len(rejected) == summary["rejected"] >= 8
    assert all(r["reason"].strip() and r["row"] >= 1 for r in rejected)
    damaged_rows = {n for n in range(1, 201) if (n - 1) % 10 == 3}
    registry = set(load_catalog().reasons)
    for row in decided:
        if row["row"] in damaged_rows:
            assert row["decision"] != "approve", row
        if row["decision"] != "approve":
            assert row["reasons"] and set(row["reasons"]) <= registry, row
    assert {r["row"] for r in rejected} <= damaged_rows


def test_partition_rows_sets_the_local_engine_s_partitions_and_changes_no_result(jimu_cmd, tmp_path):
    source = write(tmp_path / "applicants.csv")
    runs = {}
    for rows in ("1", "2", "50000"):
        out = tmp_path / f"decided-{rows}.jsonl"
        result = ok(jimu_cmd("run", BUNDLED, "--input", str(source), "--partition-rows", rows, "--output", str(out),
                             "--rejects", str(tmp_path / f"rejects-{rows}.jsonl"), "--json", cwd=tmp_path))
        summary = json.loads(result.stdout)
        assert (summary["rows_in"], summary["rows_out"], summary["rejected"]) == (5, 3, 2)
        runs[rows] = out.read_text(encoding="utf-8")
    assert runs["1"] == runs["2"] == runs["50000"]
    bad = jimu_cmd("run", BUNDLED, "--input", str(source), "--partition-rows", "0", cwd=tmp_path)
    assert bad.returncode == 2 and "--partition-rows" in bad.stderr
