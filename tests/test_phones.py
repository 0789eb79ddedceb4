import pytest

from hotline.phones import InvalidPhone, mask_phone, normalise_phone, phone_prefix


@pytest.mark.parametrize("typed", ["8 (342) 212-44-86", "+7 342 2124486", "83422124486", "+7(342)212-44-86",
                                   "3422124486"])
def test_the_ways_people_write_the_hotline_number_are_one_number(typed):
    assert normalise_phone(typed) == "+73422124486"


def test_foreign_numbers_keep_their_country():
    assert normalise_phone("+49 203 2830") .startswith("+49")


@pytest.mark.parametrize("typed", ["", "12345", "abc", "+7 342", "8 800 000 00 00 00 00"])
def test_what_is_not_a_number_is_refused(typed):
    with pytest.raises(InvalidPhone):
        normalise_phone(typed)


def test_prefix_for_lookup_as_you_type():
    assert phone_prefix("8 (342) 21") == "+734221"
    assert phone_prefix("+7 912") == "+7912"
    assert phone_prefix("8 3") is None


def test_masking_keeps_the_country_and_the_last_digits():
    assert mask_phone("+73422124486") == "+7342•••4486"
    assert mask_phone(None) == ""


@pytest.mark.parametrize("typed", ["212-44-86", "2124486", "212 44 86"])
def test_a_local_perm_number_is_read_with_the_area_code(typed):
    # Residents dictate seven digits; the desk is in Perm (area code 342).
    assert normalise_phone(typed) == "+73422124486"


def test_the_local_area_code_comes_from_the_configuration(app):
    app.config["HOTLINE_LOCAL_AREA_CODE"] = "343"
    try:
        assert normalise_phone("212-44-86") == "+73432124486"
    finally:
        app.config["HOTLINE_LOCAL_AREA_CODE"] = "342"


def test_local_prefixes_for_lookup_as_you_type():
    assert phone_prefix("212-4") == "+73422124"       # local: the area code is added
    assert phone_prefix("3422") == "+73422"           # the area code itself was typed
    assert phone_prefix("912 3") == "+79123"          # a mobile number without the 8
