"""Zombie and duplicate systems on a generated catalogue (issue 5 targets: duplicates over 20,000 systems
≤ 30 s against an all-pairs baseline on a 2,000-system sample, extrapolated; zombies of 20,000 systems ≤ 5 s).

    python bench/analytics_bench.py --entries 100000      # about 20,000 systems

The catalogue is generated once (bench/out/analytics-<entries>/), with `--plants` planted duplicates and
near-misses (govcat.generate.duplicates), and loaded into a store there; later runs reuse both.
Measured in this process, one after another: reading the systems from the store, detecting (govcat's sparse
candidate generation), zombie evaluation; then the baseline — every pair of a random sample scored with the
same vectors in a plain Python loop — whose time is extrapolated by (N / sample)². Precision and recall are
computed on the planted labels: a planted duplicate found is a true positive, a near-miss reported a false
positive."""
from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import add_province_option, cached, generate, write_results  # noqa: E402


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare(entries: int, plants: int, out: Path = HERE / "out", province: bool = False) -> tuple[Path, dict]:
    from govcat.generate.duplicates import plant_duplicates
    root = cached(out, "analytics", entries, province)
    folder, store = root / "catalogue", root / "store"
    if not (root / "loaded").exists():
        import shutil
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        log(f"generating {entries:,} entries and planting {plants} duplicates and near-misses")
        generate(folder, entries, seed=1, province=province)
        plant_duplicates(folder, plants, seed=2)
        log("loading into the store")
        subprocess.run([sys.executable, "-m", "govcat", "load", str(folder), "--store", str(store)], check=True,
                       stdout=subprocess.DEVNULL)
        (root / "loaded").touch()
    return store, json.loads((folder / "planted-duplicates.json").read_text(encoding="utf-8"))


def all_pairs(systems, sample: int, seed: int = 3) -> tuple[float, int, int]:
    """Score every pair of a random sample in a plain loop (the same TF-IDF vectors, as dicts)."""
    from collections import Counter

    from govcat.analytics.duplicates import Settings, _tfidf
    chosen = random.Random(seed).sample(systems, min(sample, len(systems)))
    settings = Settings()
    text, _v, _d = _tfidf([Counter(s.words) for s in chosen])
    items, _v, _d = _tfidf([Counter(s.items) for s in chosen])
    rows_t = [dict(zip(text[i].indices.tolist(), text[i].data.tolist())) for i in range(len(chosen))]
    rows_m = [dict(zip(items[i].indices.tolist(), items[i].data.tolist())) for i in range(len(chosen))]
    started = time.perf_counter()
    found = 0
    for i in range(len(chosen)):
        ti, mi = rows_t[i], rows_m[i]
        for j in range(i + 1, len(chosen)):
            tj, mj = rows_t[j], rows_m[j]
            t = sum(w * tj[k] for k, w in ti.items() if k in tj)
            m = sum(w * mj[k] for k, w in mi.items() if k in mj)
            if 1 - (1 - t) * (1 - settings.item_weight * m) >= settings.min_score:
                found += 1
    return time.perf_counter() - started, len(chosen), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--plants", type=int, default=100)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    add_province_option(parser)
    args = parser.parse_args()
    store, truth = prepare(args.entries, args.plants, args.out, args.province)

    from govcat.analytics import duplicates as d
    from govcat.analytics import zombies as z
    from govcat.catalogue import Catalogue
    cat = Catalogue.open(store)
    d.words("预热", "")      # jieba loads its dictionary once per process (about 1.5 s): not part of a run
    t0 = time.perf_counter()
    systems = d.read_systems(cat)
    t1 = time.perf_counter()
    pairs = d.detect(systems)
    t2 = time.perf_counter()
    stored = [z.Pair(p.first.iri, p.second.iri, p.score, p.kind) for p in pairs]
    zombies = z.evaluate(cat, None, z.Thresholds(), stored)
    t3 = time.perf_counter()
    n = len(systems)
    log(f"{n:,} systems: read {t1 - t0:.2f} s, detect {t2 - t1:.2f} s ({len(pairs):,} pairs), zombies {t3 - t2:.2f} s "
        f"({len(zombies):,} flagged)")
    base_seconds, sample, base_found = all_pairs(systems, args.sample)
    extrapolated = base_seconds * (n / sample) ** 2
    log(f"all-pairs baseline: {sample:,} systems in {base_seconds:.1f} s ({base_found:,} pairs) → {extrapolated:,.0f} s at {n:,}")

    found = {frozenset((p.first.code, p.second.code)) for p in pairs}
    tp = sum(frozenset(pair) in found for pair in truth["duplicates"])
    fp = sum(frozenset(pair) in found for pair in truth["near_misses"])
    recall = tp / len(truth["duplicates"]) if truth["duplicates"] else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    print()
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}")
    print("| measure | govcat | all-pairs baseline |")
    print("|---|---|---|")
    print(f"| duplicate detection, {n:,} systems (read + detect) | {t2 - t0:.1f} s | {extrapolated:,.0f} s "
          f"(extrapolated from {sample:,} in {base_seconds:.1f} s) |")
    print(f"| zombie evaluation, {n:,} systems | {t3 - t2:.2f} s | — |")
    print(f"| planted duplicates found (recall) | {tp}/{len(truth['duplicates'])} = {recall:.2f} | |")
    print(f"| near-misses reported | {fp}/{len(truth['near_misses'])} (precision on the labels {precision:.2f}) | |")
    print(f"| candidate pairs ≥ 0.5 | {len(pairs):,} | |")
    print(f"targets: duplicates ≤ 30 s: {'met' if t2 - t0 <= 30 else 'NOT met'}; "
          f"zombies ≤ 5 s: {'met' if t3 - t2 <= 5 else 'NOT met'}")
    write_results(store.parent / "results.json", {
        "entries": args.entries, "systems": n, "read_s": t1 - t0, "detect_s": t2 - t1, "duplicates_s": t2 - t0,
        "pairs": len(pairs), "zombies_s": t3 - t2, "zombies": len(zombies), "baseline_sample": sample,
        "baseline_sample_s": base_seconds, "baseline_extrapolated_s": extrapolated, "recall": recall,
        "precision": precision, "planted": len(truth["duplicates"])})


if __name__ == "__main__":
    main()
