"""Benchmark 5: resident memory of each process, children included, from /proc."""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def _rss_bytes(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # The command name is in parentheses and may hold spaces: fields follow the last ")".
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    return children


def tree_rss(pid: int, children: dict[int, list[int]] | None = None) -> int:
    """RSS of a process and of everything it started, in bytes (0 if it is gone)."""
    tree = _children() if children is None else children
    pending, total = [pid], 0
    while pending:
        current = pending.pop()
        total += _rss_bytes(current)
        pending.extend(tree.get(current, []))
    return total


def snapshot(pids: dict[str, int]) -> dict[str, int]:
    """Process name -> bytes resident, for each named process tree."""
    tree = _children()
    return {name: tree_rss(pid, tree) for name, pid in pids.items()}
