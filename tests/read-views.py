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
import sys

try:
    import pyatspi
except ImportError:
    sys.exit(3)

wanted = set(sys.argv[1:])
found = {}


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
        rows = []
        for r in range(table.nRows):
            cells = []
            for c in range(table.nColumns):
                cell = table.getAccessibleAt(r, c)
                cells.append(cell.name if cell is not None else "")
            rows.append("\t".join(cells))
        found[name] = rows
        return
    for i in range(obj.childCount):
        walk(obj.getChildAtIndex(i), depth + 1)


desktop = pyatspi.Registry.getDesktop(0)
for i in range(desktop.childCount):
    app = desktop.getChildAtIndex(i)
    if app is not None and app.name == "kdhost":
        walk(app, 0)
for name in sys.argv[1:]:
    if name in found:
        print("TABLE " + name)
        for row in found[name]:
            print(row)
