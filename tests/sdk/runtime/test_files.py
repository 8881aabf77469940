"""Running a product over files: CSV, JSON lines and Parquet in and out; rows in = rows out + rejected.

The corrupted files hold the kinds of damage a branch's extract really has (wrong types, missing
fields, bad bytes, ragged rows, absurd values, blank lines, broken JSON); each damaged row must
be rejected with its row number and a reason, or decided (declined or referred, with reason
codes), and never approved. Every clean row in them is an applicant the product approves, so a
damaged row cannot hide behind a decline that was coming anyway.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from stdnum import luhn
from stdnum.cn import ric

from jimu import load_catalog
from jimu.runtime import load_plan
from jimu.runtime.files import InputFileError, count_rows, output_columns, read_rows, run_file

ROOT = Path(__file__).resolve().parents[3]
BUNDLED = ROOT / "assemblies" / "beijing" / "haidian_identity_screening.yaml"
AS_OF = "2026-06-30"
REGIONS = ["110105", "310104", "440305", "330106", "510107"]


def resident_id(region: str, birth: str, seq: str = "123") -> str:
    body = region + birth + seq
    return body + ric.calc_check_digit(body + "0")


def card(prefix: str, length: int = 16) -> str:
    body = prefix.ljust(length - 1, "0")
    return body + luhn.calc_check_digit(body)


def applicant(i: int) -> dict:
    """The i-th clean applicant: aged 26 to 50 on the application date, half with a valid card."""
    rng = random.Random(i)
    birth = f"{rng.randrange(1976, 2000)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    record = {"resident_id": resident_id(rng.choice(REGIONS), birth, f"{rng.randrange(1000):03d}"), "as_of": AS_OF}
    if i % 2:
        record["card_number"] = card(rng.choice(["622202", "4", "5100"]), rng.choice([16, 19]))
    return record


@pytest.fixture(scope="module")
def plan():
    return load_plan(BUNDLED, load_catalog())


def read_back(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return pq.read_table(path).to_pylist()


def write_input(path: Path, records: list[dict]) -> None:
    if path.suffix == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["resident_id", "as_of", "card_number"])
            writer.writeheader()
            writer.writerows(records)
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    else:
        columns = {name: [r.get(name) for r in records] for name in ("resident_id", "as_of", "card_number")}
        pq.write_table(pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}), path)


def check_balance(summary, output: Path, rejects: Path) -> tuple[list[dict], list[dict]]:
    """rows in = rows out + rejected, in the summary and in the files; the row numbers partition 1..n."""
    outs, bad = read_back(output), read_back(rejects)
    assert summary.balanced and summary.rows_in == summary.rows_out + summary.rejected
    assert (len(outs), len(bad)) == (summary.rows_out, summary.rejected)
    numbers = [int(r["row"]) for r in outs] + [int(r["row"]) for r in bad]
    assert sorted(numbers) == list(range(1, summary.rows_in + 1))
    for row in bad:
        assert row["reason"] and str(row["reason"]).strip()
    assert sum(summary.outcomes.values()) == summary.rows_out
    assert sum(summary.rejects.values()) == summary.rejected
    return outs, bad


# -- every format in, every format out ------------------------------------------------------------


#: each output format with a rejects file in another one
REJECTS_BESIDE = {".csv": ".jsonl", ".jsonl": ".parquet", ".parquet": ".csv"}


@pytest.mark.parametrize("out_suffix", [".csv", ".jsonl", ".parquet"])
@pytest.mark.parametrize("in_suffix", [".csv", ".jsonl", ".parquet"])
def test_every_format_in_and_out_balances(plan, tmp_path, in_suffix, out_suffix):
    records = [applicant(i) for i in range(40)]
    records[3] = {**records[3], "as_of": "yesterday"}
    records[7] = {k: v for k, v in records[7].items() if k != "resident_id"}
    records[11] = {**records[11], "resident_id": records[11]["resident_id"][:17] + "Z"}  # declined, not rejected
    source = tmp_path / f"applicants{in_suffix}"
    write_input(source, records)
    rejects = tmp_path / f"rejects{REJECTS_BESIDE[out_suffix]}"
    done = []
    summary = run_file(plan, source, tmp_path / f"decisions{out_suffix}", rejects, progress=done.append)
    assert (summary.rows_in, summary.rows_out, summary.rejected) == (40, 38, 2)
    assert done and done[-1] == 40 and done == sorted(done)  # rows done so far, after each partition
    outs, bad = check_balance(summary, tmp_path / f"decisions{out_suffix}", rejects)
    assert list(outs[0]) == output_columns(plan)
    assert sorted(int(r["row"]) for r in bad) == [4, 8]
    decided = {int(r["row"]): r["decision"] for r in outs}
    assert decided.pop(12) == "decline"
    assert set(decided.values()) == {"approve"}
    assert summary.outcomes == Counter({"approve": 37, "decline": 1})
    assert summary.reasons == Counter({"KYC_RIC_FORMAT": 1})
    assert summary.rejects == Counter({"input as_of": 1, "input resident_id": 1})


def test_parquet_with_typed_columns_and_nulls(plan, tmp_path):
    import datetime as dt

    records = [applicant(i) for i in range(10)]
    table = pa.table({
        "resident_id": pa.array([r["resident_id"] for r in records[:-1]] + [None], pa.string()),
        "as_of": pa.array([dt.date(2026, 6, 30)] * 10, pa.date32()),
        "card_number": pa.array([r.get("card_number") for r in records], pa.string()),
        "branch_code": pa.array(list(range(10)), pa.int64()),  # a column the product does not read
    })
    source = tmp_path / "typed.parquet"
    pq.write_table(table, source)
    assert count_rows(source) == 10
    summary = run_file(plan, source, tmp_path / "out.parquet", tmp_path / "bad.jsonl")
    outs, bad = check_balance(summary, tmp_path / "out.parquet", tmp_path / "bad.jsonl")
    assert [r["row"] for r in bad] == [10] and "resident_id" in bad[0]["reason"]
    assert {r["decision"] for r in outs} == {"approve"}


def test_an_all_rejected_file_still_writes_every_output_format(plan, tmp_path):
    source = tmp_path / "bad.jsonl"
    source.write_text('{"as_of": "2026-06-30"}\n[1]\n', encoding="utf-8")
    for suffix in (".csv", ".jsonl", ".parquet"):
        summary = run_file(plan, source, tmp_path / f"out{suffix}", tmp_path / f"rejects{suffix}")
        check_balance(summary, tmp_path / f"out{suffix}", tmp_path / f"rejects{suffix}")
        assert (summary.rows_out, summary.rejected) == (0, 2)
    assert pq.read_table(tmp_path / "out.parquet").column_names == output_columns(plan)


def test_errors_and_reasons_are_written_as_text(plan, tmp_path):
    source = tmp_path / "two.csv"
    write_input(source, [{"resident_id": "11010519491231002X", "as_of": AS_OF, "card_number": "12"}])
    for suffix in (".csv", ".jsonl"):
        run_file(plan, source, tmp_path / f"out{suffix}", tmp_path / "rejects.jsonl")
    as_csv = read_back(tmp_path / "out.csv")[0]
    as_json = read_back(tmp_path / "out.jsonl")[0]
    assert as_csv["decision"] == as_json["decision"] == "decline"
    assert set(as_csv["reasons"].split(";")) == set(as_json["reasons"]) == {"KYC_CARD_FORMAT", "ADM_AGE_ABOVE_MAX"}
    assert as_csv["errors"] == "" and as_json["errors"] == []


# -- a damaged CSV ----------------------------------------------------------------------------------

#: kind → (how the row is damaged, what must happen to it)
CSV_DAMAGE = {
    "as_of_word": (lambda r: f"{r['resident_id']},yesterday,".encode(), "reject"),
    "as_of_impossible": (lambda r: f"{r['resident_id']},2026-02-30,".encode(), "reject"),
    "as_of_slashes": (lambda r: f"{r['resident_id']},2026/06/30,".encode(), "reject"),
    "no_resident_id": (lambda r: f",{AS_OF},".encode(), "reject"),
    "no_as_of": (lambda r: f"{r['resident_id']},,".encode(), "reject"),
    "bad_utf8": (lambda r: r["resident_id"].encode()[:10] + b"\xff\xfe" + f",{AS_OF},".encode(), "reject"),
    "too_many_fields": (lambda r: f"{r['resident_id']},{AS_OF},,extra,fields".encode(), "reject"),
    "too_few_fields": (lambda r: f"{r['resident_id']}".encode(), "reject"),
    "as_of_year_1": (lambda r: f"{r['resident_id']},0001-01-01,".encode(), "decline"),
    "as_of_year_9999": (lambda r: f"{r['resident_id']},9999-12-31,".encode(), "decline"),
    "resident_id_5000": (lambda r: ("1" * 5000 + f",{AS_OF},").encode(), "decline"),
    "wrong_check": (lambda r: f"{r['resident_id'][:17]}{'0' if r['resident_id'][17] != '0' else '1'},{AS_OF},".encode(),
                    "decline"),
    "nul_byte": (lambda r: f"{r['resident_id'][:9]}\x00{r['resident_id'][9:]},{AS_OF},".encode(), "decline"),
    "card_garbage": (lambda r: f"{r['resident_id']},{AS_OF},not-a-card".encode(), "decline"),
    "card_luhn": (lambda r: f"{r['resident_id']},{AS_OF},4111111111111112".encode(), "decline"),
    "quoted_comma": (lambda r: f'"{r["resident_id"][:9]},{r["resident_id"][9:]}",{AS_OF},'.encode(), "decline"),
    "future_birth": (lambda r: f"{resident_id('110105', '20300101')},{AS_OF},".encode(), "decline"),
    "region_unknown": (lambda r: f"{resident_id('999999', '19900101')},{AS_OF},".encode(), "decline"),
    "too_old": (lambda r: f"{resident_id('110105', '19400101')},{AS_OF},".encode(), "decline"),
    "too_young": (lambda r: f"{resident_id('110105', '20100101')},{AS_OF},".encode(), "decline"),
}


def csv_line(record: dict) -> bytes:
    return f"{record['resident_id']},{record['as_of']},{record.get('card_number', '')}".encode()


def damaged_csv(path: Path, rows: int = 1000, every: int = 10) -> dict[int, str]:
    """Write ``rows`` rows, one in ``every`` damaged, with blank lines between some; row number → kind."""
    kinds = list(CSV_DAMAGE)
    lines, damaged = [b"resident_id,as_of,card_number"], {}
    for i in range(rows):
        number = i + 1
        if number % every == 0:
            kind = kinds[(number // every) % len(kinds)]
            damaged[number] = kind
            lines.append(CSV_DAMAGE[kind][0](applicant(i)))
        else:
            lines.append(csv_line(applicant(i)))
        if number % 250 == 0:
            lines.append(b"")  # a blank line: not a row
            lines.append(b"   ")
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    return damaged


def test_a_damaged_csv_balances_and_never_approves_a_damaged_row(plan, tmp_path):
    source = tmp_path / "damaged.csv"
    damaged = damaged_csv(source)
    assert len(damaged) == 100 and set(damaged.values()) == set(CSV_DAMAGE)
    assert count_rows(source) == 1000
    summary = run_file(plan, source, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    assert summary.rows_in == 1000
    outs, bad = check_balance(summary, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    rejected = {r["row"]: r for r in bad}
    decided = {int(r["row"]): r for r in outs}
    for number in range(1, 1001):
        kind = damaged.get(number)
        if kind is None:
            assert number in decided and decided[number]["decision"] == "approve", (number, decided.get(number),
                                                                                    rejected.get(number))
            continue
        expected = CSV_DAMAGE[kind][1]
        if expected == "reject":
            assert number in rejected, (kind, decided.get(number))
            assert rejected[number]["reason"].strip()
        else:
            row = decided[number]
            assert row["decision"] in ("decline", "refer"), (kind, row)
            assert row["reasons"], (kind, row)
    assert summary.rejected == sum(1 for k in damaged.values() if CSV_DAMAGE[k][1] == "reject")
    reasons = {damaged[n]: r["reason"] for n, r in rejected.items()}
    assert "not valid UTF-8" in reasons["bad_utf8"]
    assert "the header has 3" in reasons["too_many_fields"] and "the header has 3" in reasons["too_few_fields"]
    assert reasons["as_of_word"].startswith("input as_of")
    assert reasons["no_resident_id"].startswith("input resident_id")
    declines = {damaged[n]: r["reasons"] for n, r in decided.items() if n in damaged}
    assert declines["as_of_year_1"] == "KYC_RIC_FUTURE_BIRTHDATE"
    assert declines["as_of_year_9999"] == "KYC_RIC_BIRTHDATE"
    assert declines["resident_id_5000"] == "KYC_RIC_FORMAT"
    assert declines["card_luhn"] == "KYC_CARD_LUHN"


def test_a_bad_utf8_rejects_record_is_valid_utf8(plan, tmp_path):
    source = tmp_path / "bytes.csv"
    source.write_bytes(b"resident_id,as_of\n" + b"\xc3\x28\xa0\xa1," + AS_OF.encode() + b"\n")
    run_file(plan, source, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    text = (tmp_path / "rejects.jsonl").read_bytes().decode("utf-8")  # strict: raises if not UTF-8
    row = json.loads(text)
    assert row["row"] == 1 and "\\xc3" in row["record"]["resident_id"]


# -- a damaged JSON-lines file --------------------------------------------------------------------

JSON_DAMAGE = {
    "broken_json": (lambda r: b'{"resident_id": "' + r["resident_id"].encode() + b'", "as_of": ', "reject"),
    "trailing_comma": (lambda r: json.dumps(r).encode()[:-1] + b", }", "reject"),
    "array": (lambda r: json.dumps(list(r.values())).encode(), "reject"),
    "string": (lambda r: json.dumps(r["resident_id"]).encode(), "reject"),
    "number": (lambda r: b"42", "reject"),
    "null": (lambda r: b"null", "reject"),
    "true": (lambda r: b"true", "reject"),
    "bad_utf8": (lambda r: b'{"resident_id": "\xff\xfe", "as_of": "2026-06-30"}', "reject"),
    "as_of_number": (lambda r: json.dumps({**r, "as_of": 20260630}).encode(), "reject"),
    "as_of_nan": (lambda r: json.dumps({**r, "as_of": float("nan")}).encode(), "reject"),
    "resident_id_number": (lambda r: json.dumps({**r, "resident_id": 110105199601011236}).encode(), "reject"),
    "resident_id_list": (lambda r: json.dumps({**r, "resident_id": [r["resident_id"]]}).encode(), "reject"),
    "missing": (lambda r: json.dumps({"as_of": AS_OF}).encode(), "reject"),
    "card_number_number": (lambda r: json.dumps({**r, "card_number": 6222021234567890}).encode(), "reject"),
    "as_of_year_1": (lambda r: json.dumps({**r, "as_of": "0001-01-01"}).encode(), "decline"),
    "as_of_year_9999": (lambda r: json.dumps({**r, "as_of": "9999-12-31"}).encode(), "decline"),
    "resident_id_5000": (lambda r: json.dumps({**r, "resident_id": "9" * 5000}).encode(), "decline"),
    "empty_card": (lambda r: json.dumps({**r, "card_number": ""}).encode(), "decline"),
    "control_chars": (lambda r: json.dumps({**r, "resident_id": r["resident_id"][:5] + "\u0000\u202e"}).encode(),
                      "decline"),
}


def test_a_damaged_json_lines_file_balances_and_never_approves_a_damaged_row(plan, tmp_path):
    kinds = list(JSON_DAMAGE)
    lines, damaged = [], {}
    for i in range(1000):
        number = i + 1
        if number % 10 == 0:
            kind = kinds[(number // 10) % len(kinds)]
            damaged[number] = kind
            lines.append(JSON_DAMAGE[kind][0](applicant(i)))
        else:
            lines.append(json.dumps(applicant(i)).encode())
        if number % 300 == 0:
            lines.append(b"  ")  # blank: not a row
    source = tmp_path / "damaged.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    assert count_rows(source) == 1000
    summary = run_file(plan, source, tmp_path / "out.jsonl", tmp_path / "rejects.jsonl")
    assert summary.rows_in == 1000
    outs, bad = check_balance(summary, tmp_path / "out.jsonl", tmp_path / "rejects.jsonl")
    rejected = {r["row"]: r for r in bad}
    decided = {r["row"]: r for r in outs}
    for number in range(1, 1001):
        kind = damaged.get(number)
        if kind is None:
            assert decided[number]["decision"] == "approve", (number, decided[number])
        elif JSON_DAMAGE[kind][1] == "reject":
            assert number in rejected, (kind, decided.get(number))
        else:
            assert decided[number]["decision"] in ("decline", "refer") and decided[number]["reasons"], kind
    reasons = {damaged[n]: r["reason"] for n, r in rejected.items()}
    assert reasons["broken_json"].startswith("not JSON")
    assert reasons["array"] == "a JSON list, not an object of fields"
    assert reasons["null"] == "a JSON NoneType, not an object of fields"
    assert "not valid UTF-8" in reasons["bad_utf8"]
    assert summary.rejects["unreadable row"] == sum(
        1 for n in rejected if damaged[n] in ("broken_json", "trailing_comma", "array", "string", "number", "null",
                                              "true", "bad_utf8"))


# -- files that cannot be read at all -------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\n\n\n", b"  \n", b",,\n"],
                         ids=["empty", "blank-lines", "spaces", "commas"])
def test_an_empty_or_header_less_csv_cannot_run(plan, tmp_path, content):
    source = tmp_path / "empty.csv"
    source.write_bytes(content)
    with pytest.raises(InputFileError, match="no header line"):
        run_file(plan, source, tmp_path / "out.csv", tmp_path / "rejects.jsonl")


def test_a_header_only_csv_is_a_run_of_no_rows(plan, tmp_path):
    source = tmp_path / "header.csv"
    source.write_text("resident_id,as_of\n", encoding="utf-8")
    summary = run_file(plan, source, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    assert (summary.rows_in, summary.rows_out, summary.rejected) == (0, 0, 0)
    check_balance(summary, tmp_path / "out.csv", tmp_path / "rejects.jsonl")


@pytest.mark.parametrize("name", ["applicants.txt", "applicants", "applicants.xlsx", "applicants.json"])
def test_an_unknown_suffix_cannot_run(plan, tmp_path, name):
    source = tmp_path / name
    source.write_text("resident_id,as_of\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="unknown format"):
        run_file(plan, source, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    with pytest.raises(InputFileError, match="unknown format"):
        list(read_rows(source))


def test_an_unknown_output_suffix_cannot_run(plan, tmp_path):
    source = tmp_path / "a.csv"
    write_input(source, [applicant(0)])
    with pytest.raises(InputFileError, match="unknown format"):
        run_file(plan, source, tmp_path / "out.xlsx", tmp_path / "rejects.jsonl")


def test_a_missing_file_cannot_be_read(plan, tmp_path):
    with pytest.raises(InputFileError, match="cannot read"):
        list(read_rows(tmp_path / "nowhere.csv"))


def test_a_broken_parquet_file_cannot_be_read(plan, tmp_path):
    source = tmp_path / "broken.parquet"
    source.write_bytes(b"PAR1 this is not parquet PAR1")
    with pytest.raises(InputFileError, match="not a readable Parquet file"):
        run_file(plan, source, tmp_path / "out.csv", tmp_path / "rejects.jsonl")


# -- bugs: each test shows one ------------------------------------------------------------------------


def test_a_csv_whose_first_line_is_data_cannot_run(plan, tmp_path):
    source = tmp_path / "no_header.csv"
    source.write_text("".join(csv_line(applicant(i)).decode() + "\n" for i in range(3)), encoding="utf-8")
    with pytest.raises(InputFileError):
        run_file(plan, source, tmp_path / "out.csv", tmp_path / "rejects.jsonl")


def test_a_row_of_empty_fields_is_a_row(plan, tmp_path):
    source = tmp_path / "commas.csv"
    source.write_text(f"resident_id,as_of,card_number\n{csv_line(applicant(0)).decode()}\n,,\n"
                      f"{csv_line(applicant(2)).decode()}\n", encoding="utf-8")
    summary = run_file(plan, source, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    assert summary.rows_in == count_rows(source) == 3
    assert summary.rejected == 1


def test_a_huge_csv_field_is_a_rejected_row(plan, tmp_path):
    source = tmp_path / "huge.csv"
    source.write_text(f"resident_id,as_of\n{'1' * 200_000},{AS_OF}\n{applicant(0)['resident_id']},{AS_OF}\n",
                      encoding="utf-8")
    summary = run_file(plan, source, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    assert (summary.rows_in, summary.rows_out + summary.rejected) == (2, 2)


def test_a_deeply_nested_json_line_is_a_rejected_row(plan, tmp_path):
    source = tmp_path / "deep.jsonl"
    source.write_text(json.dumps(applicant(0)) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    summary = run_file(plan, source, tmp_path / "out.jsonl", tmp_path / "rejects.jsonl")
    assert (summary.rows_in, summary.rows_out, summary.rejected) == (2, 1, 1)


def test_a_lone_surrogate_in_a_rejected_json_line_does_not_stop_the_run(plan, tmp_path):
    source = tmp_path / "surrogate.jsonl"
    source.write_text(json.dumps(applicant(0)) + "\n" + '{"resident_id": "\\ud800", "as_of": "never"}\n',
                      encoding="utf-8")
    summary = run_file(plan, source, tmp_path / "out.jsonl", tmp_path / "rejects.jsonl")
    assert (summary.rows_in, summary.rows_out, summary.rejected) == (2, 1, 1)


def test_a_json_lines_file_with_a_byte_order_mark(plan, tmp_path):
    source = tmp_path / "bom.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps(applicant(0)).encode() + b"\n")
    summary = run_file(plan, source, tmp_path / "out.jsonl", tmp_path / "rejects.jsonl")
    assert (summary.rows_out, summary.rejected) == (1, 0)


def test_a_date_written_as_a_number_is_never_approved(plan, tmp_path):
    source = tmp_path / "zero.csv"
    source.write_text(f"resident_id,as_of\n{resident_id('110105', '19450601')},0\n", encoding="utf-8")
    summary = run_file(plan, source, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    assert summary.outcomes.get("approve", 0) == 0


def test_csv_reader_yields_dicts_with_empty_cells_dropped(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text("\ufeffresident_id , as_of,card_number\n1,2,\n", encoding="utf-8")
    assert list(read_rows(source)) == [{"resident_id": "1", "as_of": "2"}]


def test_the_rejects_of_a_csv_name_each_row_with_its_row_number_not_its_line(plan, tmp_path):
    """Row numbers count rows (blank lines are not rows), from 1 after the header."""
    source = tmp_path / "numbers.csv"
    good = csv_line(applicant(0)).decode()
    source.write_text(f"resident_id,as_of,card_number\n{good}\n\n{good}\n,yesterday,\n", encoding="utf-8")
    summary = run_file(plan, source, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    _, bad = check_balance(summary, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    assert [r["row"] for r in bad] == [3]


def test_the_csv_reader_survives_quoting(plan, tmp_path):
    source = tmp_path / "quotes.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["resident_id", "as_of", "note"])
    writer.writerow([applicant(0)["resident_id"], AS_OF, 'said "hello",\nthen left'])
    source.write_text(buffer.getvalue(), encoding="utf-8")
    summary = run_file(plan, source, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    assert (summary.rows_in, summary.rows_out) == (1, 1)
