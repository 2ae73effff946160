#!/usr/bin/python3
"""The floor under the app's memory: a WebKitGTK window as the app makes it, showing one line.

The same WebKitGTK (4.1, through Debian's python3-gi), the same process environment and WebKit
settings as the app (read from src-tauri/src/webview.rs, the one place that states them; CI runs
`--list`, which stops when it cannot read them all), the window of tauri.conf.json, and a page
with one line of text and nothing else. `BLANK=1 scripts/measure-app.sh` measures it the way it measures the app, so the
difference is what Hearth's own code and UI cost (docs/PERFORMANCE.md). `--list` prints what it
would apply and opens nothing.
"""

import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEBVIEW_RS = os.path.join(ROOT, "src-tauri", "src", "webview.rs")
CONFIG = os.path.join(ROOT, "tauri.conf.json")
PAGE = "<html><body style='font: 16px sans-serif'><p>WebKitGTK, nothing else</p></body></html>"


def app_environment(source):
    """The `("NAME", "value")` pairs of webview.rs's environment constants; as many as the
    constants' types say they hold, or it stops."""
    pairs = re.findall(r'\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*,\s*"([^"]*)"\s*\)', source)
    declared = sum(int(n) for n in re.findall(r"\[\(&str, &str\);\s*(\d+)\]", source))
    if len(pairs) != declared:
        sys.exit(f"webkit-floor: read {len(pairs)} environment pairs in {WEBVIEW_RS}, its constants hold {declared}")
    return pairs


def tune_body(source):
    """The text of webview.rs's `tune`, where the WebKit settings are applied."""
    match = re.search(r"\npub fn tune\b(.*?)\n}\n", source, re.S)
    if not match:
        sys.exit(f"webkit-floor: no `pub fn tune` in {WEBVIEW_RS}")
    return match.group(1)


def app_calls(body, receiver):
    """The `receiver.set_x(value)` calls of `tune`, values as Python wants them."""
    calls = []
    for name, value in re.findall(r"\b" + receiver + r"\.(set_\w+)\(([\w:]+)\)", body):
        if value in ("true", "false"):
            calls.append((name, value == "true"))
        elif "::" in value:
            enum, variant = value.split("::")[-2:]
            # DocumentViewer -> DOCUMENT_VIEWER, as the GObject bindings spell enum values.
            calls.append((name, (enum, re.sub(r"(?<!^)(?=[A-Z])", "_", variant).upper())))
        else:
            sys.exit(f"webkit-floor: cannot read {receiver}.{name}({value}) in {WEBVIEW_RS}")
    return calls


def main():
    if sys.argv[1:] not in ([], ["--list"]):
        sys.exit("usage: scripts/webkit-floor.py [--list]")
    source = open(WEBVIEW_RS, encoding="utf-8").read()
    environment = app_environment(source)
    body = tune_body(source)
    settings_calls = app_calls(body, "settings")
    context_calls = app_calls(body, "context")
    if not environment or not settings_calls or not context_calls:
        sys.exit(f"webkit-floor: found no environment or settings in {WEBVIEW_RS}")
    # Every setter `tune` calls must be one of those repeated here (a new receiver, or a value
    # this script cannot read, would otherwise be left out without a word).
    setters = len(re.findall(r"\.set_\w+\(", body))
    if setters != len(settings_calls) + len(context_calls):
        sys.exit(f"webkit-floor: `tune` in {WEBVIEW_RS} makes {setters} set_… calls, this script repeats "
                 f"{len(settings_calls) + len(context_calls)}")
    if sys.argv[1:] == ["--list"]:
        # What would be applied, without opening a window (CI checks that webview.rs still reads).
        for name, value in environment:
            print(f"env {name}={value}")
        for receiver, calls in (("context", context_calls), ("settings", settings_calls)):
            for name, value in calls:
                print(f"{receiver}.{name}({'.'.join(value) if isinstance(value, tuple) else value})")
        return
    # As prepare_process does: before GTK starts, and only where the caller set nothing.
    for name, value in environment:
        os.environ.setdefault(name, value)

    import gi

    gi.require_version("Gtk", "3.0")
    gi.require_version("WebKit2", "4.1")
    from gi.repository import Gtk, WebKit2

    def apply(target, calls):
        for name, value in calls:
            if isinstance(value, tuple):
                value = getattr(getattr(WebKit2, value[0]), value[1])
            getattr(target, name)(value)

    context = WebKit2.WebContext.get_default()
    apply(context, context_calls)
    view = WebKit2.WebView.new_with_context(context)
    apply(view.get_settings(), settings_calls)
    size = json.load(open(CONFIG, encoding="utf-8"))["app"]["windows"][0]
    window = Gtk.Window(title="WebKitGTK floor")
    window.set_default_size(size["width"], size["height"])
    window.add(view)
    window.connect("destroy", Gtk.main_quit)
    view.load_html(PAGE, "about:blank")
    window.show_all()
    Gtk.main()


if __name__ == "__main__":
    main()
