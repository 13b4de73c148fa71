"""The Persian sort key: alphabet order, Arabic letter variants, numbers by value."""
from booking.ordering import persian_key


def test_provinces_follow_the_persian_alphabet():
    names = ["همدان", "کرمان", "چهارمحال و بختیاری", "گیلان", "یزد", "پ", "ژ", "تهران", "البرز",
             "آذربایجان شرقی", "زنجان"]
    assert sorted(names, key=persian_key) == [
        "آذربایجان شرقی", "البرز", "پ", "تهران", "چهارمحال و بختیاری", "زنجان", "ژ", "کرمان", "گیلان",
        "همدان", "یزد"]


def test_arabic_yeh_and_kaf_sort_as_persian_letters():
    assert persian_key("كرمان") == persian_key("کرمان")
    assert persian_key("ياسوج") == persian_key("یاسوج")
    assert sorted(["ياسوج", "همدان", "كرج", "گرگان"], key=persian_key) == ["كرج", "گرگان", "همدان", "ياسوج"]


def test_numbers_inside_names_compare_by_value_in_any_digits():
    districts = [f"منطقه {n}" for n in ("۱", "۱۰", "۱۱", "۱۹", "۲", "۲۰", "۳")]
    assert sorted(districts, key=persian_key) == [
        "منطقه ۱", "منطقه ۲", "منطقه ۳", "منطقه ۱۰", "منطقه ۱۱", "منطقه ۱۹", "منطقه ۲۰"]
    assert persian_key("منطقه 12") == persian_key("منطقه ۱۲") == persian_key("منطقه ١٢")
    assert sorted(["District 10", "District 2", "District 1"], key=persian_key) == [
        "District 1", "District 2", "District 10"]


def test_a_shorter_word_comes_before_its_longer_forms_and_zwnj_is_ignored():
    assert sorted(["آبادان", "آب", "آب و برق"], key=persian_key) == ["آب", "آب و برق", "آبادان"]
    assert persian_key("می\u200cروم") == persian_key("میروم")
    assert persian_key(None) == persian_key("") == ()


def test_directory_and_records_list_provinces_and_districts_in_persian_order(app, make_province, make_office):
    from booking.extensions import db
    from offices import directory, records
    from offices.models import District

    # codes in the opposite order of the alphabet, so an order by code would fail
    names = {"P90": "همدان", "P91": "گیلان", "P92": "كرمان", "P93": "چهارمحال و بختیاری", "P94": "البرز"}
    for code, name in names.items():
        make_office(province=make_province(code=code, name_fa=name))
    listed = [c["province_fa"] for c in records.cities()]
    assert listed == ["البرز", "چهارمحال و بختیاری", "كرمان", "گیلان", "همدان"]
    summaries = [s.province.name_fa for s in directory.province_summaries() if s.province.code in names]
    assert summaries == listed  # one office each: alphabet decides

    tehran = make_province(code="P95", name_fa="تهران")
    for n in ("۲", "۱۰", "۱", "۲۰", "۱۱"):
        district = District(province=tehran, code=f"T{n}", name_fa=f"منطقه {n}", name_en=f"District {n}",
                            city_fa="تهران", city_en="Tehran", lat=35.7, lon=51.4)
        db.session.add(district)
        make_office(district=district)
    assert [o.district.name_fa for o in directory.offices_in_province(tehran)] == [
        "منطقه ۱", "منطقه ۲", "منطقه ۱۰", "منطقه ۱۱", "منطقه ۲۰"]


def test_the_search_forms_lists_are_in_persian_order(app, make_province, make_office) -> None:
    from booking.extensions import db
    from booking.finder import search_choices
    from offices.models import District

    gilan, kerman, tehran = (make_province(code=c, name_fa=n) for c, n in (("01", "گیلان"), ("02", "کرمان"),
                                                                            ("03", "تهران")))
    for number in (10, 2, 1):
        district = District(province=tehran, code=f"03-{number:02d}", name_fa=f"حوزه قضایی منطقه {number}",
                            name_en=f"District {number}", city_fa="تهران", city_en="Tehran", lat=35.7, lon=51.4)
        db.session.add(district)
        make_office(district=district)
    db.session.commit()
    choices = search_choices()
    assert [p.name_fa for p in choices.provinces][-3:] == ["تهران", "کرمان", "گیلان"]
    assert [d.code for d in choices.districts] == ["03-01", "03-02", "03-10"]
