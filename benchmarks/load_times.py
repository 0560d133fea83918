"""Time loading the shipped real data sets and print the ratios to the 2 s target (issue 4).

Usage (inside the course environment):

    .venv/bin/python benchmarks/load_times.py [--repeat 5]

Two measurements per loader, each repeated ``--repeat`` times:

* in this process, after frlib is imported (what a notebook cell costs);
* in a fresh Python process, imports included (``python -c "from frlib.data import ...; ..."``).

The script prints best and mean seconds and mean / target ratios, and exits 0 whatever they are
(speed targets are reported, not asserted).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from frlib import data

TARGET_SECONDS = 2.0
LOADERS = {"load_compas": data.load_compas, "load_adult": data.load_adult}


def report(label: str, seconds: list[float]) -> None:
    mean = statistics.mean(seconds)
    print(
        f"{label:<45} best {min(seconds):.3f} s, mean {mean:.3f} s over {len(seconds)}; "
        f"mean / target = {mean / TARGET_SECONDS:.2f}"
    )


def fresh_process_seconds(loader: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"from frlib.data import {loader}; {loader}()"], check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for name, loader in LOADERS.items():
        for sensitive in ("race", "sex"):
            seconds = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                loader(sensitive=sensitive)
                seconds.append(time.perf_counter() - start)
            report(f"{name}(sensitive={sensitive!r}), frlib imported", seconds)
        report(f"{name}() in a fresh process, imports included",
               [fresh_process_seconds(name) for _ in range(args.repeat)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
