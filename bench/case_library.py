"""Case-library agreement: expected vs found impressions for every study in tests/cases.

Run ``python bench/case_library.py``; prints one row per case (exact / partial / miss) and the totals.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "cases"))

from agreement import label, manifest, run


def main() -> int:
    """Print the agreement table; exit status 1 when any case is not exact."""
    names = sorted(manifest())
    rows = [run(name) for name in names]
    width = max(len(n) for n in names)
    print(f"| {'case':<{width}} | grade | expected | found |")
    print(f"|{'-' * (width + 2)}|-------|----------|-------|")
    for row in rows:
        print(f"| {row.name:<{width}} | {row.grade} | {label(row.expected)} | {label(row.found)} |")
    totals = {g: sum(r.grade == g for r in rows) for g in ("exact", "partial", "miss")}
    summary = ", ".join(f"{g} {n}" for g, n in totals.items())
    print(f"\n{len(rows)} cases: {summary} ({100 * totals['exact'] / len(rows):.0f}% exact)")
    return 0 if totals["exact"] == len(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
