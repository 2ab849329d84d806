"""Peak memory while iterating 10,000 calls over 100 pages (run by `make bench`).

Iterating a page walks it and every page after it; each page should be released once the
iterator has moved past it, so the resident size stays flat however many pages go by. This
prints the resident size (VmRSS) at checkpoints and the peak (VmHWM), then the same for
keeping every call in a list, for contrast.

Usage: memory.py --base-url http://127.0.0.1:PORT/pages [--markdown]   (the bench server)
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
from pathlib import Path

CHECKPOINTS = (1, 10, 25, 50, 75, 100)


def status(field: str) -> float:
    """A field of /proc/self/status, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def walk(base_url: str, keep: bool) -> list[tuple[int, float]]:
    import talkover

    client = talkover.Talkover("talq_bench", base_url=base_url)
    kept = []
    seen = 0
    samples = []
    for call in client.calls.list(per_page=100):
        _ = (call.id, call.to, call.agent)
        if keep:
            kept.append(call)
        seen += 1
        if seen % 100 == 0 and seen // 100 in CHECKPOINTS:
            gc.collect()
            samples.append((seen // 100, status("VmRSS")))
    if seen != 10_000:
        raise SystemExit(f"walked {seen} calls, expected 10000")
    return samples


def child(base_url: str, keep: bool) -> None:
    samples = walk(base_url, keep)
    # The kernel updates the high-water mark lazily; it is never below a sample.
    peak = max([status("VmHWM")] + [rss for _, rss in samples])
    print(" ".join(f"{page}:{rss:.1f}" for page, rss in samples), f"peak:{peak:.1f}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--child", choices=["iterate", "keep"])
    args = ap.parse_args()
    if args.child:
        child(args.base_url, args.child == "keep")
        return 0
    rows = {}
    for mode in ("iterate", "keep"):
        # A fresh process each, so one run's peak is not the other's.
        out = subprocess.run([sys.executable, __file__, "--base-url", args.base_url,
                              "--child", mode], capture_output=True, text=True, check=True).stdout
        rows[mode] = dict(item.split(":") for item in out.split())
    header = ["after page " + str(p) for p in CHECKPOINTS] + ["peak"]
    keys = [str(p) for p in CHECKPOINTS] + ["peak"]
    labels = {"iterate": "`for call in client.calls.list(per_page=100)`",
              "keep": "the same, keeping every call in a list"}
    if args.markdown:
        print("Resident size in MB (VmRSS; peak is VmHWM), a fresh interpreter per row.")
        print()
        print("| run | " + " | ".join(header) + " |")
        print("|---|" + "---:|" * len(header))
        for mode, values in rows.items():
            print(f"| {labels[mode]} | " + " | ".join(values[k] for k in keys) + " |")
    else:
        for mode, values in rows.items():
            print(mode, " ".join(f"{h}={values[k]}" for h, k in zip(header, keys)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
