import json


def test_call_one_record_masks_identity_numbers(jimu_cmd):
    record = json.dumps({"resident_id": "11010519491231002X", "as_of": "2026-06-30"})
    result = jimu_cmd("call", "customer.kyc.person", "--record", record, "--json")
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout)
    assert line["output"]["valid"] is True and line["output"]["age"] == 76
    assert "11010519491231002X" not in result.stdout and "110105********002X" in result.stdout


def test_call_file_rejects_bad_rows_with_reasons(jimu_cmd, tmp_path):
    data = tmp_path / "people.csv"
    data.write_text("resident_id,as_of\n11010519491231002X,2026-06-30\n11010519491231002X,not-a-date\n")
    result = jimu_cmd("call", "customer.kyc.person", "--input", str(data), "--json")
    assert result.returncode == 0, result.stderr
    ok, bad = (json.loads(line) for line in result.stdout.splitlines())
    assert ok["output"]["valid"] is True
    assert "as_of" in bad["rejected"] and "11010519491231002X" not in result.stdout


def test_call_usage_and_input_errors(jimu_cmd, tmp_path):
    assert jimu_cmd("call", "customer.kyc.person").returncode == 2
    missing = jimu_cmd("call", "customer.kyc.person", "--input", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr
    bad_json = jimu_cmd("call", "customer.kyc.person", "--record", "{oops")
    assert bad_json.returncode == 1 and "not JSON" in bad_json.stderr
    domain = jimu_cmd("call", "customer", "--record", "{}")
    assert domain.returncode == 1 and "nothing to run" in domain.stderr


def test_records_and_params_must_be_json_objects(jimu_cmd, tmp_path):
    not_object = jimu_cmd("call", "customer.kyc.person", "--record", "[1, 2]")
    assert not_object.returncode == 1 and "must be a JSON object" in not_object.stderr
    assert "Traceback" not in not_object.stderr
    lines = tmp_path / "rows.jsonl"
    lines.write_text('{"resident_id": "11010519491231002X", "as_of": "2026-06-30"}\n[1]\n"text"\n')
    result = jimu_cmd("call", "customer.kyc.person", "--input", str(lines), "--json")
    assert result.returncode == 0, result.stderr
    statuses = [next(k for k in json.loads(line) if k != "input") for line in result.stdout.splitlines()]
    assert statuses == ["output", "rejected", "rejected"]
    bad_params = jimu_cmd("call", "customer.kyc.person", "--record", "{}", "--params", "[]")
    assert bad_params.returncode == 1 and "--params must be a JSON object" in bad_params.stderr


def test_unknown_params_are_rejected_with_the_field(jimu_cmd):
    record = json.dumps({"resident_id": "11010519491231002X", "as_of": "2026-06-30"})
    result = jimu_cmd("call", "customer.kyc.person", "--record", record, "--params", '{"zzz": 1}')
    assert result.returncode == 1 and "zzz" in result.stderr and "Traceback" not in result.stderr
