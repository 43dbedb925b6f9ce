"""Summaries of ``py-spy record --format raw`` output (collapsed stacks): the functions
with the most samples, on their own (self) and with what they call (inclusive)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def load(paths) -> Counter:
    stacks: Counter = Counter()
    for path in paths:
        for line in Path(path).read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks[stack] += int(count)
    return stacks


def short(frame: str) -> str:
    """``function (path/to/file.py:12)`` -> ``function (package/file.py)``."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "lib/python3.11/", "/work/main/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})"


def summarize(paths, top: int = 15) -> dict:
    stacks = load(paths)
    total = sum(stacks.values())
    own: Counter = Counter()
    inclusive: Counter = Counter()
    for stack, count in stacks.items():
        frames = [short(f) for f in stack.split(";") if f]
        if not frames:
            continue
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    return {
        "samples": total,
        "self": [(f, n / total) for f, n in own.most_common(top)] if total else [],
        "inclusive": [(f, n / total) for f, n in inclusive.most_common(top * 6)] if total else [],
    }


if __name__ == "__main__":
    import sys

    result = summarize(sys.argv[1:])
    print(f"{result['samples']} samples")
    for kind in ("self", "inclusive"):
        print(kind)
        for frame, share in result[kind]:
            print(f"  {share:6.1%}  {frame}")
