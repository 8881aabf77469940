"""The licence register store: the shipped extract, lookups, history, and corrupted files refused by line."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from stdnum.cn import uscc

from jimu import MissingResource, Resources
from jimu_zhejiang_data import licences
from jimu_zhejiang_data.licences import COLUMNS, CsvLicenceRegister, LicenceRegister, LicenceRegisterError

HERE = Path(__file__).resolve().parent
HEADER = ",".join(COLUMNS)
GOOD_ROW = ("浙DA571300101,91330106MA2H7K3P1N,杭州同济大药房有限公司,西湖区,valid,2023-04-18,2023-04-18,2028-04-17,"
            "处方药、甲类非处方药")


def _synthesiser():
    spec = importlib.util.spec_from_file_location("synthesise_register", HERE.parent / "tools" / "synthesise_register.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_register_is_what_the_synthesiser_writes():
    tool = _synthesiser()
    assert licences.register_file().read_text(encoding="utf-8") == tool.render(tool.rows())


def test_the_shipped_register_loads_with_well_formed_keys_and_a_realistic_mix():
    register = licences.hangzhou_register()
    assert isinstance(register, LicenceRegister)
    assert len(register) == 320
    every = [lic for key in register._index for lic in register.licences(key)]
    assert len(every) == 320 and len({lic.licence_no for lic in every}) == 320
    for lic in every:
        assert uscc.calc_check_digit(lic.uscc[:17]) == lic.uscc[17]  # GB 32100 check character
        assert lic.uscc[2:6] == "3301"  # Hangzhou's districts
        assert (lic.expires_on - lic.issued_on).days in (1825, 1826)  # five years less a day
    statuses = [lic.status for lic in every]
    assert 0.85 < statuses.count("valid") / len(statuses) < 0.97
    assert statuses.count("suspended") and statuses.count("revoked")
    assert any(not lic.prescription for lic in every) and any(lic.prescription for lic in every)


def test_the_register_is_read_once_per_process():
    assert licences.hangzhou_register() is licences.hangzhou_register()


def test_lookups_normalise_the_uscc_and_return_the_history_oldest_first():
    register = licences.hangzhou_register()
    renewed = register.licences("9133 0110-ma28 f4jn 21")
    assert [lic.licence_no for lic in renewed] == ["浙DA571600106", "浙DA571600107"]
    assert register.licences("91330111MA2DNPX73X") == ()


def test_a_status_counts_from_the_day_it_began():
    (revoked,) = licences.hangzhou_register().licences("91330102MA27WQ5R6N")
    assert revoked.status_since == dt.date(2026, 3, 2)
    assert revoked.status_on(dt.date(2026, 3, 1)) == "valid"
    assert revoked.status_on(dt.date(2026, 3, 2)) == "revoked"


def test_the_provider_is_registered_for_the_declared_resource():
    (provider,) = licences.PROVIDERS
    assert provider.resource == licences.DRUG_LICENCES.name == "data.zhejiang.drug_licences"
    assert licences.DRUG_LICENCES.accepts(provider.factory())


def _write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "register.csv"
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("row", "message"), [
    (GOOD_ROW.replace("浙DA571300101", "浙XA571300101"), "register.csv:3: licence_no '浙XA571300101' is not"),
    (GOOD_ROW.replace("MA2H7K3P1N", "MA2H7K3P1A"), "register.csv:3: uscc is not a well-formed USCC with a correct check"),
    (GOOD_ROW.replace(",valid,", ",cancelled,"), "register.csv:3: status 'cancelled' is not one of valid, suspended, revoked"),
    (GOOD_ROW.replace("2028-04-17", "2028/04/17"), "register.csv:3: expires_on '2028/04/17' is not a date"),
    (GOOD_ROW.replace("2028-04-17", "2023-04-01"), "register.csv:3: expires_on is not after issued_on"),
    (GOOD_ROW.replace(",valid,2023-04-18", ",revoked,2022-01-01"), "register.csv:3: status_since is before issued_on"),
    (GOOD_ROW.replace(",杭州同济大药房有限公司,", ",,"), "register.csv:3: holder, district and scope must not be empty"),
    (GOOD_ROW + ",extra", "register.csv:3: expected 9 fields"),
    (GOOD_ROW.rsplit(",", 1)[0], "register.csv:3: expected 9 fields"),
])
def test_a_corrupted_row_is_refused_with_its_line(tmp_path, row, message):
    path = _write(tmp_path, GOOD_ROW.replace("101,", "100,").replace("MA2H7K3P1N", "MA2GUD8N4R").replace(
        "330106", "330105"), row)
    with pytest.raises(LicenceRegisterError) as raised:
        CsvLicenceRegister.from_csv(path)
    assert str(raised.value).startswith(f"{path}:") and message in str(raised.value)
    assert "MA2H7K3P1" not in str(raised.value)  # the holder's code is not echoed into logs


def test_a_wrong_header_a_duplicate_and_a_binary_file_are_refused(tmp_path):
    with pytest.raises(LicenceRegisterError, match="header .* is not"):
        CsvLicenceRegister.from_csv(_write(tmp_path, GOOD_ROW, header=HEADER.replace("scope", "business_scope")))
    with pytest.raises(LicenceRegisterError, match="licence 浙DA571300101 is listed twice"):
        CsvLicenceRegister.from_csv(_write(tmp_path, GOOD_ROW, GOOD_ROW))
    binary = tmp_path / "register.csv"
    binary.write_bytes(HEADER.encode() + b"\n\xff\xfe\x00garbage\n")
    with pytest.raises(LicenceRegisterError, match="not UTF-8 text"):
        CsvLicenceRegister.from_csv(binary)


def test_a_corrupted_register_makes_the_resource_unavailable_not_empty(tmp_path):
    """The runtime refers the application (SYS_RESOURCE_UNAVAILABLE) rather than reading "not found"."""
    path = _write(tmp_path, GOOD_ROW.replace(",valid,", ",?,"))
    provider = licences.ResourceProvider(resource=licences.DRUG_LICENCES.name,
                                         factory=lambda: CsvLicenceRegister.from_csv(path))
    bound = Resources({provider.resource: provider})
    with pytest.raises(MissingResource, match=r"could not be opened: LicenceRegisterError: .*register.csv:2: status '\?'"):
        bound[licences.DRUG_LICENCES.name]
