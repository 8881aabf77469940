"""Divisions created after python-stdnum's bundled table (found by a branch data team
synthesising Hangzhou USCCs): Hangzhou's 临平区 (330113) and 钱塘区 (330114), created in April 2021.
Until ``regions.DIVISIONS_SINCE_TABLE`` named them, a well-formed USCC of an organisation
registered there was declined KYC_USCC_REGION.
"""

import pytest
from stdnum.cn import ric, uscc

from jimu import invoke
from jimu.plugins import load_catalog
from jimu_credit.customer.regions import DIVISIONS_SINCE_TABLE, division, region_names


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(allow=["jimu-credit"])


@pytest.mark.parametrize("region", ["330113", "330114"])
def test_a_uscc_registered_in_a_2021_hangzhou_district_is_valid(catalog, region):
    body = "91" + region + "MA2ABCDE0"
    out = invoke(catalog.get("customer.step.uscc_checksum"), {"uscc": body + uscc.calc_check_digit(body)})
    assert out.valid, out.reasons


def test_the_supplement_names_province_and_district():
    assert region_names("330113") == ("浙江省", "临平区")
    assert region_names("330114") == ("浙江省", "钱塘区")


def test_a_resident_id_registered_in_linping_is_accepted(catalog):
    body = "33011319900307002"
    number = body + ric.calc_check_digit(body)
    out = invoke(catalog.get("customer.step.resident_id_birthdate"), {"resident_id": number, "as_of": "2026-06-30"})
    assert out.valid, out.reasons
    assert (out.province, out.county) == ("浙江省", "临平区")


def test_the_supplement_never_overrides_the_table():
    # every supplemented code is one the table does not name; when a later python-stdnum
    # names it, this fails and the entry should go
    from stdnum import numdb

    for code in DIVISIONS_SINCE_TABLE:
        props = {k: v for _p, d in numdb.get("cn/loc").info(code) for k, v in d.items()}
        assert "county" not in props, f"{code} is in the table now: drop it from the supplement"
    assert division("330110").name_for() == "余杭区"  # an ordinary code still comes from the table
