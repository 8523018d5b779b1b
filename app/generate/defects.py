"""Planting defects: each one breaks one rule in one row, and nothing else.

A row gets at most one defect. Changes never touch what other rows point at: a code is changed only
where nothing refers to it (and its data items follow it), and duplicates are extra rows placed after
the row they copy, so the original keeps its key.
"""
import random

from . import names
from .catalogue import D, F, S, SHEETS, Catalogue
from .departments import USCC_CHARSET, random_uscc
from .entry_defects import EntryDefects

WARNINGS = {"C14", "C21", "C24", "S04", "S16"}


class Planter(EntryDefects):
    def __init__(self, cat: Catalogue, rng: random.Random):
        self.cat, self.rng = cat, rng
        self.sheets = {"部门": cat.dept_rows(), "信息系统": cat.systems, "信息资源": cat.entries,
                       "信息项": cat.items, "数据流": cat.flows}
        self.after: dict[str, dict[int, list[list[str]]]] = {s: {} for s in SHEETS}
        self.touched: dict[str, set[int]] = {s: set() for s in SHEETS}
        self.planted: list[tuple[str, str, list[str], str]] = []
        self.usccs = {d.uscc for d in cat.depts}
        self.dept_names = {d.name for d in cat.depts}
        self.system_codes = {row[S["系统编码"]] for row in cat.systems}
        self.items_removed = False
        self.unknown_seq = len(cat.entries)

    # -- helpers --------------------------------------------------------------------------------
    def _pick(self, sheet: str, ok=None, tries: int = 80):
        rows = self.sheets[sheet]
        if not rows:
            return None
        for _ in range(tries):
            i = self.rng.randrange(len(rows))
            if i not in self.touched[sheet] and (ok is None or ok(rows[i], i)):
                self.touched[sheet].add(i)
                return i
        return None

    def _add(self, rule, sheet, row, what) -> bool:
        self.planted.append((rule, sheet, row, what))
        return True

    def _insert_after(self, sheet, anchor, row) -> None:
        self.after[sheet].setdefault(id(anchor), []).append(row)

    def _unknown_code(self, category: str) -> str:
        self.unknown_seq += 1 + self.rng.randrange(1000)
        return f"{category}/{self.unknown_seq:06d}"

    def _system(self, ok=None):
        i = self._pick("信息系统", ok)
        return (i, self.cat.systems[i]) if i is not None else (None, None)

    # -- 部门 -----------------------------------------------------------------------------------
    def _extra_department(self, bad_uscc: bool):
        govs = [d for d in self.cat.depts if d.is_government]
        for _ in range(20):
            gov = self.rng.choice(govs)
            name = gov.region_name + self.rng.choice(names.EXTRA_UNITS)
            if name not in self.dept_names:
                break
        else:
            return False
        self.dept_names.add(name)
        code = random_uscc(self.rng, gov.region, self.usccs)
        if bad_uscc:
            if self.rng.random() < 0.7:
                wrong = self.rng.choice([c for c in USCC_CHARSET if c != code[-1]])
                code, what = code[:-1] + wrong, f"USCC check character {wrong}, expected {code[-1]}"
            else:
                code, what = code[:12] + "I" + code[13:], "USCC contains the letter I, outside GB 32100's charset"
            self.usccs.add(code)
            row = [code, name, gov.uscc, gov.level, gov.region]
        else:
            row, what = [code, "", gov.uscc, gov.level, gov.region], "department name empty"
        anchor = self.rng.choice(self.sheets["部门"])
        self._insert_after("部门", anchor, row)
        return self._add("D01" if bad_uscc else "D02", "部门", row, f"extra department row: {what}")

    def d01(self):
        return self._extra_department(True)

    def d02(self):
        return self._extra_department(False)

    def _department(self, rule, column, value_of, what):
        i = self._pick("部门", lambda _r, i: not self.cat.depts[i].is_government)
        if i is None:
            return False
        row = self.sheets["部门"][i]
        row[D[column]] = value_of(row)
        return self._add(rule, "部门", row, what(row))

    def d03(self):
        return self._department("D03", "上级部门代码",
                                lambda r: random_uscc(self.rng, r[D["行政区划代码"]], self.usccs),
                                lambda r: f"parent {r[D['上级部门代码']]} is no department")

    def d04(self):
        return self._department("D04", "行政层级", lambda r: self.rng.choice(["乡镇", "街道", "地级", "村"]),
                                lambda r: f"level '{r[D['行政层级']]}' not in 国家/省/市/县")

    def d05(self):
        return self._department("D05", "行政区划代码", lambda r: r[D["行政区划代码"]][:5],
                                lambda r: f"region code '{r[D['行政区划代码']]}' has 5 digits")

    # -- 信息系统 --------------------------------------------------------------------------------
    def _sys_set(self, rule, column, value, what, ok=None):
        i, row = self._system(ok)
        if row is None:
            return False
        row[S[column]] = value(row) if callable(value) else value
        return self._add(rule, "信息系统", row, what)

    def s01(self):
        i, row = self._system()
        if row is None:
            return False
        copy = list(row)
        self._insert_after("信息系统", row, copy)
        return self._add("S01", "信息系统", copy, f"duplicate system code {row[0]} (extra row)")

    def s02(self):
        return self._sys_set("S02", "系统名称", "", "system name empty")

    def s03(self):
        return self._sys_set("S03", "所属部门代码", lambda r: random_uscc(self.rng, r[S["所属部门代码"]][2:8], self.usccs),
                             "owner USCC of no department", lambda r, _i: r[S["整合状态"]] != "独立运行")

    def s04(self):
        i, row = self._system(lambda r, _i: r[S["整合状态"]] == "独立运行")
        if row is None:
            return False
        dept = self.cat.depts[self.cat.system_dept[i]]
        row[S["运行单位"]] += self.rng.choice(dept.sub_units())
        return self._add("S04", "信息系统", row, "run by a 二级单位/处室 yet 独立运行")

    def s05(self):
        return self._sys_set("S05", "系统功能", "", "system function empty")

    def s06(self):
        return self._sys_set("S06", "使用范围", lambda r: self.rng.choice(["全省", "内部使用", "不限"]), "scope not in the list")

    def s07(self):
        column = self.rng.choice(["月均使用次数", "用户数"])
        value = self.rng.choice([f"-{self.rng.randint(1, 500)}", "12.5"])
        return self._sys_set("S07", column, value, f"{column} '{value}' is no non-negative integer")

    def s08(self):
        value = self.rng.choice(["待补充", "2018-02-30", "2019.13.05"])
        return self._sys_set("S08", "审批时间", value, f"approval date '{value}' is no date")

    def s09(self):
        return self._sys_set("S09", "经费来源", lambda r: self.rng.choice(["专项资金", "上级拨款", "社会资本"]),
                             "funding source not in the list")

    def s10(self):
        column = self.rng.choice(["建设金额(万元)", "年运维费用(万元)"])
        return self._sys_set("S10", column, lambda r: "-" + r[S[column]], f"{column} negative")

    def s11(self):
        value = self.rng.choice(["不详", "2021-13-01", "2020-02-30"])
        return self._sys_set("S11", "最近更新日期", value, f"last update '{value}' is no date")

    def s12(self):
        value = self.rng.choice(["150", "120.5"])
        return self._sys_set("S12", "资源利用率(%)", value, f"utilisation {value} above 100")

    def s13(self):
        return self._sys_set("S13", "承载网络", lambda r: self.rng.choice(["局域网", "卫星网络", "物联网"]),
                             "network not in the list")

    def s14(self):
        return self._sys_set("S14", "是否接入共享交换平台", lambda r: self.rng.choice(["部分接入", "待定", "不清楚"]),
                             "是否接入共享交换平台 not 是/否")

    def s15(self):
        i, row = self._system(lambda r, _i: r[S["整合状态"]] != "已整合")
        if row is None:
            return False
        row[S["整合状态"]], row[S["整合至"]] = "已整合", ""
        return self._add("S15", "信息系统", row, "已整合 without 整合至")

    def s16(self):
        return self._sys_set("S16", "等级保护级别", lambda r: self.rng.choice(["待评估", "暂未测评", "五级"]),
                             "security level not in the list")

    def s17(self):
        return self._sys_set("S17", "业务脱节", lambda r: self.rng.choice(["部分", "不确定", "待核实"]),
                             "业务脱节 not 是/否")

    # -- 数据流 ----------------------------------------------------------------------------------
    def _flow(self):
        i = self._pick("数据流")
        return self.cat.flows[i] if i is not None else None

    def f01(self):
        row = self._flow()
        if row is None:
            return False
        copy = list(row)
        self._insert_after("数据流", row, copy)
        return self._add("F01", "数据流", copy, f"duplicate flow code {row[0]} (extra row)")

    def f02(self):
        row = self._flow()
        if row is None:
            return False
        if self.rng.random() < 0.5:
            row[F["目标系统编码"]] = row[F["源系统编码"]]
            return self._add("F02", "数据流", row, "source and target are the same system")
        row[F["目标系统编码"]] = row[F["源系统编码"]].rsplit("-", 1)[0] + f"-{self.rng.randint(9000, 9999)}"
        if row[F["目标系统编码"]] in self.system_codes:
            row[F["目标系统编码"]] = row[F["源系统编码"]]
        return self._add("F02", "数据流", row, "target system not in the inventory")

    def f03(self):
        row = self._flow()
        if row is None:
            return False
        row[F["信息资源代码"]] = self._unknown_code(row[F["信息资源代码"]].split("/")[0])
        return self._add("F03", "数据流", row, "resource code names no entry")

    def f04(self):
        row = self._flow()
        if row is None:
            return False
        if self.rng.random() < 0.5:
            row[F["交换方式"]] = self.rng.choice(["U盘拷贝", "电子邮件", "光盘"])
            return self._add("F04", "数据流", row, "exchange channel not in the list")
        row[F["频率"]] = self.rng.choice(["每两年", "按需"])
        return self._add("F04", "数据流", row, "frequency not an update cycle")

    # -- driver ----------------------------------------------------------------------------------
    KINDS = ["d01", "d02", "d03", "d04", "d05", "c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08",
             "c09", "c10", "c11", "c12", "c13", "c14", "c15", "c16", "c17", "c18", "c19", "c20", "c21",
             "c22", "c24", "s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08", "s09", "s10", "s11",
             "s12", "s13", "s14", "s15", "s16", "s17", "f01", "f02", "f03", "f04"]

    def plant(self, how_many: int) -> None:
        """Round-robin over the rule kinds (in a seeded order) until `how_many` are planted."""
        kinds = list(self.KINDS)
        self.rng.shuffle(kinds)
        while len(self.planted) < how_many and kinds:
            for kind in list(kinds):
                if len(self.planted) >= how_many:
                    break
                if not getattr(self, kind)():
                    kinds.remove(kind)

    def finish(self) -> tuple[dict[str, list[list[str]]], list[dict]]:
        """The final sheets (extra rows in place, removed items gone) and the defect list."""
        out = {}
        for sheet in SHEETS:
            rows = self.sheets[sheet]
            if sheet == "信息项" and self.items_removed:
                rows = [r for r in rows if r is not None]
            after = self.after[sheet]
            if after:
                merged = []
                for r in rows:
                    merged.append(r)
                    merged.extend(after.get(id(r), ()))
                rows = merged
            out[sheet] = rows
        wanted = {(sheet, id(row)) for _, sheet, row, _ in self.planted}
        position = {}
        for sheet in SHEETS:
            for n, r in enumerate(out[sheet]):
                if (sheet, id(r)) in wanted:
                    position[sheet, id(r)] = n + 2  # Excel row: the header is row 1
        defects = [{"rule": rule, "sheet": sheet, "row": position[sheet, id(row)],
                    "severity": "Warning" if rule in WARNINGS else "Violation", "what": what}
                   for rule, sheet, row, what in self.planted]
        defects.sort(key=lambda d: (SHEETS.index(d["sheet"]), d["row"]))
        return out, defects
