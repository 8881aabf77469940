import json

REQUIRED = {"id", "version", "level", "name", "name_zh", "owner", "lifecycle", "kind", "uses", "distribution"}


def test_catalog_json_has_the_documented_fields(jimu_cmd):
    result = jimu_cmd("catalog", "--json")
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert entries and all(REQUIRED <= set(e) for e in entries)
    person = next(e for e in entries if e["id"] == "customer.kyc.person")
    assert person["level"] == 4 and person["distribution"] == "jimu-credit" and person["kind"] == "map"
    assert set(person["uses"]) == {"customer.step.resident_id_checksum", "customer.step.resident_id_birthdate"}
    assert {e["kind"] for e in entries if e["level"] == 1} == {"domain"}


def test_catalog_filters(jimu_cmd):
    entries = json.loads(jimu_cmd("catalog", "--level", "5", "--domain", "customer", "--json").stdout)
    assert entries and {(e["level"], e["id"].split(".")[0]) for e in entries} == {(5, "customer")}
    table = jimu_cmd("catalog", "--level", "4")
    assert "customer.kyc.person" in table.stdout and "customer.step.uscc_checksum" not in table.stdout


def test_show_prints_contract_bounds_and_users(jimu_cmd):
    result = jimu_cmd("show", "customer.step.resident_id_birthdate")
    assert result.returncode == 0, result.stderr
    assert "max_age" in result.stdout and "≥60" in result.stdout and "≤150" in result.stdout
    assert "customer.kyc.person@1.1.0" in result.stdout  # used by
    data = json.loads(jimu_cmd("show", "customer.step.resident_id_birthdate@1.0.0", "--json").stdout)
    max_age = next(p for p in data["params"] if p["name"] == "max_age")
    assert max_age["bounds"] == {"ge": 60, "le": 150} and max_age["default"] == 120
    assert {r["code"] for r in data["reasons"]} == {"KYC_RIC_BIRTHDATE", "KYC_RIC_FUTURE_BIRTHDATE", "KYC_RIC_REGION"}


def test_show_unknown_id_says_did_you_mean_without_traceback(jimu_cmd):
    result = jimu_cmd("show", "customer.kyc.persn")
    assert result.returncode == 1
    assert "did you mean 'customer.kyc.person'" in result.stderr and "Traceback" not in result.stderr
    result = jimu_cmd("show", "customer.kyc.person@9.9.9")
    assert result.returncode == 1 and "installed versions: 1.1.0" in result.stderr
