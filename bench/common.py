"""What the benches share: the catalogue they generate (default proportions, or a whole province's with
`--province`), where they keep it, and their results as JSON (read by bench/province.py)."""
from __future__ import annotations

import json
from pathlib import Path


def add_province_option(parser) -> None:
    parser.add_argument("--province", action="store_true",
                        help="generate with a whole province's proportions (govcat generate --province)")


def cached(out: Path, name: str, entries: int, province: bool = False) -> Path:
    """The folder a bench keeps its catalogue and store in: `<name>-<entries>`, or `<name>-province-<entries>`."""
    return out / (f"{name}-province-{entries}" if province else f"{name}-{entries}")


def generate(folder: Path, entries: int, seed: int, province: bool = False, defects: float = 0.0):
    """A generated CSV catalogue in `folder` (the same bytes as before `--province` existed when it is off)."""
    from govcat.generate import generate_catalogue, shape_for
    return generate_catalogue(folder, entries=entries, seed=seed, defects=defects,
                              shape=shape_for(entries, province=province))


def percentile(times: list[float], p: float) -> float:
    """The p-quantile of `times` (nearest rank)."""
    times = sorted(times)
    return times[min(len(times) - 1, max(0, round(p * len(times)) - 1))]


def write_results(path: Path, results: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
