#!/usr/bin/python3
# read-views.py: prints the tables of kdhost's views as an assistive
# technology sees them (AT-SPI), for test-app-views.
#
# Copyright 2026 The kdhost authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# For each table whose accessible name is given on the command line:
# "TABLE name", then one line per row with the cells' accessible names
# joined by tabs. Other arguments:
#   toolbar:NAME    "TOOLBAR NAME", then "button\tenabled" (or disabled)
#                   for each of the tool bar's buttons
#   click:NAME      presses the button (or menu item) NAME, as a screen
#                   reader's user would; "CLICKED NAME"
#   pane:NAME       "PANE NAME value width height": a split pane's divider
#                   position and the pane's size
#   pane:NAME=N     moves that divider to N first
#   enter:NAME=TEXT puts TEXT in the entry NAME and activates it (Enter);
#                   "ENTERED NAME"
#   notebook:NAME   "NOTEBOOK NAME shown" (or hidden), then one line per
#                   tab: its name ("*" before it when it is the current
#                   one), a tab, and the names of the tables in its page
#   where:NAME      "WHERE NAME x y width height": where the notebook NAME
#                   is on the screen, then "tab x y width height" a tab
#   cell:TABLE@TEXT:N  "CELL TABLE x y width height": where column N of
#                   the first row holding TEXT is on the screen
#   NAME@PREFIX:N   reads only N rows of a long table (the Memory view's),
#                   from the first whose first cell starts with PREFIX;
#   NAME@selected:N the N rows that end at the selected one. Only those
#                   rows' cells are asked for: AT-SPI answers one cell per
#                   call.
# Exit 3 when pyatspi is missing (the test skips).
import sys

try:
    import pyatspi
except ImportError:
    sys.exit(3)

ACTIONS = ("toolbar:", "click:", "pane:", "enter:", "cell:", "notebook:", "where:")
specs = {}
for arg in sys.argv[1:]:
    if not arg.startswith(ACTIONS):
        specs[arg.partition("@")[0]] = arg
wanted = set(specs)
toolbars = set(a[len("toolbar:"):] for a in sys.argv[1:] if a.startswith("toolbar:"))
clicks = set(a[len("click:"):] for a in sys.argv[1:] if a.startswith("click:"))
panes = {}
for a in sys.argv[1:]:
    if a.startswith("pane:"):
        name, _, value = a[len("pane:"):].partition("=")
        panes[name] = value
entries = {}
for a in sys.argv[1:]:
    if a.startswith("enter:"):
        name, _, text = a[len("enter:"):].partition("=")
        entries[name] = text
cells = {}
for a in sys.argv[1:]:
    if a.startswith("cell:"):
        name, _, rest = a[len("cell:"):].partition("@")
        needle, _, column = rest.rpartition(":")
        cells[name] = (needle, int(column))
notebooks = set(a[len("notebook:"):] for a in sys.argv[1:] if a.startswith("notebook:"))
wheres = set(a[len("where:"):] for a in sys.argv[1:] if a.startswith("where:"))
found = {}
done = []


def extents(obj):
    box = obj.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    return "%d %d %d %d" % (box.x, box.y, box.width, box.height)


def read_where(obj, name):
    done.append("WHERE %s %s" % (name, extents(obj)))
    for i in range(obj.childCount):
        tab = obj.getChildAtIndex(i)
        if tab is not None and tab.getRole() == pyatspi.ROLE_PAGE_TAB:
            done.append("%s %s" % (tab.name, extents(tab)))


def tables_in(obj, depth, out):
    if obj is None or depth > 30:
        return
    try:
        role = obj.getRole()
    except Exception:
        return
    if role in (pyatspi.ROLE_TABLE, pyatspi.ROLE_TREE_TABLE) and obj.name:
        out.append(obj.name)
        return
    for i in range(obj.childCount):
        tables_in(obj.getChildAtIndex(i), depth + 1, out)


def read_notebook(obj, name):
    shown = obj.getState().contains(pyatspi.STATE_SHOWING)
    done.append("NOTEBOOK %s %s" % (name, "shown" if shown else "hidden"))
    for i in range(obj.childCount):
        tab = obj.getChildAtIndex(i)
        if tab is None or tab.getRole() != pyatspi.ROLE_PAGE_TAB:
            continue
        out = []
        tables_in(tab, 0, out)
        mark = "*" if tab.getState().contains(pyatspi.STATE_SELECTED) else ""
        done.append(mark + tab.name + "\t" + ",".join(out))


def find_cell(table, name):
    """The screen extents of a column's cell in the first row holding a text."""
    needle, column = cells[name]
    for r in range(table.nRows):
        if needle in read_row(table, r):
            cell = table.getAccessibleAt(r, column)
            box = cell.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
            done.append("CELL %s %d %d %d %d" % (name, box.x, box.y, box.width, box.height))
            return


def buttons(obj, depth, out):
    if obj is None or depth > 10:
        return
    try:
        role = obj.getRole()
    except Exception:
        return
    if role in (pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON):
        enabled = obj.getState().contains(pyatspi.STATE_SENSITIVE)
        out.append(obj.name + "\t" + ("enabled" if enabled else "disabled"))
        return
    for i in range(obj.childCount):
        buttons(obj.getChildAtIndex(i), depth + 1, out)


def other(obj, role, name):
    """Handles obj when an argument but a table's names it; True then."""
    if role == pyatspi.ROLE_TOOL_BAR and name in toolbars:
        out = []
        buttons(obj, 0, out)
        done.append("TOOLBAR " + name)
        done.extend(out)
        return True
    if role in (pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_MENU_ITEM, pyatspi.ROLE_MENU) \
            and name in clicks:
        obj.queryAction().doAction(0)
        clicks.discard(name)
        done.append("CLICKED " + name)
        return True
    if role in (pyatspi.ROLE_ENTRY, pyatspi.ROLE_TEXT) and name in entries:
        obj.queryEditableText().setTextContents(entries.pop(name))
        action = obj.queryAction()
        for i in range(action.nActions):
            if action.getName(i) == "activate":
                action.doAction(i)
        done.append("ENTERED " + name)
        return True
    if role == pyatspi.ROLE_PAGE_TAB_LIST and name in wheres:
        read_where(obj, name)
        wheres.discard(name)
    if role == pyatspi.ROLE_PAGE_TAB_LIST and name in notebooks:
        read_notebook(obj, name)
        notebooks.discard(name)
        return False
    if role == pyatspi.ROLE_SPLIT_PANE and name in panes:
        value = obj.queryValue()
        if panes[name]:
            value.currentValue = float(panes[name])
        size = obj.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
        done.append("PANE %s %d %d %d" % (name, int(value.currentValue), size.width, size.height))
        del panes[name]
    return False


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
    if role in (pyatspi.ROLE_TABLE, pyatspi.ROLE_TREE_TABLE) and (name in wanted or name in cells):
        table = obj.queryTable()
        if name in wanted:
            found[name] = [read_row(table, r) for r in chosen_rows(table, specs[name])]
        if name in cells:
            find_cell(table, name)
        return
    if other(obj, role, name):
        return
    for i in range(obj.childCount):
        walk(obj.getChildAtIndex(i), depth + 1)


desktop = pyatspi.Registry.getDesktop(0)
for i in range(desktop.childCount):
    app = desktop.getChildAtIndex(i)
    if app is not None and app.name == "kdhost":
        walk(app, 0)
for line in done:
    print(line)
for name in specs:
    if name in found:
        print("TABLE " + name)
        for row in found[name]:
            print(row)
