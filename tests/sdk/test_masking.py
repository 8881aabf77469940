import pytest

from jimu.masking import mask, mask_text


@pytest.mark.parametrize(
    "raw,masked",
    [
        ("11010519491231002X", "110105********002X"),
        ("110105194912310021", "110105********0021"),
        ("110105 19491231 002x", "110105********002x"),
        ("91110108551385082Q", "91110108********2Q"),
        ("N2110105MA0000001H", "N2110105********1H"),
        ("13800138000", "138****8000"),
        ("4111111111111111", "************1111"),
        ("6222 0212 3456 7890 123", "***************0123"),
        ("110105491231002", "***********1002"),
    ],
)
def test_identity_numbers_are_masked(raw, masked):
    assert mask_text(raw) == masked
    assert mask_text(f"error: bad value {raw}!") == f"error: bad value {masked}!"


@pytest.mark.parametrize("text", ["2026-06-30", "amount 230097.11", "score 612", "as_of 20260630", "v1.0.0"])
def test_ordinary_values_are_left_alone(text):
    assert mask_text(text) == text


def test_structures_are_masked_deeply():
    record = {"id": "11010519491231002X", "nested": [{"phone": "13800138000"}], "n": 5}
    assert mask(record) == {"id": "110105********002X", "nested": [{"phone": "138****8000"}], "n": 5}


def test_mistyped_uscc_is_masked_too():
    assert mask_text("91330106MA27O00015") == "91330106********15"
