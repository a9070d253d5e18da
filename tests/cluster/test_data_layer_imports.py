"""The data layer has no Textual imports: the table model, its feed and the stores load without the UI."""

from __future__ import annotations

import subprocess
import sys

DATA_MODULES = ["k8stui.cluster.table_model", "k8stui.cluster.table_feed", "k8stui.cluster.store",
                "k8stui.cluster.rows"]


def test_the_table_model_and_feed_load_without_textual():
    code = ("import importlib, sys\n"
            f"for name in {DATA_MODULES!r}: importlib.import_module(name)\n"
            "leaked = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
            "print(','.join(leaked))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "", f"the data layer imported {out.stdout.strip()}"
