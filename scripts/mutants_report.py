"""Per-module summary of a mutmut run: `python scripts/mutants_report.py [MUTANTS_DIR] [--list]`.

Reads mutmut's result files (mutants/<module>.py.meta) and prints, for each mutated module,
how many mutants the tests killed, how many survived (a changed line no test noticed), how many
timed out and how many no test reached; `--list` names the survivors (`mutmut show NAME` prints one).
A surviving mutant is one that survived or that no test ran: both are changes nothing would catch.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

# mutmut's exit codes (mutmut/stats.py, status_by_exit_code); anything else counts as "suspicious"
STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    None: "not checked",
    37: "type check",
    -11: "segfault",
    -9: "segfault",
}
COLUMNS = ("killed", "survived", "no tests", "timeout", "other")


def summarise(mutants_dir: Path) -> tuple[dict[str, Counter], dict[str, list[str]]]:
    counts: dict[str, Counter] = {}
    survivors: dict[str, list[str]] = {}
    for meta in sorted(mutants_dir.rglob("*.py.meta")):
        module = meta.relative_to(mutants_dir).as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        tally = Counter()
        for name, code in codes.items():
            status = STATUS.get(code, "suspicious")
            if status == "not checked":  # a run that was stopped early
                continue
            tally[status if status in COLUMNS else "other"] += 1
            if status in ("survived", "no tests"):
                survivors.setdefault(module, []).append(f"{name} ({status})")
        counts[module] = tally
    return counts, survivors


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    mutants_dir = Path(args[0] if args else "mutants")
    counts, survivors = summarise(mutants_dir)
    if not counts:
        print(f"no mutmut results under {mutants_dir}/", file=sys.stderr)
        return 1
    print(f"{'module':32} {'mutants':>7} " + " ".join(f"{c:>8}" for c in COLUMNS) + "  surviving")
    for module, tally in counts.items():
        total = sum(tally.values())
        rate = (tally["survived"] + tally["no tests"]) / total if total else 0.0
        print(f"{module:32} {total:7} " + " ".join(f"{tally[c]:8}" for c in COLUMNS) + f"  {rate:8.1%}")
    if "--list" in argv:
        for module, names in survivors.items():
            print(f"\n{module}:")
            print("\n".join("  " + n for n in sorted(names)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
