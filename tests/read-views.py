#!/usr/bin/python3
# read-views.py: prints the tables of kdhost's views as an assistive
# technology sees them (AT-SPI), for test-app-views.
#
# Copyright 2026 The kdhost authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# For each table whose accessible name is given on the command line:
# "TABLE name", then one line per row with the cells' accessible names
# joined by tabs. Exit 3 when pyatspi is missing (the test skips).
#
# "NAME@PREFIX:N" reads only N rows of a long table (the Memory view's),
# from the first whose first cell starts with PREFIX; "NAME@selected:N"
# the N rows that end at the selected one. Only those rows' cells are
# asked for: AT-SPI answers one cell per call.
import sys

try:
    import pyatspi
except ImportError:
    sys.exit(3)

specs = {}
for arg in sys.argv[1:]:
    name, _, part = arg.partition("@")
    specs[name] = arg
wanted = set(specs)
found = {}


def read_row(table, r):
    cells = []
    for c in range(table.nColumns):
        cell = table.getAccessibleAt(r, c)
        cells.append(cell.name if cell is not None else "")
    return "\t".join(cells)


def chosen_rows(table, spec):
    """The row numbers a NAME@... argument asks for."""
    if "@" not in spec:
        return range(table.nRows)
    where, _, count = spec.partition("@")[2].rpartition(":")
    count = int(count)
    if where == "selected":
        selected = table.getSelectedRows()
        if not selected:
            return []
        last = selected[0]
        return range(max(0, last - count + 1), last + 1)
    for r in range(table.nRows):
        cell = table.getAccessibleAt(r, 0)
        if cell is not None and cell.name.startswith(where):
            return range(r, min(table.nRows, r + count))
    return []


def walk(obj, depth):
    if obj is None or depth > 30:
        return
    try:
        role = obj.getRole()
        name = obj.name
    except Exception:
        return
    if role in (pyatspi.ROLE_TABLE, pyatspi.ROLE_TREE_TABLE) and name in wanted:
        table = obj.queryTable()
        found[name] = [read_row(table, r) for r in chosen_rows(table, specs[name])]
        return
    for i in range(obj.childCount):
        walk(obj.getChildAtIndex(i), depth + 1)


desktop = pyatspi.Registry.getDesktop(0)
for i in range(desktop.childCount):
    app = desktop.getChildAtIndex(i)
    if app is not None and app.name == "kdhost":
        walk(app, 0)
for name in specs:
    if name in found:
        print("TABLE " + name)
        for row in found[name]:
            print(row)
