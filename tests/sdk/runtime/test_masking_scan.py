"""No resident ID, USCC, card or phone number appears unmasked in a trace, a log line or a rejects file.

``jimu run`` is run as a user would, on records and files full of valid identity numbers: the
product's own inputs (resident ID, card) and extra columns it ignores (a USCC, a mobile number, a
free-text note quoting them), some rows rejected so that their whole record is written to the
rejects file. Everything it prints and writes is then scanned for the exact numbers put in and,
generically, for anything shaped like one. The decisions file is scanned too: the bundled
product's outputs hold no identity number, but its ``errors`` column quotes step errors.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from stdnum import luhn
from stdnum.cn import ric

from jimu import hookimpl, load_catalog
from jimu.runtime import load_plan
from jimu.runtime.files import InputFileError, run_file

ROOT = Path(__file__).resolve().parents[3]
BUNDLED = ROOT / "assemblies" / "beijing" / "haidian_identity_screening.yaml"
AS_OF = "2026-06-30"


def resident_id(region: str, birth: str, seq: str = "123") -> str:
    body = region + birth + seq
    return body + ric.calc_check_digit(body + "0")


def card(prefix: str, length: int = 16) -> str:
    body = (prefix + "8273645519283746501")[: length - 1]
    return body + luhn.calc_check_digit(body)


RESIDENT_IDS: list[str] = [resident_id("110105", "19960101"), resident_id("310104", "19900722", "456"),
                resident_id("440305", "19850315", "077"), "11010519491231002X"]
CARDS = [card("622202", 19), card("4", 16), card("5100", 16), card("62", 12)]
USCCS = ["91110108551385082Q", "N2110105MA0000001H", "91330106MA27X00015"]
PHONES = ["13800138000", "15912345678", "18688886666", "17704051234"]
SECRETS = [*RESIDENT_IDS, *CARDS, *USCCS, *PHONES]

GENERIC = {
    "resident ID": re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])"),
    "USCC": re.compile(r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])"),
    "card number": re.compile(r"(?<![0-9])[0-9]{12,19}(?![0-9])"),
    "mobile number": re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])"),
    "long digit run": re.compile(r"[0-9]{11,}"),
}


def grouped(number: str) -> list[str]:
    """Other ways the same number may be written: in groups of four, with hyphens."""
    return [" ".join(number[i:i + 4] for i in range(0, len(number), 4)),
            "-".join(number[i:i + 4] for i in range(0, len(number), 4))]


def leaks(text: str, where: str) -> list[str]:
    found = []
    squeezed = re.sub(r"[\s│┃|]", "", text)  # a wrapped table cell must not hide a number
    for secret in SECRETS:
        if secret in text or secret.lower() in text or secret in squeezed:
            found.append(f"{where}: {secret} verbatim")
        for form in grouped(secret):
            if form in text:
                found.append(f"{where}: {secret} written as {form!r}")
    for kind, pattern in GENERIC.items():
        found += [f"{where}: a {kind} {m.group(0)!r}" for m in pattern.finditer(text)]
    return found


def file_text(path: Path) -> str:
    if path.suffix == ".parquet":
        return json.dumps(pq.read_table(path).to_pylist(), ensure_ascii=False, default=str)
    return path.read_text(encoding="utf-8")


def applicant(i: int, **extra) -> dict:
    return {"resident_id": RESIDENT_IDS[i % 3], "as_of": AS_OF, "card_number": CARDS[i % 4],
            "uscc": USCCS[i % 3], "phone": PHONES[i % 4],
            "note": f"call {PHONES[(i + 1) % 4]} about card {CARDS[(i + 1) % 4]}, employer {USCCS[(i + 1) % 3]}",
            **extra}


def records() -> list[dict]:
    rows = [applicant(i) for i in range(8)]
    rows[1]["as_of"] = "yesterday"  # rejected: the whole record goes to the rejects file
    rows[3].pop("resident_id")  # rejected
    rows[4]["resident_id"] = RESIDENT_IDS[3]  # declined (too old)
    rows[5]["card_number"] = " ".join(CARDS[1][i:i + 4] for i in range(0, 16, 4))  # written in groups
    rows[6]["as_of"] = "2026-13-01"  # rejected
    rows[7]["card_number"] = CARDS[0][:-1] + str((int(CARDS[0][-1]) + 1) % 10)  # declined: Luhn
    return rows


COLUMNS = ["resident_id", "as_of", "card_number", "uscc", "phone", "note"]


def write_csv(path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(records())
    with open(path, "ab") as handle:
        # a ragged row and a row with bad bytes: rejected as unreadable, their raw text kept
        handle.write(f"{RESIDENT_IDS[0]},{AS_OF},{CARDS[2]},{USCCS[1]},{PHONES[2]},x,y,z\r\n".encode())
        handle.write(f"{RESIDENT_IDS[1]},{AS_OF},{CARDS[3]},{USCCS[2]},{PHONES[3]},".encode() + b"\xff\xfe\r\n")


def write_jsonl(path: Path) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in records()]
    lines.append(f'{{"resident_id": "{RESIDENT_IDS[2]}", "phone": "{PHONES[0]}", "as_of": ')  # broken JSON
    lines.append(json.dumps([RESIDENT_IDS[0], CARDS[1], USCCS[0], PHONES[1]]))  # not an object
    lines.append(json.dumps(f"{RESIDENT_IDS[1]} {PHONES[2]}"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_parquet(path: Path) -> None:
    rows = records()
    pq.write_table(pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in COLUMNS}), path)


WRITERS = {".csv": write_csv, ".jsonl": write_jsonl, ".parquet": write_parquet}


def assert_no_leaks(*texts: tuple[str, str]) -> None:
    found = [leak for where, text in texts for leak in leaks(text, where)]
    assert not found, "unmasked identity numbers:\n  " + "\n  ".join(found)


# -- one record ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_a_records_trace_masks_every_identity_number(jimu_cmd, as_json):
    record = applicant(0, card_number=" ".join(CARDS[0][i:i + 4] for i in range(0, 19, 4)))
    result = jimu_cmd("run", str(BUNDLED), "--record", json.dumps(record, ensure_ascii=False),
                      *(["--json"] if as_json else []))
    assert result.returncode == 0, result.stderr
    if as_json:
        data = json.loads(result.stdout)
        assert data["decision"]["outcome"] == "approve"
        kyc = next(t for t in data["trace"] if t["step"] == "intake.kyc")
        assert kyc["inputs"]["resident_id"] == RESIDENT_IDS[0][:6] + "*" * 8 + RESIDENT_IDS[0][14:]
        assert kyc["outputs"]["resident_id"].count("*") == 8
        card_step = next(t for t in data["trace"] if t["step"] == "intake.card")
        assert card_step["inputs"]["card_number"].endswith(CARDS[0][-4:]) and "*" in card_step["inputs"]["card_number"]
    else:
        assert "APPROVE" in result.stdout and "intake.kyc" in result.stdout
    assert_no_leaks(("stdout", result.stdout), ("stderr", result.stderr))


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_a_rejected_record_is_reported_masked(jimu_cmd, as_json):
    record = applicant(1, as_of="yesterday")
    result = jimu_cmd("run", str(BUNDLED), "--record", json.dumps(record, ensure_ascii=False),
                      *(["--json"] if as_json else []))
    assert result.returncode == 0, result.stderr
    assert "rejected" in result.stdout
    assert_no_leaks(("stdout", result.stdout), ("stderr", result.stderr))


# -- files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source,rejects", [(".csv", ".jsonl"), (".jsonl", ".csv"), (".parquet", ".parquet")])
def test_a_files_outputs_rejects_and_summary_mask_every_identity_number(jimu_cmd, tmp_path, source, rejects):
    data = tmp_path / f"applicants{source}"
    WRITERS[source](data)
    output, rejected = tmp_path / f"decisions{source}", tmp_path / f"rejects{rejects}"
    result = jimu_cmd("run", str(BUNDLED), "--input", str(data), "--output", str(output), "--rejects",
                      str(rejected), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rejected"] >= 3 and summary["rows_out"] >= 4
    assert summary["rows_in"] == summary["rows_out"] + summary["rejected"]
    rejects_text = file_text(rejected)
    assert RESIDENT_IDS[1][:6] + "*" * 8 in rejects_text  # the rejected records are there, masked
    assert PHONES[1][:3] + "****" + PHONES[1][-4:] in rejects_text
    assert_no_leaks(("stdout", result.stdout), ("stderr", result.stderr), (rejected.name, rejects_text),
                    (output.name, file_text(output)))


def test_the_text_summary_masks_too(jimu_cmd, tmp_path):
    data = tmp_path / "applicants.csv"
    write_csv(data)
    result = jimu_cmd("run", str(BUNDLED), "--input", str(data), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "rows in" in result.stdout
    out = tmp_path / "out"
    assert_no_leaks(("stdout", result.stdout), ("stderr", result.stderr),
                    *((p.name, file_text(p)) for p in sorted(out.iterdir())))


# -- step errors that quote what they were given ---------------------------------------------------------

class Quoter:
    """A step that fails with a message quoting its input, as careless code does."""

    @hookimpl(wrapper=True)
    def jimu_run_step(self, step, inputs):
        if step.path == "intake.kyc":
            raise ValueError(f"cannot check {inputs.resident_id}; applicant phone {PHONES[0]}, "
                             f"card {CARDS[0]}, employer {USCCS[0]}")
        if step.path == "intake.card":
            yield
            return {"valid": True, "last4": inputs.card_number, "decision": {"outcome": "approve"}, "x": USCCS[1]}
        return (yield)


REJECTING = """\
kind: product
id: beijing.haidian.masking_rejects
version: 1.0.0
branch: beijing.haidian
name: Rejecting on error
name_zh: 出错拒收
owner: beijing.haidian.tech
inputs: {resident_id: string, as_of: date, card_number: {type: string, optional: true}}
steps:
  - id: intake
    uses: risk.intake
  - id: check
    uses: customer.kyc.person
    with: {resident_id: inputs.resident_id, as_of: inputs.as_of}
    on_error: reject
decision: [steps.intake.decision, steps.check.decision]
"""


def test_step_errors_quoting_identity_numbers_are_masked_in_decisions_and_rejects(tmp_path):
    catalog = load_catalog(plugins=[Quoter()])
    data = tmp_path / "applicants.csv"
    write_csv(data)
    plan = load_plan(BUNDLED, catalog)
    summary = run_file(plan, data, tmp_path / "decisions.jsonl", tmp_path / "rejects.jsonl")
    decisions = file_text(tmp_path / "decisions.jsonl")
    assert "SYS_STEP_RAISED" in decisions and "cannot check" in decisions
    assert summary.outcomes.get("approve", 0) == 0

    class QuoterEverywhere(Quoter):
        @hookimpl(wrapper=True)
        def jimu_run_step(self, step, inputs):
            if step.path == "check":
                raise ValueError(f"cannot check {inputs.resident_id} (phone {PHONES[1]})")
            return (yield)

    product = tmp_path / "rejecting.yaml"
    product.write_text(REJECTING, encoding="utf-8")
    plan = load_plan(product, load_catalog(plugins=[QuoterEverywhere()]))
    summary = run_file(plan, data, tmp_path / "decisions2.csv", tmp_path / "rejects2.jsonl")
    rejects = file_text(tmp_path / "rejects2.jsonl")
    assert summary.rejects.get("step check", 0) >= 4 and "cannot check" in rejects
    assert_no_leaks(("decisions.jsonl", decisions), ("rejects.jsonl", file_text(tmp_path / "rejects.jsonl")),
                    ("decisions2.csv", file_text(tmp_path / "decisions2.csv")), ("rejects2.jsonl", rejects))


# -- bugs: each test shows one --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan():
    return load_plan(BUNDLED, load_catalog())


def test_identity_numbers_given_as_json_numbers_are_masked_in_rejects(plan, tmp_path):
    data = tmp_path / "numbers.jsonl"
    data.write_text(json.dumps({"resident_id": int(RESIDENT_IDS[0]), "as_of": AS_OF, "phone": int(PHONES[0])}) + "\n"
                    + json.dumps({"resident_id": RESIDENT_IDS[1], "as_of": AS_OF, "card_number": int(CARDS[1])})
                    + "\n", encoding="utf-8")
    summary = run_file(plan, data, tmp_path / "out.jsonl", tmp_path / "rejects.jsonl")
    assert summary.rejected == 2
    assert_no_leaks(("rejects.jsonl", file_text(tmp_path / "rejects.jsonl")))


def test_identity_numbers_in_integer_parquet_columns_are_masked_in_rejects(plan, tmp_path):
    data = tmp_path / "numbers.parquet"
    pq.write_table(pa.table({"resident_id": [RESIDENT_IDS[0]], "as_of": ["yesterday"],
                             "phone": pa.array([int(PHONES[2])], pa.int64())}), data)
    summary = run_file(plan, data, tmp_path / "out.parquet", tmp_path / "rejects.jsonl")
    assert summary.rejected == 1
    assert_no_leaks(("rejects.jsonl", file_text(tmp_path / "rejects.jsonl")))


def test_identity_numbers_in_keys_are_masked_in_rejects(plan, tmp_path):
    """A JSON record keyed by an applicant's ID (a mangled export) is rejected with the key masked."""
    data = tmp_path / "keyed.jsonl"
    data.write_text("".join(json.dumps({rid: AS_OF}) + "\n" for rid in RESIDENT_IDS[:3]), encoding="utf-8")
    summary = run_file(plan, data, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    assert summary.rejected == 3
    assert_no_leaks(("rejects.jsonl", file_text(tmp_path / "rejects.jsonl")))


def test_a_csv_without_its_header_line_is_refused_before_any_id_is_written(plan, tmp_path):
    data = tmp_path / "no_header.csv"
    data.write_text("".join(f"{rid},{AS_OF}\n" for rid in RESIDENT_IDS[:3]), encoding="utf-8")
    with pytest.raises(InputFileError) as refused:
        run_file(plan, data, tmp_path / "out.csv", tmp_path / "rejects.jsonl")
    assert "header" in str(refused.value)
    assert_no_leaks(("message", str(refused.value).split(":", 1)[1]))
