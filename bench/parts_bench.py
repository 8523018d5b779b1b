"""A catalogue too large for one `govcat load`, loaded in parts (docs/scaling.md § 2; issue 9's 1,000,000 entries).

    python bench/parts_bench.py --entries 1000000 --parts 5

One `govcat load` of a whole 1,000,000-entry province file needs ≈ 28–31 GiB by the slope measured up to 200,000
entries, more than this machine's 24 GiB. Here the generated province-shaped catalogue (seed 1, CSV folder) is
split by sheet and by rows, in the order in which records refer to each other, and each part is loaded with
`govcat load --publish` into one store, validated in the context of what is already there:
the departments and systems first, then the entries with their data items in `--parts` slices, then the flows
(which name systems and entries). Per part: rows, wall time, peak memory of the `govcat load` process (its
getrusage maximum resident size; the bench itself stays small, so the figure is the child's), and the store's
size on disk after it. Results: bench/out/parts-<entries>.json. The store is kept in
bench/out/parts-province-<entries>/store for the other benches; delete it to run again from the start."""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import cached, generate, write_results  # noqa: E402

ENTRIES, ITEMS, FLOWS = "信息资源", "信息项", "数据流"
FIRST = ("部门", "信息系统")
CODE = "信息资源代码"


def read(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)


def split(catalogue: Path, target: Path, parts: int) -> list[Path]:
    """The parts, as CSV folders in the order they must be loaded; every part has every sheet (the template
    needs them all), those it does not fill with their header only."""
    headers = {path.stem: read(path)[0] for path in catalogue.glob("*.csv")}

    def part(name: str, sheets: dict[str, list[list[str]]]) -> Path:
        folder = target / name
        for sheet, header in headers.items():
            write(folder / f"{sheet}.csv", header, sheets.get(sheet, []))
        return folder

    folders = [part("00-departments-systems", {name: read(catalogue / f"{name}.csv")[1] for name in FIRST})]
    header, entries = read(catalogue / f"{ENTRIES}.csv")
    item_header, items = read(catalogue / f"{ITEMS}.csv")
    code_at, item_code_at = header.index(CODE), item_header.index(CODE)
    by_entry: dict[str, list[list[str]]] = {}
    for row in items:
        by_entry.setdefault(row[item_code_at], []).append(row)
    del items
    size = -(-len(entries) // parts)
    for n in range(parts):
        chunk = entries[n * size:(n + 1) * size]
        folders.append(part(f"{n + 1:02d}-entries", {
            ENTRIES: chunk, ITEMS: [i for e in chunk for i in by_entry.pop(e[code_at], [])]}))
    folders.append(part(f"{parts + 1:02d}-flows", {FLOWS: read(catalogue / f"{FLOWS}.csv")[1]}))
    return folders


def rows_in(folder: Path) -> dict[str, int]:
    return {path.stem: len(read(path)[1]) for path in sorted(folder.glob("*.csv"))}


def disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def load(part: Path, store: Path) -> tuple[float, float, str]:
    """Wall seconds, peak MiB and the last lines of output of one `govcat load`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVCAT_")}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "govcat", "load", str(part), "--store", str(store), "--publish",
                                "--as", "bench"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    output = process.stdout.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"govcat load {part} failed:\n{output[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, output.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--parts", type=int, default=5, help="slices of the entries (each with its data items)")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    folder = cached(args.out, "parts", args.entries, province=True)
    catalogue, store, target = folder / "catalogue", folder / "store", folder / "parts"
    if not (folder / "generated.ok").exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        generate(catalogue, args.entries, seed=1, province=True)
        print(f"generated {args.entries:,} entries in {time.perf_counter() - started:.0f} s", flush=True)
        (folder / "generated.ok").write_text("")
    shutil.rmtree(target, ignore_errors=True)
    shutil.rmtree(store, ignore_errors=True)
    # Split in a child process: the rows read here would stay in this process, and a child's getrusage peak
    # starts from its parent's resident size at the fork.
    subprocess.run([sys.executable, __file__, "--split", str(catalogue), str(target), str(args.parts)], check=True)
    folders = sorted(p for p in target.iterdir() if p.is_dir())
    results = []
    print(f"{'part':<24} {'rows':<52} {'seconds':>8} {'peak MiB':>9} {'store GB':>9}", flush=True)
    for part in folders:
        rows = rows_in(part)
        seconds, peak, said = load(part, store)
        results.append({"part": part.name, "rows": rows, "seconds": seconds, "peak_mib": peak,
                        "store_bytes": disk_bytes(store), "said": said})
        shown = ", ".join(f"{k} {v:,}" for k, v in rows.items() if v)
        print(f"{part.name:<24} {shown:<52} {seconds:>8.0f} {peak:>9,.0f} {results[-1]['store_bytes'] / 1e9:>9.1f}",
              flush=True)
    total = sum(r["seconds"] for r in results)
    print(f"total {total:,.0f} s; largest peak {max(r['peak_mib'] for r in results):,.0f} MiB; "
          f"store {results[-1]['store_bytes'] / 1e9:.1f} GB", flush=True)
    write_results(args.out / f"parts-{args.entries}.json", {"entries": args.entries, "parts": results})


if __name__ == "__main__":
    if sys.argv[1:2] == ["--split"]:
        split(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
