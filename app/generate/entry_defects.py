"""Defects of the 信息资源 and 信息项 sheets (C01–C24), mixed into defects.Planter."""
from . import vocab
from .catalogue import E, I
from .departments import random_uscc

_NO_LAW_BASIS = ["涉及个人隐私，不宜对外提供", "属于内部工作数据", "数据敏感，暂不共享", ""]
_LONG_FILLER = "（数据范围包括全省各级相关部门在业务办理过程中采集、汇总、审核并报送的全部记录及其历史变更情况）"


class EntryDefects:
    """Needs the Planter's cat, rng, _pick, _add, _insert_after, _unknown_code, usccs, dept_names."""

    def _entry(self, ok=None):
        i = self._pick("信息资源", ok)
        return (i, self.cat.entries[i]) if i is not None else (None, None)

    def _recode(self, i: int, code: str) -> None:
        """Give entry i a new code; its data items follow. Only for entries nothing refers to."""
        self.cat.entries[i][E["信息资源代码"]] = code
        start, count = self.cat.entry_items[i]
        for j in range(start, start + count):
            self.cat.items[j][I["信息资源代码"]] = code

    def _unreferenced(self, row, _i):
        return row[E["信息资源代码"]] not in self.cat.referenced

    def _set(self, rule, ok, column, value, what):
        i, row = self._entry(ok)
        if row is None:
            return False
        row[E[column]] = value(row) if callable(value) else value
        return self._add(rule, "信息资源", row, what)

    def c01(self):
        i, row = self._entry(self._unreferenced)
        if row is None:
            return False
        old = row[E["信息资源分类"]]
        new = self.rng.choice(["309", "310", "300", "311", "399"]) + old[3:]   # 3xx beyond 308; an unknown 主题 (2xx) is only a Warning
        row[E["信息资源分类"]] = new
        self._recode(i, new + "/" + row[E["信息资源代码"]].split("/")[1])
        return self._add("C01", "信息资源", row, f"classification {new}: 类+项 {new[:3]} is no node of §3.1")

    def c02(self):
        if self.rng.random() < 0.5:
            return self._set("C02", None, "信息资源名称", "", "title empty")

        def longer(row):
            title = row[E["信息资源名称"]]
            while len(title) <= 100:
                title += _LONG_FILLER
            return title
        return self._set("C02", None, "信息资源名称", longer, "title longer than 100 characters")

    def c03(self):
        variant = self.rng.randrange(3)
        if variant == 2:  # a second row with the code of an existing entry
            i, row = self._entry(lambda r, _i: r[E["信息资源格式分类"]] not in ("数据库", "电子表格"))
            if row is None:
                return False
            copy = list(row)
            self._insert_after("信息资源", row, copy)
            return self._add("C03", "信息资源", copy, f"duplicate code {row[E['信息资源代码']]} (extra row)")
        i, row = self._entry(self._unreferenced)
        if row is None:
            return False
        category, seq = row[E["信息资源分类"]], row[E["信息资源代码"]].split("/")[1]
        if variant == 0:
            prefix = category[:3] + f"{int(category[3:6]) % 999 + 1:03d}" + category[6:]
            self._recode(i, f"{prefix}/{seq}")
            return self._add("C03", "信息资源", row, f"code prefix {prefix} differs from classification {category}")
        self._recode(i, category + seq)
        return self._add("C03", "信息资源", row, "code without the '/' between 前段码 and 后段码")

    def c04(self):
        def wrong(row):
            name = row[E["信息资源提供方"]]
            options = [name.replace("湖南省", "省", 1), name.replace("厅", "局"), name.replace("局", "厅"),
                       name + "（本级）"]
            return next(o for o in self.rng.sample(options, 4) if o != name and o not in self.dept_names)
        return self._set("C04", None, "信息资源提供方", wrong, "provider name matches no department")

    def c05(self):
        return self._set("C05", None, "信息资源提供方代码",
                         lambda r: random_uscc(self.rng, r[E["信息资源提供方代码"]][2:8], self.usccs),
                         "provider USCC valid but of no department")

    def c06(self):
        return self._set("C06", None, "信息资源摘要", "", "abstract empty")

    def c07(self):
        def other_type(row):
            own = vocab.FORMATS[row[E["信息资源格式分类"]]]
            return self.rng.choice([t for c, ts in vocab.FORMATS.items() for t in ts if t not in own])
        return self._set("C07", lambda r, _i: bool(vocab.FORMATS[r[E["信息资源格式分类"]]]),
                         "信息资源格式类型", other_type, "format type belongs to another format class")

    def c08(self):
        i, row = self._entry()
        if row is None:
            return False
        row[E["信息资源格式分类"]] = self.rng.choice(["自描述格式", "其他"])
        row[E["信息资源格式类型"]] = row[E["格式说明"]] = ""
        return self._add("C08", "信息资源", row, f"format class {row[E['信息资源格式分类']]} without 格式说明")

    def c09(self):
        variant = self.rng.randrange(4)
        if variant == 0:
            i, row = self._entry(lambda r, _i: r[E["信息资源格式分类"]] in ("数据库", "电子表格"))
            if row is None:
                return False
            start, count = self.cat.entry_items[i]
            self.cat.items[start:start + count] = [None] * count
            self.items_removed = True
            return self._add("C09", "信息资源", row, f"format {row[E['信息资源格式分类']]} but no data items")
        i, row = self._entry(lambda r, i: self.cat.entry_items[i][1] >= 2)
        if row is None:
            return False
        start, count = self.cat.entry_items[i]
        j = self.rng.randrange(1, count)
        item = self.cat.items[start + j]
        if variant == 1:
            item[I["信息项名称"]] = self.cat.items[start + self.rng.randrange(j)][I["信息项名称"]]
            what = f"data item name {item[I['信息项名称']]} repeated within the entry"
        elif variant == 2:
            item[I["数据类型"]] = self.rng.choice(["字符串", "VARCHAR2", "文本型", "Z"])
            what = f"data type '{item[I['数据类型']]}' not in §3.5"
        else:
            item[I["信息项名称"]] = ""
            what = "data item without a name"
        return self._add("C09", "信息项", item, what)

    def _not_withheld(self, row, _i):
        return row[E["共享类型"]] != "不予共享"

    def c10(self):
        return self._set("C10", lambda r, _i: r[E["共享类型"]] == "无条件共享" and r[0][0] != "1",
                         "共享类型", lambda r: self.rng.choice(["部分共享", "依申请共享", "内部共享"]),
                         "sharing type not in the code list")

    def c11(self):
        return self._set("C11", lambda r, _i: r[E["共享类型"]] == "有条件共享", "共享条件", "",
                         "有条件共享 without 共享条件")

    def c12(self):
        basis = self.rng.choice(_NO_LAW_BASIS)
        return self._set("C12", lambda r, _i: r[E["共享类型"]] == "不予共享", "不予共享依据", basis,
                         "不予共享 with a basis citing no law" if basis else "不予共享 without a basis")

    def c13(self):
        i, row = self._entry(self._not_withheld)
        if row is None:
            return False
        row[E["共享方式类型"]] = ""
        if self.rng.random() < 0.6:
            row[E["共享方式分类"]] = ""
            return self._add("C13", "信息资源", row, "shared but no sharing method")
        return self._add("C13", "信息资源", row, "共享平台方式 without 共享方式类型")

    def c14(self):
        i, row = self._entry(lambda r, _i: r[E["共享类型"]] == "无条件共享")
        if row is None:
            return False
        row[E["共享方式分类"]], row[E["共享方式类型"]] = self.rng.choice(["邮件方式", "介质方式"]), ""
        return self._add("C14", "信息资源", row, f"sharing by {row[E['共享方式分类']]}, no reason given")

    def c15(self):
        return self._set("C15", self._not_withheld, "是否向社会开放",
                         lambda r: self.rng.choice(["部分开放", "待定", "暂缓"]), "是否向社会开放 not 是/否")

    def c16(self):
        i, row = self._entry(self._not_withheld)
        if row is None:
            return False
        row[E["是否向社会开放"]], row[E["开放条件"]] = "是", ""
        return self._add("C16", "信息资源", row, "open to the public without 开放条件")

    def c17(self):
        i, row = self._entry(lambda r, _i: r[E["共享类型"]] == "不予共享")
        if row is None:
            return False
        row[E["是否向社会开放"]], row[E["开放条件"]] = "是", "依申请开放"
        return self._add("C17", "信息资源", row, "不予共享 but open to the public")

    def c18(self):
        return self._set("C18", None, "更新周期", lambda r: self.rng.choice(["每两年", "按需更新", "每旬", "每十天"]),
                         "update cycle not in §3.3")

    def c19(self):
        value = self.rng.choice([f"{self.rng.randint(2031, 2035)}-0{self.rng.randint(1, 9)}-1{self.rng.randint(0, 9)}",
                                 "2023-02-30", "2023.05.12"])
        return self._set("C19", None, "发布日期", value, f"release date '{value}' in the future or not ISO")

    def c20(self):
        if self.rng.random() < 0.25:
            def own(row):
                return ";".join(filter(None, [row[E["关联资源代码"]], row[E["信息资源代码"]]]))
            return self._set("C20", None, "关联资源代码", own, "entry relates to itself")

        def unknown(row):
            return ";".join(filter(None, [row[E["关联资源代码"]], self._unknown_code(row[0])]))
        return self._set("C20", None, "关联资源代码", unknown, "related code names no entry")

    def c21(self):
        cond = f"仅向{self.rng.choice(vocab.CONDITION_WHO)}共享，用于{self.rng.choice(vocab.CONDITION_WHAT)}"
        i, row = self._entry(lambda r, _i: r[0][0] == "1")
        if row is None:
            return False
        row[E["共享类型"]], row[E["共享条件"]] = "有条件共享", cond
        return self._add("C21", "信息资源", row, "基础信息资源 (类 1) shared only conditionally")

    def c22(self):
        def unknown(row):
            region = row[E["信息资源提供方代码"]][2:8]
            while True:
                code = f"HN-{region}-{self.rng.randint(9000, 9999)}"
                if code not in self.system_codes:
                    return code
        return self._set("C22", None, "来源信息系统", unknown, "source system not in the inventory")

    def c24(self):
        if self.rng.random() < 0.5:
            return self._set("C24", None, "信息资源摘要", lambda r: self.rng.choice(["详见附件", "同上", "暂无说明"]),
                             "abstract shorter than 10 characters")
        return self._set("C24", lambda r, _i: len(r[E["信息资源名称"]]) >= 10, "信息资源摘要",
                         lambda r: r[E["信息资源名称"]], "abstract repeats the title")
