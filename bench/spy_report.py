"""Where a server's CPU went: a summary of py-spy's raw samples (``bench/load.py --profile``).

py-spy samples the stacks of the running gunicorn workers from outside (no change to the
server, a few per cent of overhead); its raw format is one line per distinct stack, frames
separated by ";" and the number of samples at the end. This prints each function's share of
all samples with the function on the stack (inclusive), and the functions that take the
most samples themselves (exclusive).

    .venv/bin/python bench/spy_report.py samples.txt [--only more_like_this] [--top 40]
        [--frames portal/]

``--only TEXT`` counts only the stacks with a frame containing TEXT (shares are then of
those stacks: what one request class spends its time on).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r":\d+\)")


def shares(path: Path, only: str = "") -> tuple[int, Counter, Counter]:
    """(samples, inclusive samples by function, exclusive samples by function)."""
    total, inclusive, exclusive = 0, Counter(), Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        # "process 123:..." opens each stack with --subprocesses; line numbers vary per call site.
        frames = [_LINE.sub(")", f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames or (only and not any(only in f for f in frames)):
            continue
        total += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
        exclusive[frames[-1]] += int(count)
    return total, inclusive, exclusive


def report(path: Path, only: str = "", top: int = 40, frames: str = "") -> None:
    """Print the shares; ``frames``: list only functions whose frame contains this among the
    inclusive ones (for example "portal/": the server's own code, not the framework frames on
    every stack)."""
    total, inclusive, exclusive = shares(path, only)
    print(f"{total} samples" + (f" with {only!r} on the stack" if only else ""))
    if not total:
        return
    for title, counts in (("inclusive", inclusive), ("exclusive", exclusive)):
        print(f"--- {title}")
        wanted = frames if title == "inclusive" else ""
        listed = [(f, n) for f, n in counts.most_common() if wanted in f][:top]
        for frame, count in listed:
            print(f"{100 * count / total:5.1f} %  {frame[:140]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samples", type=Path, help="py-spy record -f raw output")
    parser.add_argument("--only", default="", help="only stacks with a frame containing this")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--frames", default="", help='list only these frames ("portal/")')
    options = parser.parse_args()
    report(options.samples, options.only, options.top, options.frames)


if __name__ == "__main__":
    main()
