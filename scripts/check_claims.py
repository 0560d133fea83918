"""Run every lesson for several seeds and print which claims hold: the claims sweep.

    .venv/bin/python scripts/check_claims.py [--seeds 0-4] [--full] [--lessons 03,07]

Every lesson runs once per seed (``FRLIB_SEED``), in the quick setting unless ``--full``, with
``frlib.claims`` recording each claim and its margin (how far the measurement is from its bound)
into a file; a failed claim is recorded and the lesson goes on, so that one run shows every
claim (``--stop-at-first`` raises as a learner would see it). The script prints a table of
lessons x seeds: ``ok`` and the lesson's tightest margin, or ``FAIL n`` (n claims failed) or
``ERROR`` (a cell raised something other than a claim), then the failed claims and the tightest
claim of each lesson; it writes every record to ``build/claims/<setting>-seeds-<seeds>.json``
and exits non-zero unless everything passed.

The course's policy (README, "Claims"): every claim holds for seeds 0-4 in the quick and the full
setting, and on other CPUs' float kernels (run it with ``ATEN_CPU_CAPABILITY=default`` or
``=avx2`` in the environment to check those). Margins are in each claim's own units (mostly
accuracies and DIs); a margin of 0.002 on an accuracy is one test example in 500.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from build_site import _patch_nbclient_wait  # noqa: E402  (the same nbclient workaround as make site)

LESSONS = ROOT / "notebooks"


def parse_seeds(text: str) -> list[int]:
    """``0-4`` -> [0, 1, 2, 3, 4]; ``0,2,5`` -> [0, 2, 5]; ranges and lists combine (``0-2,7``)."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        low, _, high = part.partition("-")
        if not low.isdecimal() or (high and not high.isdecimal()):
            raise argparse.ArgumentTypeError(f"seeds must look like 0-4 or 0,2,5; got {text!r}")
        seeds.extend(range(int(low), int(high or low) + 1))
    if not seeds:
        raise argparse.ArgumentTypeError(f"no seeds in {text!r}")
    return seeds


def run_lesson(path: Path, seed: int, full: bool, stop_at_first: bool, timeout: int) -> dict:
    """Execute one lesson with FRLIB_SEED=seed; its claims' records, time and error, if any."""
    with tempfile.TemporaryDirectory() as folder:
        record = Path(folder) / "claims.jsonl"
        environment = {"FRLIB_SEED": str(seed), "FRLIB_QUICK": "0" if full else "1",
                       "FRLIB_CLAIMS_RECORD": str(record), "FRLIB_CLAIMS_RECORD_ONLY": "0" if stop_at_first else "1"}
        saved = {name: os.environ.get(name) for name in environment}
        os.environ.update(environment)
        error = None
        start = time.perf_counter()
        try:
            notebook = nbformat.read(path, as_version=4)
            NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        except CellExecutionError as exc:
            first_line = (exc.evalue or "").strip().split("\n")[0]
            error = f"{exc.ename}: {first_line}"[:300]
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        seconds = time.perf_counter() - start
        claims = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    return {"lesson": path.stem, "seed": seed, "setting": "full" if full else "quick", "seconds": seconds,
            "error": error, "claims": claims}


def verdict(run: dict) -> tuple[str, dict | None]:
    """The table cell of one run and its tightest claim (smallest margin)."""
    failed = [c for c in run["claims"] if not c["passed"]]
    with_margin = [c for c in run["claims"] if c["margin"] is not None]
    tightest = min(with_margin, key=lambda c: c["margin"]) if with_margin else None
    if run["error"] and not run["error"].startswith("ClaimNotConfirmed"):
        return "ERROR", tightest
    if failed or run["error"]:
        return f"FAIL {max(len(failed), 1)}", tightest
    return ("ok " + (f"{tightest['margin']:.3f}" if tightest else "-")), tightest


def print_report(runs: list[dict], seeds: list[int]) -> bool:
    lessons = sorted({run["lesson"] for run in runs})
    cell = {(run["lesson"], run["seed"]): run for run in runs}
    width = max(len(name) for name in lessons)
    print()
    print(f"{'lesson':<{width}}  " + "  ".join(f"{'seed ' + str(s):>11}" for s in seeds) + "  time (s)")
    everything_passed = True
    for lesson in lessons:
        cells, seconds = [], 0.0
        for seed in seeds:
            run = cell[(lesson, seed)]
            text, _ = verdict(run)
            everything_passed &= text.startswith("ok")
            cells.append(f"{text:>11}")
            seconds += run["seconds"]
        print(f"{lesson:<{width}}  " + "  ".join(cells) + f"  {seconds / len(seeds):8.0f}")
    print("\n(ok m: every claim held, m the tightest margin in the claim's units; time: mean per seed)")
    for lesson in lessons:
        lesson_runs = [cell[(lesson, s)] for s in seeds]
        for run in lesson_runs:
            if run["error"]:
                print(f"{lesson} seed {run['seed']}: ERROR {run['error']}")
            for claim in run["claims"]:
                if not claim["passed"]:
                    print(f"{lesson} seed {run['seed']}: FAILED {claim['claim']} | measured {claim['measured']}")
        tightest = [verdict(run)[1] for run in lesson_runs if verdict(run)[1] is not None]
        if tightest:
            worst = min(tightest, key=lambda c: c["margin"])
            print(f"{lesson}: tightest claim over the seeds: {worst['claim']} (margin {worst['margin']:.4f}, "
                  f"seed {worst['seed']}, measured {worst['measured']})")
    return everything_passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-4"), help="e.g. 0-4 (default) or 0,2")
    parser.add_argument("--full", action="store_true", help="the full setting (default: quick)")
    parser.add_argument("--lessons", default="", help="comma-separated lesson numbers, e.g. 03,07 (default: all)")
    parser.add_argument("--stop-at-first", action="store_true", help="raise at the first failed claim, as a learner sees it")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds a cell may take (default 1800)")
    parser.add_argument("--out", type=Path, help="where to write the records (default build/claims/...json)")
    args = parser.parse_args(argv)

    wanted = {part.strip() for part in args.lessons.split(",") if part.strip()}
    lessons = [p for p in sorted(LESSONS.glob("*.ipynb")) if not wanted or p.stem[:2] in wanted]
    if not lessons:
        parser.error(f"no lesson matches --lessons {args.lessons!r}")
    setting = "full" if args.full else "quick"
    out = args.out or ROOT / "build" / "claims" / f"{setting}-seeds-{'-'.join(map(str, args.seeds))}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    _patch_nbclient_wait()

    capability = os.environ.get("ATEN_CPU_CAPABILITY", "") or "native"
    print(f"claims sweep: {len(lessons)} lessons x seeds {args.seeds}, {setting} setting, float kernels: {capability}")
    start = time.perf_counter()
    runs = []
    for seed in args.seeds:
        for path in lessons:
            run = run_lesson(path, seed, args.full, args.stop_at_first, args.timeout)
            runs.append(run)
            text, _ = verdict(run)
            print(f"  {path.stem} seed {seed}: {text} ({run['seconds']:.0f} s, {len(run['claims'])} claims)", flush=True)
            out.write_text(json.dumps({"setting": setting, "capability": capability, "runs": runs}, indent=1))
    passed = print_report(runs, args.seeds)
    print(f"\n{len(runs)} lesson runs in {time.perf_counter() - start:.0f} s; records in {out}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
