"""Synthetic Hunan catalogues for tests and benchmarks: valid by construction, with defects on demand.

    from govcat.generate import generate_catalogue
    result = generate_catalogue(Path("cat.xlsx"), entries=1000, seed=1, defects=0.05)
    province = generate_catalogue(Path("hn"), 200_000, shape=shape_for(200_000, province=True))
"""
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import HEADERS, SHEETS, TODAY, build_catalogue
from .defects import Planter
from .province import Shape, describe, shape_for
from .writer import write_csv, write_xlsx

__all__ = ["GenerateResult", "HEADERS", "SHEETS", "Shape", "TODAY", "generate_catalogue", "shape_for"]


@dataclass
class GenerateResult:
    path: Path
    counts: dict[str, int]
    defects: list[dict] = field(default_factory=list)
    defects_path: Path | None = None
    levels: dict = field(default_factory=dict)   # govcat.generate.province.describe(), before any defect


def generate_catalogue(out: Path, entries: int, seed: int = 1, defects: float = 0.0,
                       shape: Shape = Shape()) -> GenerateResult:
    """Write a catalogue of `entries` entries to `out` (an .xlsx workbook, else a folder of CSVs), with the
    proportions of `shape` (default: those of every earlier catalogue of the same seed and size).

    With `defects` = RATE > 0, about RATE × entries rows get one planted defect each; they are listed
    in `<out>.defects.json` (or `defects.json` inside the CSV folder) with rule, sheet and Excel row."""
    if entries < 0:
        raise ValueError("entries must be >= 0")
    if not 0.0 <= defects <= 1.0:
        raise ValueError("defects must be a rate between 0 and 1")
    out = Path(out)
    rng = random.Random(seed)
    cat = build_catalogue(entries, rng, shape)
    levels = describe(cat)
    planter = Planter(cat, rng)
    planter.plant(round(defects * entries))
    sheets, planted = planter.finish()
    is_xlsx = out.suffix.lower() == ".xlsx"
    if is_xlsx:
        write_xlsx(out, sheets)
        defects_path = out.with_name(out.name + ".defects.json")
    else:
        write_csv(out, sheets)
        defects_path = out / "defects.json"
    if planted:
        defects_path.write_text(json.dumps(planted, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        defects_path.unlink(missing_ok=True)  # a list left by an earlier run would now be wrong
        defects_path = None
    return GenerateResult(out, {s: len(sheets[s]) for s in SHEETS}, planted, defects_path, levels)
