#!/usr/bin/env python3
"""The layout of src/ (docs/architecture.md): every folder is a library whose
includes point down only, no folder includes another's private header, and
no source file grows past the size a reader can hold in mind.

Run as: check-layout.py SOURCE_DIR. Exit status 1 lists every violation."""

import os
import re
import sys

# What each part may include, besides itself. The in-process simulator
# transport (src/sim/kdh-sim-transport.*) is a part of its own: it joins
# the simulator to the transport library.
ALLOWED = {
    "common": set(),
    "kd": {"common"},
    "dump": {"common"},
    "transport": {"kd", "common"},
    "symbols": {"common"},
    "sim": {"kd", "common"},
    # The simulated machine's Windows images: freestanding C for another
    # target, built by clang and lld-link, including nothing of kdhost's.
    "sim/guest": set(),
    "sim-transport": {"sim", "transport", "kd", "common"},
    "target": {"symbols", "transport", "dump", "kd", "common"},
    "commands": {"target", "symbols", "transport", "dump", "kd", "common"},
    "remote": {"common"},
    "remote/client": {"remote", "target", "symbols", "transport", "dump", "kd", "common"},
    "engine": {"commands", "remote/client", "remote", "target", "symbols", "transport", "dump",
               "kd", "common"},
    "remote/server": {"engine", "commands", "remote", "target", "symbols", "dump", "common"},
    "cli": {"engine", "remote/server", "sim-transport", "commands", "target", "transport",
            "dump", "common"},
    "app": {"engine", "remote/server", "sim-transport", "sim", "remote", "transport", "target",
            "commands", "dump", "kd", "common"},
}
MAX_LINES = 800
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def part_of(relpath):
    """The part a file under src/ belongs to, e.g. 'remote/server'."""
    folder = os.path.dirname(relpath)
    if folder == "sim" and os.path.basename(relpath).startswith("kdh-sim-transport."):
        return "sim-transport"
    return folder


def resolve(src, relpath, name):
    """The file under src/ that an include names: first beside the
    includer (as the compiler looks), then from src/."""
    beside = os.path.normpath(os.path.join(os.path.dirname(relpath), name))
    if os.path.exists(os.path.join(src, beside)):
        return beside
    if os.path.exists(os.path.join(src, name)):
        return os.path.normpath(name)
    return None


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    src = os.path.join(root, "src")
    problems = []
    edges = {}
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), src)
            part = part_of(rel)
            if part not in ALLOWED:
                problems.append(f"src/{rel}: folder '{part}' is not in the layout")
                continue
            with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                lines = fh.readlines()
            if len(lines) > MAX_LINES:
                problems.append(f"src/{rel}: {len(lines)} lines (at most {MAX_LINES})")
            for n, line in enumerate(lines, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = resolve(src, rel, m.group(1))
                if target is None:
                    continue  # generated (resources) or a system header in quotes
                other = part_of(target)
                if other == part:
                    continue
                edges.setdefault(part, set()).add(other)
                if other not in ALLOWED[part]:
                    problems.append(f"src/{rel}:{n}: {part} must not include {other} "
                                    f"(\"{m.group(1)}\")")
                if target.endswith("-private.h"):
                    problems.append(f"src/{rel}:{n}: includes another folder's private "
                                    f"header \"{m.group(1)}\"")
    # The allowed graph itself has no cycle, so neither has what is used;
    # check what is used anyway, so a widened ALLOWED cannot hide one.
    def visit(node, path):
        for nxt in edges.get(node, ()):
            if nxt in path:
                problems.append("include cycle: " + " -> ".join(path + [nxt]))
            else:
                visit(nxt, path + [nxt])
    for part in edges:
        visit(part, [part])
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
