"""Iran's geography for the demo data: 31 provinces, their major cities and Tehran's 22 municipal districts.

Sources and precision:

* Province populations are the 2016 national census (سرشماری عمومی نفوس و مسکن ۱۳۹۵) totals.
* City populations are 2016 census figures for the city proper, rounded; coordinates are the city centre,
  to about 0.01° (a kilometre).
* Tehran's municipal districts (مناطق ۲۲‌گانه شهرداری تهران): approximate centre of each district and its
  2016 population, rounded; they add up to the city's 8.69 million.
* Province codes are the ISO 3166-2:IR numeric codes (2020 revision, ``00`` Markazi … ``30`` Alborz).

The first city of every province is its capital. Everything here is plain, immutable data.
"""
from __future__ import annotations

from dataclasses import dataclass

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@dataclass(frozen=True)
class City:
    """A city: names, centre coordinates and 2016 census population."""

    name_fa: str
    name_en: str
    lat: float
    lon: float
    population: int


@dataclass(frozen=True)
class ProvinceInfo:
    """A province with its census population and major cities; ``cities[0]`` is the capital."""

    code: str
    name_fa: str
    name_en: str
    population: int
    cities: tuple[City, ...]

    @property
    def capital(self) -> City:
        return self.cities[0]


@dataclass(frozen=True)
class TehranDistrict:
    """One of the 22 municipal districts of Tehran city (منطقه ۱ … ۲۲)."""

    number: int
    lat: float
    lon: float
    population: int

    @property
    def name_fa(self) -> str:
        return "منطقه " + str(self.number).translate(PERSIAN_DIGITS)

    @property
    def name_en(self) -> str:
        return f"District {self.number}"


C = City

PROVINCES: tuple[ProvinceInfo, ...] = (
    ProvinceInfo("23", "تهران", "Tehran", 13_267_637, (
        C("تهران", "Tehran", 35.6892, 51.3890, 8_693_706),
        C("اسلامشهر", "Eslamshahr", 35.5522, 51.2350, 448_129),
        C("شهریار", "Shahriar", 35.6597, 51.0592, 309_607),
        C("قدس", "Qods", 35.7214, 51.1089, 309_605),
        C("ملارد", "Malard", 35.6658, 50.9767, 281_027),
        C("ورامین", "Varamin", 35.3242, 51.6457, 225_628),
    )),
    ProvinceInfo("09", "خراسان رضوی", "Razavi Khorasan", 6_434_501, (
        C("مشهد", "Mashhad", 36.2605, 59.6168, 3_001_184),
        C("نیشابور", "Nishapur", 36.2133, 58.7958, 264_375),
        C("سبزوار", "Sabzevar", 36.2126, 57.6819, 243_700),
        C("تربت حیدریه", "Torbat-e Heydarieh", 35.2740, 59.2195, 140_019),
        C("قوچان", "Quchan", 37.1060, 58.5095, 111_752),
        C("کاشمر", "Kashmar", 35.2383, 58.4656, 102_282),
    )),
    ProvinceInfo("10", "اصفهان", "Isfahan", 5_120_850, (
        C("اصفهان", "Isfahan", 32.6539, 51.6660, 1_961_260),
        C("کاشان", "Kashan", 33.9850, 51.4100, 304_487),
        C("خمینی‌شهر", "Khomeyni Shahr", 32.7000, 51.5214, 319_720),
        C("نجف‌آباد", "Najafabad", 32.6342, 51.3668, 235_281),
        C("شاهین‌شهر", "Shahin Shahr", 32.8639, 51.5531, 143_308),
    )),
    ProvinceInfo("07", "فارس", "Fars", 4_851_274, (
        C("شیراز", "Shiraz", 29.5918, 52.5837, 1_565_572),
        C("مرودشت", "Marvdasht", 29.8742, 52.8025, 148_858),
        C("جهرم", "Jahrom", 28.5000, 53.5605, 141_634),
        C("فسا", "Fasa", 28.9383, 53.6482, 110_825),
        C("کازرون", "Kazerun", 29.6195, 51.6541, 96_683),
    )),
    ProvinceInfo("06", "خوزستان", "Khuzestan", 4_710_509, (
        C("اهواز", "Ahvaz", 31.3183, 48.6706, 1_184_788),
        C("دزفول", "Dezful", 32.3811, 48.4058, 264_709),
        C("آبادان", "Abadan", 30.3392, 48.3043, 231_476),
        C("بندر ماهشهر", "Bandar-e Mahshahr", 30.5589, 49.1981, 162_797),
        C("اندیمشک", "Andimeshk", 32.4600, 48.3592, 135_116),
        C("خرمشهر", "Khorramshahr", 30.4397, 48.1664, 133_097),
    )),
    ProvinceInfo("03", "آذربایجان شرقی", "East Azerbaijan", 3_909_652, (
        C("تبریز", "Tabriz", 38.0800, 46.2919, 1_558_693),
        C("مراغه", "Maragheh", 37.3917, 46.2394, 175_255),
        C("مرند", "Marand", 38.4329, 45.7749, 130_825),
        C("اهر", "Ahar", 38.4774, 47.0699, 100_641),
        C("میانه", "Mianeh", 37.4211, 47.7150, 100_350),
    )),
    ProvinceInfo("02", "مازندران", "Mazandaran", 3_283_582, (
        C("ساری", "Sari", 36.5633, 53.0601, 309_820),
        C("بابل", "Babol", 36.5513, 52.6790, 250_217),
        C("آمل", "Amol", 36.4696, 52.3507, 237_528),
        C("قائم‌شهر", "Qaem Shahr", 36.4631, 52.8600, 204_953),
        C("بهشهر", "Behshahr", 36.6923, 53.5526, 94_702),
    )),
    ProvinceInfo("04", "آذربایجان غربی", "West Azerbaijan", 3_265_219, (
        C("ارومیه", "Urmia", 37.5527, 45.0761, 736_224),
        C("خوی", "Khoy", 38.5503, 44.9521, 198_845),
        C("بوکان", "Bukan", 36.5210, 46.2089, 193_501),
        C("مهاباد", "Mahabad", 36.7631, 45.7222, 168_393),
        C("میاندوآب", "Miandoab", 36.9694, 46.1028, 134_425),
    )),
    ProvinceInfo("08", "کرمان", "Kerman", 3_164_718, (
        C("کرمان", "Kerman", 30.2839, 57.0834, 537_718),
        C("سیرجان", "Sirjan", 29.4520, 55.6814, 199_704),
        C("رفسنجان", "Rafsanjan", 30.4067, 55.9939, 161_909),
        C("جیرفت", "Jiroft", 28.6751, 57.7372, 130_429),
        C("بم", "Bam", 29.1060, 58.3570, 127_396),
    )),
    ProvinceInfo("11", "سیستان و بلوچستان", "Sistan and Baluchestan", 2_775_014, (
        C("زاهدان", "Zahedan", 29.4963, 60.8629, 587_730),
        C("زابل", "Zabol", 31.0287, 61.5012, 134_950),
        C("ایرانشهر", "Iranshahr", 27.2025, 60.6848, 113_750),
        C("چابهار", "Chabahar", 25.2919, 60.6430, 106_739),
        C("خاش", "Khash", 28.2211, 61.2158, 56_584),
    )),
    ProvinceInfo("30", "البرز", "Alborz", 2_712_400, (
        C("کرج", "Karaj", 35.8400, 50.9391, 1_592_492),
        C("فردیس", "Fardis", 35.7236, 50.9869, 181_174),
        C("نظرآباد", "Nazarabad", 35.9521, 50.6075, 119_512),
        C("محمدشهر", "Mohammadshahr", 35.7483, 50.9014, 119_418),
        C("هشتگرد", "Hashtgerd", 35.9617, 50.6800, 55_640),
    )),
    ProvinceInfo("01", "گیلان", "Gilan", 2_530_696, (
        C("رشت", "Rasht", 37.2808, 49.5832, 679_995),
        C("بندر انزلی", "Bandar-e Anzali", 37.4727, 49.4622, 118_564),
        C("لاهیجان", "Lahijan", 37.2071, 50.0039, 101_073),
        C("لنگرود", "Langarud", 37.1970, 50.1536, 79_445),
        C("هشتپر", "Hashtpar (Talesh)", 37.8008, 48.9061, 54_178),
    )),
    ProvinceInfo("05", "کرمانشاه", "Kermanshah", 1_952_434, (
        C("کرمانشاه", "Kermanshah", 34.3142, 47.0650, 946_651),
        C("اسلام‌آباد غرب", "Eslamabad-e Gharb", 34.1094, 46.5275, 90_559),
        C("کنگاور", "Kangavar", 34.5043, 47.9653, 53_415),
        C("هرسین", "Harsin", 34.2721, 47.5861, 51_000),
    )),
    ProvinceInfo("27", "گلستان", "Golestan", 1_868_819, (
        C("گرگان", "Gorgan", 36.8456, 54.4393, 350_676),
        C("گنبد کاووس", "Gonbad-e Kavus", 37.2500, 55.1672, 151_910),
        C("بندر ترکمن", "Bandar Torkaman", 36.9016, 54.0708, 53_970),
        C("علی‌آباد کتول", "Aliabad-e Katul", 36.9083, 54.8689, 52_838),
    )),
    ProvinceInfo("15", "لرستان", "Lorestan", 1_760_649, (
        C("خرم‌آباد", "Khorramabad", 33.4878, 48.3558, 373_416),
        C("بروجرد", "Borujerd", 33.8973, 48.7516, 234_997),
        C("دورود", "Dorud", 33.4955, 49.0578, 121_638),
        C("کوهدشت", "Kuhdasht", 33.5350, 47.6061, 89_091),
        C("الیگودرز", "Aligudarz", 33.4006, 49.6949, 89_000),
    )),
    ProvinceInfo("13", "همدان", "Hamadan", 1_738_234, (
        C("همدان", "Hamadan", 34.7992, 48.5146, 554_406),
        C("ملایر", "Malayer", 34.2969, 48.8235, 170_237),
        C("نهاوند", "Nahavand", 34.1885, 48.3769, 76_162),
        C("اسدآباد", "Asadabad", 34.7825, 48.1185, 55_000),
        C("تویسرکان", "Tuyserkan", 34.5480, 48.4469, 50_000),
    )),
    ProvinceInfo("22", "هرمزگان", "Hormozgan", 1_776_415, (
        C("بندرعباس", "Bandar Abbas", 27.1832, 56.2666, 526_648),
        C("میناب", "Minab", 27.1467, 57.0801, 73_170),
        C("قشم", "Qeshm", 26.9581, 56.2719, 40_678),
        C("کیش", "Kish", 26.5578, 53.9807, 39_853),
        C("بندر لنگه", "Bandar Lengeh", 26.5579, 54.8807, 30_435),
    )),
    ProvinceInfo("12", "کردستان", "Kurdistan", 1_603_011, (
        C("سنندج", "Sanandaj", 35.3219, 46.9862, 412_767),
        C("سقز", "Saqqez", 36.2499, 46.2735, 165_258),
        C("مریوان", "Marivan", 35.5219, 46.1760, 136_654),
        C("بانه", "Baneh", 35.9975, 45.8853, 110_218),
        C("قروه", "Qorveh", 35.1664, 47.8056, 86_000),
    )),
    ProvinceInfo("00", "مرکزی", "Markazi", 1_429_475, (
        C("اراک", "Arak", 34.0917, 49.6892, 520_944),
        C("ساوه", "Saveh", 35.0213, 50.3566, 220_762),
        C("خمین", "Khomein", 33.6389, 50.0800, 72_000),
        C("محلات", "Mahallat", 33.9114, 50.4531, 43_000),
        C("دلیجان", "Delijan", 33.9905, 50.6838, 37_000),
    )),
    ProvinceInfo("25", "قم", "Qom", 1_292_283, (
        C("قم", "Qom", 34.6399, 50.8759, 1_201_158),
        C("جعفریه", "Jafariyeh", 34.7753, 50.5137, 6_600),
        C("کهک", "Kahak", 34.3947, 50.8629, 3_000),
    )),
    ProvinceInfo("26", "قزوین", "Qazvin", 1_273_761, (
        C("قزوین", "Qazvin", 36.2797, 50.0049, 402_748),
        C("تاکستان", "Takestan", 36.0696, 49.6959, 80_299),
        C("الوند", "Alvand", 36.1893, 50.0643, 80_000),
        C("آبیک", "Abyek", 36.0400, 50.5310, 57_000),
    )),
    ProvinceInfo("24", "اردبیل", "Ardabil", 1_270_420, (
        C("اردبیل", "Ardabil", 38.2498, 48.2933, 529_374),
        C("پارس‌آباد", "Parsabad", 39.6482, 47.9174, 93_387),
        C("مشگین‌شهر", "Meshginshahr", 38.3989, 47.6819, 74_109),
        C("خلخال", "Khalkhal", 37.6189, 48.5258, 43_000),
    )),
    ProvinceInfo("18", "بوشهر", "Bushehr", 1_163_400, (
        C("بوشهر", "Bushehr", 28.9684, 50.8385, 223_504),
        C("برازجان", "Borazjan", 29.2666, 51.2160, 117_000),
        C("بندر گناوه", "Bandar-e Genaveh", 29.5791, 50.5170, 69_000),
        C("بندر کنگان", "Bandar-e Kangan", 27.8370, 52.0645, 45_000),
    )),
    ProvinceInfo("21", "یزد", "Yazd", 1_138_533, (
        C("یزد", "Yazd", 31.8974, 54.3569, 529_673),
        C("میبد", "Meybod", 32.2501, 54.0166, 80_000),
        C("اردکان", "Ardakan", 32.3100, 54.0175, 77_000),
        C("بافق", "Bafq", 31.6128, 55.4107, 36_000),
        C("مهریز", "Mehriz", 31.5917, 54.4318, 36_000),
    )),
    ProvinceInfo("19", "زنجان", "Zanjan", 1_057_461, (
        C("زنجان", "Zanjan", 36.6736, 48.4787, 430_871),
        C("ابهر", "Abhar", 36.1468, 49.2180, 93_000),
        C("خرمدره", "Khorramdarreh", 36.2030, 49.1915, 60_000),
        C("قیدار", "Qeydar", 36.1196, 48.5901, 35_000),
    )),
    ProvinceInfo("14", "چهارمحال و بختیاری", "Chaharmahal and Bakhtiari", 947_763, (
        C("شهرکرد", "Shahrekord", 32.3256, 50.8644, 190_441),
        C("بروجن", "Borujen", 31.9652, 51.2873, 57_000),
        C("فرخ‌شهر", "Farrokhshahr", 32.2716, 50.9800, 34_000),
        C("لردگان", "Lordegan", 31.5103, 50.8294, 26_000),
    )),
    ProvinceInfo("28", "خراسان شمالی", "North Khorasan", 863_092, (
        C("بجنورد", "Bojnurd", 37.4747, 57.3290, 228_931),
        C("شیروان", "Shirvan", 37.4096, 57.9292, 82_000),
        C("اسفراین", "Esfarayen", 37.0764, 57.5101, 64_000),
    )),
    ProvinceInfo("29", "خراسان جنوبی", "South Khorasan", 768_898, (
        C("بیرجند", "Birjand", 32.8663, 59.2211, 203_636),
        C("قائن", "Qaen", 33.7265, 59.1844, 42_000),
        C("طبس", "Tabas", 33.5959, 56.9244, 40_000),
        C("فردوس", "Ferdows", 34.0186, 58.1722, 30_000),
    )),
    ProvinceInfo("17", "کهگیلویه و بویراحمد", "Kohgiluyeh and Boyer-Ahmad", 713_052, (
        C("یاسوج", "Yasuj", 30.6682, 51.5880, 134_532),
        C("دوگنبدان", "Dogonbadan", 30.3586, 50.7981, 96_728),
        C("دهدشت", "Dehdasht", 30.7949, 50.5646, 55_000),
    )),
    ProvinceInfo("20", "سمنان", "Semnan", 702_360, (
        C("سمنان", "Semnan", 35.5729, 53.3971, 185_129),
        C("شاهرود", "Shahrud", 36.4182, 54.9763, 150_129),
        C("دامغان", "Damghan", 36.1683, 54.3480, 59_000),
        C("گرمسار", "Garmsar", 35.2182, 52.3409, 49_000),
    )),
    ProvinceInfo("16", "ایلام", "Ilam", 580_158, (
        C("ایلام", "Ilam", 33.6374, 46.4227, 194_030),
        C("دهلران", "Dehloran", 32.6941, 47.2679, 35_000),
        C("ایوان", "Ivan", 33.8272, 46.3097, 33_000),
        C("آبدانان", "Abdanan", 32.9926, 47.4198, 24_000),
        C("مهران", "Mehran", 33.1222, 46.1646, 18_000),
    )),
)

TEHRAN_PROVINCE_CODE = "23"

TEHRAN_DISTRICTS: tuple[TehranDistrict, ...] = (
    TehranDistrict(1, 35.8050, 51.4550, 487_508),
    TehranDistrict(2, 35.7600, 51.3700, 701_303),
    TehranDistrict(3, 35.7600, 51.4250, 330_108),
    TehranDistrict(4, 35.7600, 51.5100, 917_261),
    TehranDistrict(5, 35.7500, 51.3050, 856_565),
    TehranDistrict(6, 35.7150, 51.4050, 251_384),
    TehranDistrict(7, 35.7250, 51.4450, 312_194),
    TehranDistrict(8, 35.7280, 51.4900, 425_163),
    TehranDistrict(9, 35.6850, 51.3300, 174_000),
    TehranDistrict(10, 35.6830, 51.3700, 327_000),
    TehranDistrict(11, 35.6820, 51.3980, 308_000),
    TehranDistrict(12, 35.6750, 51.4250, 241_000),
    TehranDistrict(13, 35.7050, 51.4850, 248_000),
    TehranDistrict(14, 35.6750, 51.4680, 494_000),
    TehranDistrict(15, 35.6350, 51.4750, 659_000),
    TehranDistrict(16, 35.6350, 51.4100, 273_000),
    TehranDistrict(17, 35.6600, 51.3650, 274_000),
    TehranDistrict(18, 35.6450, 51.2900, 420_000),
    TehranDistrict(19, 35.6200, 51.3650, 265_000),
    TehranDistrict(20, 35.5950, 51.4350, 359_000),
    TehranDistrict(21, 35.7000, 51.2300, 189_000),
    TehranDistrict(22, 35.7550, 51.2100, 179_000),
)


def province_by_code(code: str) -> ProvinceInfo:
    """The province with this ISO 3166-2:IR numeric code."""
    for province in PROVINCES:
        if province.code == code:
            return province
    raise KeyError(code)


def tehran_origins() -> tuple[list[float], list[float], list[int]]:
    """Latitudes, longitudes and populations of Tehran's 22 municipal districts (citizens' origins)."""
    return ([d.lat for d in TEHRAN_DISTRICTS], [d.lon for d in TEHRAN_DISTRICTS],
            [d.population for d in TEHRAN_DISTRICTS])


#: Each province's telephone area code (the demo offices' numbers start with it).
AREA_CODES: dict[str, str] = {
    "23": "021", "09": "051", "10": "031", "07": "071", "06": "061", "03": "041", "02": "011", "04": "044",
    "08": "034", "11": "054", "30": "026", "01": "013", "05": "083", "27": "017", "15": "066", "13": "081",
    "22": "076", "12": "087", "00": "086", "25": "025", "26": "028", "24": "045", "18": "077", "21": "035",
    "19": "024", "14": "038", "28": "058", "29": "056", "17": "074", "20": "023", "16": "084",
}
