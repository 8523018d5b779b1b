"""Building a catalogue that satisfies every rule of GUIDE §0–§2 and govcat's F01–F04."""
import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate

from . import names, vocab
from .departments import Dept, plan_departments, plan_province
from .province import Shape, apportion, tilted

TODAY = date(2026, 6, 30)  # fixed reference date: every generated date lies before it

SHEETS = ("部门", "信息系统", "信息资源", "信息项", "数据流")
HEADERS = {
    "部门": ["统一社会信用代码", "部门名称", "上级部门代码", "行政层级", "行政区划代码"],
    "信息系统": ["系统编码", "系统名称", "所属部门代码", "运行单位", "系统功能", "使用范围", "月均使用次数",
             "用户数", "审批部门", "审批时间", "经费来源", "建设金额(万元)", "年运维费用(万元)",
             "最近更新日期", "资源利用率(%)", "承载网络", "是否接入共享交换平台", "整合状态", "整合至",
             "等级保护级别", "业务脱节"],
    "信息资源": ["信息资源分类", "信息资源名称", "信息资源代码", "信息资源提供方", "信息资源提供方代码",
             "信息资源摘要", "信息资源格式分类", "信息资源格式类型", "格式说明", "共享类型", "共享条件",
             "不予共享依据", "共享方式分类", "共享方式类型", "是否向社会开放", "开放条件", "更新周期",
             "发布日期", "关联资源代码", "来源信息系统"],
    "信息项": ["信息资源代码", "信息项名称", "数据类型", "数据长度", "信息项说明"],
    "数据流": ["流编码", "源系统编码", "目标系统编码", "信息资源代码", "交换方式", "频率"],
}
# Column positions by header, e.g. E["共享类型"].
D, S, E, I, F = ({h: i for i, h in enumerate(HEADERS[s])} for s in SHEETS)

ITEM_WEIGHTS = (4, 7, 12, 16, 17, 14, 10, 7, 5, 4, 2, 2)  # 1..12 items, mean ≈ 5.4
_CN = "一二三四五六七八九十"
_SYSTEM_SUFFIXES = ("管理信息系统", "管理系统", "信息系统", "信息平台", "管理平台", "服务平台", "系统", "平台")


@dataclass
class Catalogue:
    depts: list[Dept]
    systems: list[list[str]] = field(default_factory=list)
    system_dept: list[int] = field(default_factory=list)
    dept_systems: dict[int, list[int]] = field(default_factory=dict)
    entries: list[list[str]] = field(default_factory=list)
    entry_dept: list[int] = field(default_factory=list)
    entry_items: list[tuple[int, int]] = field(default_factory=list)  # (first item index, count)
    items: list[list[str]] = field(default_factory=list)
    flows: list[list[str]] = field(default_factory=list)
    referenced: set[str] = field(default_factory=set)  # entry codes named by flows or relations

    def dept_rows(self) -> list[list[str]]:
        return [d.row() for d in self.depts]


def _parse_item(spec: str) -> tuple[str, str, str, str]:
    parts = spec.split()
    if len(parts) == 1:
        parts = [spec] + vocab.COMMON_ITEMS[spec].split()
    name, kind = parts[0], parts[1]
    length = parts[2] if len(parts) > 2 else vocab.DEFAULT_LENGTH[kind]
    return name, kind, length, vocab.ITEM_NOTES.get(name, "")


class _Sector:
    """The vocabulary of one sector, parsed once. Each title gets its own window of the sector's
    data items (neighbours in the list are related), plus the general items every entry may have."""

    WINDOW = 9

    def __init__(self, key: str):
        titles, systems, items, cls1, cls2 = vocab.SECTOR_VOCAB[key]
        self.titles = titles.split()
        self.systems = systems.split()
        self.cls1 = [tuple(x.split(":")) for x in cls1.split()]
        self.cls2 = cls2.split()
        pool = [_parse_item(s) for s in items.split("|")]
        seen = {p[0] for p in pool}
        tail = [p for p in map(_parse_item, vocab.TAIL_ITEMS) if p[0] not in seen]
        stems = self.titles + [t for _, t in self.cls1]
        size = min(len(pool), self.WINDOW)
        self.items = {}
        for n, stem in enumerate(stems):
            start = n * len(pool) // len(stems)
            window = sorted((start + j) % len(pool) for j in range(size))
            self.items[stem] = [pool[j] for j in window] + tail


class _Weighted:
    """A weighted choice with the cumulative weights computed once (random.choices redoes them)."""

    def __init__(self, values, weights):
        self.values, self.cum = tuple(values), list(accumulate(weights))

    def __call__(self, rng: random.Random):
        return self.values[bisect(self.cum, rng.random() * self.cum[-1])]


_ITEM_COUNT = _Weighted(range(1, 13), ITEM_WEIGHTS)
_CYCLE = _Weighted(vocab.CYCLES, vocab.CYCLE_WEIGHTS)
_FORMAT = _Weighted(vocab.FORMAT_WEIGHTS, vocab.FORMAT_WEIGHTS.values())
_SHARE = {"2": _Weighted(vocab.SHARING, (60, 35, 5)), "3": _Weighted(vocab.SHARING, (50, 35, 15))}
_STATUS = _Weighted(vocab.INTEGRATION, (60, 15, 12, 5, 8))
_SCOPE = _Weighted(vocab.SCOPES, (10, 25, 30, 20, 15))
_FUNDING = _Weighted(vocab.FUNDING, (70, 8, 12, 6, 4))
_NETWORK = _Weighted(vocab.NETWORKS, (60, 15, 15, 10))
_SECURITY = _Weighted(vocab.SECURITY, (5, 55, 30, 1, 9))
_CHANNEL = _Weighted(vocab.CHANNELS, (50, 15, 25, 10))


def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


def _core(title: str) -> str:
    return title[:-2] if title.endswith("信息") else title


def _subject(system_name: str) -> str:
    for suffix in _SYSTEM_SUFFIXES:
        if system_name.endswith(suffix) and len(system_name) > len(suffix):
            return system_name[: -len(suffix)]
    return system_name


def build_catalogue(entries: int, rng: random.Random, shape: Shape = Shape()) -> Catalogue:
    if shape.province:
        depts = plan_province(shape.departments or 0, rng)
    else:
        depts = plan_departments(entries, rng, shape.departments)
    cat = Catalogue(depts)
    sectors = {key: _Sector(key) for key in vocab.SECTOR_VOCAB}
    counts = [0] * len(depts)
    for d in rng.choices(range(len(depts)), weights=[d.weight for d in depts], k=entries):
        counts[d] += 1
    if shape.systems is None:
        n_systems = [max(1, round(n / 5)) if n else 0 for n in counts]
        if not any(counts):
            n_systems[0] = 1  # an empty catalogue still has one system
    else:
        n_systems = apportion(shape.systems, counts) if any(counts) else [1] + [0] * (len(counts) - 1)
    item_count = _ITEM_COUNT
    if shape.items is not None and entries:
        item_count = _Weighted(range(1, 13), tilted(ITEM_WEIGHTS, shape.items / entries))
    _build_systems(cat, n_systems, sectors, rng)
    _build_entries(cat, counts, sectors, rng, item_count)
    _build_flows(cat, rng, len(cat.entries) // 4 if shape.flows is None else shape.flows)
    return cat


_SECTOR = {s[0]: s for s in names.SECTORS}


def _approver(dept: Dept, rng: random.Random) -> str:
    """The region's 发展和改革 department, or its 政务管理服务 one."""
    sector = _SECTOR["fgw" if rng.random() < 0.8 else "zwj"]
    return dept.region_name + sector[names.LEVELS.index(dept.level) + 1]


def _phase(gen: int) -> str:
    return "" if not gen else f"（{_CN[gen]}期）" if gen < len(_CN) else f"（{gen + 1}期）"


def _build_systems(cat: Catalogue, n_systems: list[int], sectors, rng: random.Random) -> None:
    per_region: dict[str, int] = {}
    start, end = date(2008, 1, 1).toordinal(), date(2025, 12, 31).toordinal()
    last_day = TODAY.toordinal() - 1
    for di, dept in enumerate(cat.depts):
        n_sys = n_systems[di]
        if not n_sys:
            continue
        subjects = sectors[dept.vocab].systems
        own = cat.dept_systems.setdefault(di, [])
        for k in range(n_sys):
            seq = per_region[dept.region] = per_region.get(dept.region, 0) + 1
            code = f"HN-{dept.region}-{seq:04d}"
            subject = subjects[k % len(subjects)]
            name = dept.name + subject + _phase(k // len(subjects))
            unit, target = dept.name, ""
            if k and rng.random() < 0.15:  # run by a 二级单位 or 处室: integrated or about to be (S04)
                unit = dept.name + rng.choice(dept.sub_units())
                status = rng.choice(("已整合", "计划整合", "申请暂缓整合", "已关停"))
            elif k:
                status = _STATUS(rng)
            else:
                status = "独立运行"
            if status == "已整合":
                target = cat.systems[own[0]][S["系统编码"]]
            approved = rng.randint(start, end)
            updated = rng.randint(min(approved + 30, last_day), last_day)
            build = rng.uniform(20, 2500)
            funcs = rng.sample(vocab.SYSTEM_FUNCTIONS, 3)
            row = [
                code, name, dept.uscc, unit,
                f"支撑{dept.region_name}{_subject(subject)}业务，提供{funcs[0]}、{funcs[1]}和{funcs[2]}等功能",
                _SCOPE(rng),
                str(int(rng.expovariate(1 / 2500))), str(int(rng.expovariate(1 / 300))),
                _approver(dept, rng), _iso(approved),
                _FUNDING(rng),
                f"{build:.2f}", f"{build * rng.uniform(0.05, 0.15):.2f}", _iso(updated),
                f"{rng.uniform(2, 95):.1f}",
                _NETWORK(rng),
                "是" if rng.random() < 0.7 else "否", status, target,
                _SECURITY(rng),
                "是" if rng.random() < 0.08 else "否",
            ]
            own.append(len(cat.systems))
            cat.systems.append(row)
            cat.system_dept.append(di)


def _sharing(cls: str, fclass: str, rng: random.Random) -> list[str]:
    """共享类型 … 开放条件 (columns 共享类型 to 开放条件) consistent with C10–C17 and C21."""
    if cls == "1":
        share = "无条件共享"
    else:
        share = _SHARE[cls](rng)
    if share == "不予共享":
        return [share, "", rng.choice(vocab.NON_SHARING_BASIS), "", "", "否", ""]
    cond = ""
    if share == "有条件共享":
        cond = (f"仅向{rng.choice(vocab.CONDITION_WHO)}共享，用于{rng.choice(vocab.CONDITION_WHAT)}"
                f"{rng.choice(vocab.CONDITION_TAIL)}")
    if fclass == "数据库":
        mtype = "库表" if rng.random() < 0.6 else "接口"
    elif fclass == "服务接口":
        mtype = "接口"
    else:
        mtype = "文件" if rng.random() < 0.8 else "接口"
    is_open = rng.random() < (0.4 if share == "无条件共享" else 0.08)
    return [share, cond, "", "共享平台方式", mtype, "是" if is_open else "否",
            rng.choice(vocab.OPEN_CONDITIONS) if is_open else ""]


def _build_entries(cat: Catalogue, counts: list[int], sectors, rng: random.Random, item_count=_ITEM_COUNT) -> None:
    first_day, last_day = date(2018, 1, 1).toordinal(), TODAY.toordinal() - 1
    seq = 0
    for di, dept in enumerate(cat.depts):
        if not counts[di]:
            continue
        sec = sectors[dept.vocab]
        systems = [cat.systems[s][S["系统编码"]] for s in cat.dept_systems[di]]
        used_titles: set[str] = set()
        codes: list[str] = []
        renamed = 0
        prefix_p = 0.4 if dept.level == "省" else 0.7
        for _ in range(counts[di]):
            r = rng.random()
            if r < 0.12 and sec.cls1:
                cls = "1"
                xiang, stem = rng.choice(sec.cls1)
            else:
                cls = "2" if r < 0.22 else "3"
                xiang = rng.choice(sec.cls2) if cls == "2" else "307"
                stem = rng.choice(sec.titles)
            category = xiang + f"{dept.sector_no:03d}"
            if rng.random() < 0.4:
                category += f"{rng.randint(1, 8):03d}"
            seq += 1
            code = f"{category}/{seq:06d}"
            prefix = dept.region_name if rng.random() < prefix_p else ""
            title = prefix + stem
            if title in used_titles:
                renamed += 1
                title += f"（{2014 + renamed}年度）" if renamed <= 11 else f"（第{renamed - 10}批）"
            used_titles.add(title)

            k = item_count(rng)
            pool = sec.items[stem]
            picked = [pool[i] for i in sorted(rng.sample(range(len(pool)), k))]
            full = rng.random() < 0.6
            cat.entry_items.append((len(cat.items), k))
            for name, kind, length, note in picked:
                cat.items.append([code, name, f"{kind} {vocab.DATA_TYPES[kind]}" if full else kind,
                                  length, note if note and rng.random() < 0.7 else ""])

            cycle = _CYCLE(rng)
            shown = "、".join(p[0] for p in picked[:3])
            where = prefix or dept.region_name
            abstract = rng.choice((
                f"汇集{where}{_core(stem)}相关数据，包括{shown}等{k}项内容，由{dept.name}负责采集和维护。",
                f"记录{where}{_core(stem)}情况，主要数据项有{shown}等，更新周期为{cycle}。",
                f"{dept.name}在履行职责中产生的{_core(stem)}数据，包含{shown}等信息项。",
            ))
            fclass = _FORMAT(rng)
            ftypes = vocab.FORMATS[fclass]
            ftype = rng.choice(ftypes) if ftypes else ""
            fnote = rng.choice(vocab.FORMAT_NOTES[fclass]) if fclass in vocab.FORMAT_NOTES else ""

            related = ""
            if codes and rng.random() < 0.15:
                chosen = rng.sample(codes, min(len(codes), rng.randint(1, 2)))
                cat.referenced.update(chosen)
                related = ";".join(chosen)
            sources = (rng.sample(systems, 2) if len(systems) > 1 and rng.random() < 0.2
                       else [rng.choice(systems)])
            row = [category, title, code, dept.name, dept.uscc, abstract, fclass, ftype, fnote,
                   *_sharing(cls, fclass, rng), cycle, _iso(rng.randint(first_day, last_day)),
                   related, ";".join(sources)]
            codes.append(code)
            cat.entries.append(row)
            cat.entry_dept.append(di)


def _build_flows(cat: Catalogue, rng: random.Random, count: int) -> None:
    """`count` flows: up a level (县 → 市 → 省), across departments, or within one."""
    n_sys = len(cat.systems)
    if n_sys < 2 or not cat.entries:
        return
    code_index = {row[S["系统编码"]]: i for i, row in enumerate(cat.systems)}
    by_sector = {(d.region, d.sector): i for i, d in enumerate(cat.depts)}
    with_systems: dict[str, list[int]] = {}
    for di in cat.dept_systems:
        with_systems.setdefault(cat.depts[di].region, []).append(di)
    entry_code, entry_sources = E["信息资源代码"], E["来源信息系统"]
    for n in range(count):
        e = rng.randrange(len(cat.entries))
        row = cat.entries[e]
        src = code_index[rng.choice(row[entry_sources].split(";"))]
        di = cat.entry_dept[e]
        dept = cat.depts[di]
        r = rng.random()
        target_dept = None
        if r < 0.4 and dept.upper_region:
            target_dept = by_sector.get((dept.upper_region, dept.sector))
            if target_dept not in cat.dept_systems:
                target_dept = by_sector.get((dept.upper_region, "gov"))
        elif r < 0.8:
            target_dept = rng.choice(with_systems[dept.region])
        if target_dept not in cat.dept_systems:
            target_dept = di
        tgt = rng.choice(cat.dept_systems[target_dept])
        while tgt == src:
            tgt = rng.randrange(n_sys)
        cat.referenced.add(row[entry_code])
        freq = row[E["更新周期"]] if rng.random() < 0.7 else rng.choice(vocab.CYCLES)
        cat.flows.append([f"F-{n + 1:06d}", cat.systems[src][S["系统编码"]],
                          cat.systems[tgt][S["系统编码"]], row[entry_code],
                          _CHANNEL(rng), freq])
