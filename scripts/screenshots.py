#!/usr/bin/python3
# screenshots.py: takes the README's pictures of the window and its views
#
# Copyright 2026 The kdhost authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Run by scripts/screenshots inside a private X server and session bus.
# Starts kdhost on the simulated target, stops it at a breakpoint as a
# user would (keys through xdotool), opens the views (their keys, View >
# Modules through the accessibility tree) and saves the whole window and
# each view as PNG files, cut from the X server's screen with GDK.
import os
import subprocess
import sys
import time

import gi
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk  # noqa: E402
import pyatspi  # noqa: E402

build, out = sys.argv[1], sys.argv[2]
SESSION = "/org/kdhost/Kdhost/session/1"


def state():
    r = subprocess.run(["gdbus", "call", "--session", "--dest", "org.kdhost.Kdhost",
                        "--object-path", SESSION, "--method", "org.kdhost.Window1.GetState"],
                       capture_output=True, text=True)
    return r.stdout.split("'")[1] if r.returncode == 0 and "'" in r.stdout else ""


def wait(what, done, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if done():
            return
        time.sleep(0.2)
    sys.exit("screenshots: timed out waiting for " + what)


def key(*keys):
    subprocess.run(["xdotool", "key", "--clearmodifiers", "--delay", "60"] + list(keys), check=True)


def command(line):
    key("alt+1")
    subprocess.run(["xdotool", "type", "--delay", "20", line], check=True)
    key("Return")


def find(obj, role, name, depth=0):
    if obj is None or depth > 30:
        return None
    try:
        if obj.getRole() == role and obj.name == name:
            return obj
        for i in range(obj.childCount):
            hit = find(obj.getChildAtIndex(i), role, name, depth + 1)
            if hit is not None:
                return hit
    except Exception:
        return None
    return None


def app():
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        a = desktop.getChildAtIndex(i)
        if a is not None and a.name == "kdhost":
            return a
    return None


def click_menu(*path):
    for name in path:
        role = pyatspi.ROLE_MENU if name != path[-1] else pyatspi.ROLE_MENU_ITEM
        item = find(app(), role, name)
        if item is None:
            sys.exit("screenshots: no menu item " + name)
        item.queryAction().doAction(0)
        time.sleep(0.3)


def settle():
    # Let the views answer their queries and draw.
    time.sleep(1.5)


def save(name, x, y, width, height):
    root = Gdk.get_default_root_window()
    pixbuf = Gdk.pixbuf_get_from_window(root, x, y, width, height)
    path = os.path.join(out, name)
    pixbuf.savev(path, "png", [], [])
    print("wrote", path)


def window_geometry(wid):
    r = subprocess.run(["xdotool", "getwindowgeometry", "--shell", wid],
                       capture_output=True, text=True, check=True)
    g = dict(line.split("=", 1) for line in r.stdout.split())
    return int(g["X"]), int(g["Y"]), int(g["WIDTH"]), int(g["HEIGHT"])


def save_views(name):
    views = find(app(), pyatspi.ROLE_PAGE_TAB_LIST, "Views")
    if views is None:
        sys.exit("screenshots: the views are not open")
    e = views.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    save(name, e.x, e.y, e.width, e.height)


env = dict(os.environ)
env.pop("NO_AT_BRIDGE", None)
env.update(GTK_A11Y="atk", GSETTINGS_BACKEND="memory",
           GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"),
           _NT_SYMBOL_PATH=os.path.join(build, "src", "sim", "guest"))
kdhost = subprocess.Popen([os.path.join(build, "src", "app", "kdhost"), "-k", "sim:"], env=env)
try:
    wait("the initial break", lambda: state() == "break")
    wid = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--pid", str(kdhost.pid)],
                         capture_output=True, text=True, check=True).stdout.split()[0]
    subprocess.run(["xdotool", "windowsize", "--sync", wid, "1280", "800"], check=True)
    subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=True)
    command("bp kdhtest!KdhTestTick")
    command("g")
    # The breakpoint is hit within a tick of the simulated machine.
    time.sleep(2)
    wait("the breakpoint", lambda: state() == "break")
    command(".reload /f kdhtest")
    command("k")
    click_menu("View", "Modules")
    settle()
    save_views("view-modules.png")
    key("alt+F9")
    settle()
    save_views("view-breakpoints.png")
    key("alt+4")
    settle()
    save_views("view-registers.png")
    key("alt+6")
    settle()
    save_views("view-stack.png")
    key("alt+7")
    settle()
    save_views("view-disassembly.png")
    save("window-at-breakpoint.png", *window_geometry(wid))
finally:
    kdhost.terminate()
    kdhost.wait()
