"""Benchmark 5: memory of each process, children included, from /proc.

Counted as PSS (proportional set size): a page shared by n processes counts 1/n in
each. Rasa's Sanic workers are forked from one parent after TensorFlow and Kiwi are
loaded, so they share those pages; summing their RSS would count them once per
worker.
"""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def _pss_bytes(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
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


def tree_pss(pid: int, children: dict[int, list[int]] | None = None) -> int:
    """PSS of a process and of everything it started, in bytes (0 if it is gone)."""
    tree = _children() if children is None else children
    pending, total = [pid], 0
    while pending:
        current = pending.pop()
        total += _pss_bytes(current)
        pending.extend(tree.get(current, []))
    return total


def snapshot(pids: dict[str, int]) -> dict[str, int]:
    """Process name -> bytes (PSS), for each named process tree."""
    tree = _children()
    return {name: tree_pss(pid, tree) for name, pid in pids.items()}
