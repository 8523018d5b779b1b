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
                 "sector", "sector_no", "weight")

    def __init__(self, name, parent, level, region, region_name, upper_region, sector_index):
        key, _, _, _, weight = names.SECTORS[sector_index]
        self.name, self.parent, self.level = name, parent, level
        self.region, self.region_name, self.upper_region = region, region_name, upper_region
        self.sector, self.sector_no = key, sector_index + 1
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


def _sectors_at(level_column: int) -> list[int]:
    return [i for i, s in enumerate(names.SECTORS) if s[level_column]]


def _region(out, region_name, region, upper, level, column, how_many, parent):
    """Append the government of a region and the first `how_many - 1` of its departments."""
    sectors = _sectors_at(column)[:max(1, how_many)]
    gov = None
    for i in sectors:
        suffix = names.SECTORS[i][column]
        dept = Dept(region_name + suffix, gov or parent, level, region, region_name, upper, i)
        out.append(dept)
        gov = gov or dept
    return gov


def plan_departments(entries: int, rng: random.Random) -> list["Dept"]:
    """Departments for `entries` entries: the province first, then 市州, then 县市区.

    About one department per ENTRIES_PER_DEPARTMENT entries: a tiny catalogue has a few provincial
    departments only; 100,000 entries reach all 14 市州 and most of the 县市区."""
    budget = max(4, entries // ENTRIES_PER_DEPARTMENT)
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
        lists = [names.counties(ci) for ci in range(len(names.CITIES))]
        order = [(ci, c) for j in range(max(map(len, lists)))
                 for ci, lst in enumerate(lists) if j < len(lst) for c in [lst[j]]]
        n_counties = min(len(order), math.ceil(rest / county_size))
        per_county = min(county_size, max(2, rest // n_counties))
        for ci, (name, code) in order[:n_counties]:
            city_code = names.CITIES[ci][1]
            _region(out, name, code, city_code, "县", 3, per_county, city_govs[ci])
    taken: set[str] = set()
    for dept in out:  # parents precede children, so parent.uscc is set when a row is built
        dept.uscc = random_uscc(rng, dept.region, taken)
    return out
