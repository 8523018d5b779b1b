"""Which departments a catalogue of a given size has, with their USCCs (GB 32100, GUIDE §4)."""
import math
import random

from . import names

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]
LEVEL_WEIGHT = {"省": 4, "市": 2, "县": 1}
ENTRIES_PER_DEPARTMENT = 30


def uscc_check(first17: str) -> str:
    """The 18th character of a USCC whose first 17 characters are given."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def random_uscc(rng: random.Random, region: str, taken: set[str]) -> str:
    """A new, valid government USCC ("11" + region + 9 + check) not in `taken` (which receives it)."""
    while True:
        if rng.random() < 0.8:
            body = "00" + f"{rng.randrange(10 ** 7):07d}"
        else:
            body = "MB" + f"{rng.randrange(10 ** 6):06d}" + rng.choice(USCC_CHARSET)
        first = "11" + region + body
        code = first + uscc_check(first)
        if code not in taken:
            taken.add(code)
            return code


class Dept:
    __slots__ = ("uscc", "name", "parent", "level", "region", "region_name", "upper_region",
                 "sector", "sector_no", "vocab", "weight")

    def __init__(self, name, parent, level, region, region_name, upper_region, sector_index):
        key, _, _, _, weight, vocab = names.ALL_SECTORS[sector_index]
        self.name, self.parent, self.level = name, parent, level
        self.region, self.region_name, self.upper_region = region, region_name, upper_region
        self.sector, self.sector_no, self.vocab = key, sector_index + 1, vocab
        self.weight = LEVEL_WEIGHT[level] * weight
        self.uscc = ""

    @property
    def is_government(self) -> bool:
        return self.sector == "gov"

    def sub_units(self) -> list[str]:
        """Names (suffixes) of the units inside it that may run a system."""
        return names.SUB_UNITS["gov" if self.is_government and self.level == "省" else self.level]

    def row(self) -> list[str]:
        return [self.uscc, self.name, self.parent.uscc if self.parent else "", self.level,
                self.region]


def _sectors_at(level_column: int, table=names.SECTORS) -> list[int]:
    return [i for i, s in enumerate(table) if s[level_column]]


def _region(out, region_name, region, upper, level, column, how_many, parent, table=names.SECTORS):
    """Append the government of a region and the first `how_many - 1` of its departments."""
    sectors = _sectors_at(column, table)[:max(1, how_many)]
    gov = None
    for i in sectors:
        suffix = names.ALL_SECTORS[i][column]
        dept = Dept(region_name + suffix, gov or parent, level, region, region_name, upper, i)
        out.append(dept)
        gov = gov or dept
    return gov


def plan_departments(entries: int, rng: random.Random, budget: int | None = None) -> list["Dept"]:
    """Departments for `entries` entries: the province first, then 市州, then 县市区.

    About one department per ENTRIES_PER_DEPARTMENT entries (or `budget`, at most the core departments
    of each government): a tiny catalogue has a few provincial departments only; 100,000 entries reach
    all 14 市州 and most of the 县市区."""
    budget = max(4, entries // ENTRIES_PER_DEPARTMENT) if budget is None else max(1, budget)
    out: list[Dept] = []
    prov_name, prov_code = names.PROVINCE
    province = _region(out, prov_name, prov_code, "", "省", 1, budget, None)
    rest = budget - len(out)
    city_size = len(_sectors_at(2))
    city_govs = {}
    if rest > 0:
        n_cities = min(len(names.CITIES), math.ceil(rest / city_size))
        per_city = min(city_size, max(2, rest // n_cities))
        for ci in range(n_cities):
            name, code, _ = names.CITIES[ci]
            city_govs[ci] = _region(out, name, code, prov_code, "市", 2, per_city, province)
    rest = budget - len(out)
    county_size = len(_sectors_at(3))
    if rest > 0 and len(city_govs) == len(names.CITIES):
        order = county_order()
        n_counties = min(len(order), math.ceil(rest / county_size))
        per_county = min(county_size, max(2, rest // n_counties))
        for ci, (name, code) in order[:n_counties]:
            city_code = names.CITIES[ci][1]
            _region(out, name, code, city_code, "县", 3, per_county, city_govs[ci])
    return _with_usccs(out, rng)


def county_order() -> list[tuple[int, tuple[str, str]]]:
    """(市州 index, (name, code)) of every 县市区, the first of each 市州, then the second of each, …"""
    lists = [names.counties(ci) for ci in range(len(names.CITIES))]
    return [(ci, c) for j in range(max(map(len, lists)))
            for ci, lst in enumerate(lists) if j < len(lst) for c in [lst[j]]]


def _with_usccs(out: list[Dept], rng: random.Random) -> list[Dept]:
    taken: set[str] = set()
    for dept in out:  # parents precede children, so parent.uscc is set when a row is built
        dept.uscc = random_uscc(rng, dept.region, taken)
    return out


def _split(total: int, parts: int) -> list[int]:
    """`total` in `parts` near-equal whole shares, the larger ones first."""
    return [total // parts + (i < total % parts) for i in range(parts)]


# Departments of one government at each level in a whole province (72 + 14 × 50 + 122 × 35 = 5,042), and
# how much a department of each level catalogues relative to a county one (provincial departments hold
# about a sixth of a province's entries, 市州 ones a third).
PROVINCE_SIZES = {"省": 72, "市": 50, "县": 35}
PROVINCE_LEVEL_WEIGHT = {"省": 16, "市": 3, "县": 1}
SIZE_SPREAD = 1.0   # sigma of the log-normal factor on each department's weight: a few big ones, a long tail


def plan_province(budget: int, rng: random.Random) -> list[Dept]:
    """About `budget` departments spread over the whole province like a real one: the province, every
    市州, and as many 县市区 as the budget allows (all 122 from 244 county departments on), each
    government with its departments in the order of ALL_SECTORS (the core ones first). Each department's
    weight (its share of the entries) is its level's and sector's times a log-normal factor."""
    n_cities = len(names.CITIES)
    order = county_order()
    full = {level: size * n for (level, size), n in zip(PROVINCE_SIZES.items(), (1, n_cities, len(order)))}
    budget = max(budget, 1 + n_cities + 2)
    whole = sum(full.values())
    n_prov = min(full["省"], max(1, round(budget * full["省"] / whole)))
    n_city = min(full["市"], max(n_cities, round(budget * full["市"] / whole)))
    n_county = min(full["县"], max(2, budget - n_prov - n_city))
    n_counties = min(len(order), max(1, n_county // 2))
    out: list[Dept] = []
    prov_name, prov_code = names.PROVINCE
    province = _region(out, prov_name, prov_code, "", "省", 1, n_prov, None, names.ALL_SECTORS)
    city_govs = [_region(out, name, code, prov_code, "市", 2, size, province, names.ALL_SECTORS)
                 for (name, code, _), size in zip(names.CITIES, _split(n_city, n_cities))]
    for (ci, (name, code)), size in zip(order, _split(n_county, n_counties)):
        _region(out, name, code, names.CITIES[ci][1], "县", 3, size, city_govs[ci], names.ALL_SECTORS)
    for dept in out:
        dept.weight = (PROVINCE_LEVEL_WEIGHT[dept.level] * names.ALL_SECTORS[dept.sector_no - 1][4]
                       * rng.lognormvariate(0.0, SIZE_SPREAD))
    return _with_usccs(out, rng)
