#!/usr/bin/env python3
"""What a process's PSS is made of, from a saved /proc/PID/smaps.

Groups the mappings by what backs them (a file's name, the heap, the stack, or anonymous
memory) and prints each group's PSS and its private dirty part in MiB, largest first.
scripts/measure-app.sh saves the files with SMAPS_DIR=DIR.

Usage: scripts/smaps-breakdown.py FILE.smaps [LIMIT]
"""

import re
import sys
from collections import defaultdict

# A mapping's first line: address range, permissions, offset, device, inode, then the path.
HEADER = re.compile(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$")


def group_of(path: str) -> str:
    """The group a mapping counts under: a library's base name without its version."""
    if not path:
        return "[anonymous]"
    if path.startswith("["):
        return "[stack]" if path.startswith("[stack") else path
    name = path.rsplit("/", 1)[-1]
    return re.sub(r"\.so[.\d]*$", ".so", name)


def breakdown(lines):
    """Sums of (pss, private dirty) in KiB per group."""
    sums = defaultdict(lambda: [0, 0])
    group = "[anonymous]"
    for line in lines:
        header = HEADER.match(line)
        if header:
            group = group_of(header.group(1).strip())
        elif line.startswith("Pss:"):
            sums[group][0] += int(line.split()[1])
        elif line.startswith("Private_Dirty:"):
            sums[group][1] += int(line.split()[1])
    return sums


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    limit = int(sys.argv[2]) if len(sys.argv) == 3 else 20
    with open(sys.argv[1], encoding="utf-8", errors="replace") as smaps:
        sums = breakdown(smaps)
    total = sum(pss for pss, _ in sums.values())
    print(f"{'MiB PSS':>8} {'dirty':>6}  {sys.argv[1]} (total {total / 1024:.1f} MiB)")
    ranked = sorted(sums.items(), key=lambda item: -item[1][0])
    for group, (pss, dirty) in ranked[:limit]:
        print(f"{pss / 1024:8.1f} {dirty / 1024:6.1f}  {group}")
    rest = sum(pss for _, (pss, _) in ranked[limit:])
    if rest:
        print(f"{rest / 1024:8.1f} {'':6}  ({len(ranked) - limit} more)")


if __name__ == "__main__":
    main()
