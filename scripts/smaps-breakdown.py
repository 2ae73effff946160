#!/usr/bin/env python3
"""What a process's PSS is made of, from a saved /proc/PID/smaps.

Groups the mappings by what backs them (a file's name, the heap, the stack, or anonymous
memory) and prints each group's PSS and its private dirty part in MiB, largest first.
scripts/measure-app.sh saves the files with SMAPS_DIR=DIR. With --diff, what grew (or shrank)
from one file to the next, per group, largest change first: say, a process after two steps of
`STAGES=1 HOSTING=1 scripts/measure-app.sh`.

Usage: scripts/smaps-breakdown.py FILE.smaps [LIMIT]
       scripts/smaps-breakdown.py --diff BEFORE.smaps AFTER.smaps [LIMIT]
"""

import re
import signal
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


def read(path: str) -> dict:
    """The breakdown of one saved smaps file."""
    with open(path, encoding="utf-8", errors="replace") as smaps:
        return breakdown(smaps)


def diff(before_path: str, after_path: str, limit: int) -> None:
    """Prints the change per group from one smaps file to another, largest first."""
    before, after = read(before_path), read(after_path)
    change = {
        group: [after.get(group, [0, 0])[i] - before.get(group, [0, 0])[i] for i in (0, 1)]
        for group in before.keys() | after.keys()
    }
    total = sum(pss for pss, _ in change.values())
    print(f"{'MiB PSS':>8} {'dirty':>6}  {before_path} -> {after_path} (total {total / 1024:+.1f} MiB)")
    ranked = sorted(change.items(), key=lambda item: -abs(item[1][0]))
    for group, (pss, dirty) in ranked[:limit]:
        if pss:
            print(f"{pss / 1024:+8.2f} {dirty / 1024:+6.2f}  {group}")


def main() -> None:
    if sys.argv[1:2] == ["--diff"]:
        if len(sys.argv) not in (4, 5):
            sys.exit(__doc__)
        diff(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) == 5 else 20)
        return
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    limit = int(sys.argv[2]) if len(sys.argv) == 3 else 20
    sums = read(sys.argv[1])
    total = sum(pss for pss, _ in sums.values())
    print(f"{'MiB PSS':>8} {'dirty':>6}  {sys.argv[1]} (total {total / 1024:.1f} MiB)")
    ranked = sorted(sums.items(), key=lambda item: -item[1][0])
    for group, (pss, dirty) in ranked[:limit]:
        print(f"{pss / 1024:8.1f} {dirty / 1024:6.1f}  {group}")
    rest = sum(pss for _, (pss, _) in ranked[limit:])
    if rest:
        print(f"{rest / 1024:8.1f} {'':6}  ({len(ranked) - limit} more)")


if __name__ == "__main__":
    # Quietly, when the output is cut short (| head).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
