"""The browser client's unit tests (``web_client/test/*.test.js``) run under ``make test``.

They test the client's pure helpers (FEN and position parsing, grids, clock formatting,
result text, move-list pairing, the store, the reconnect backoff, the protocol
constants) with Node's own test runner, ``node --test``: no browser, no bundle, no npm
package needed. This test runs them in a subprocess and fails when any fails or when
none ran (a runner that silently finds no files must not pass).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "web_client"


def test_node_unit_tests_pass():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the web client's unit tests need Node 20+")
    result = subprocess.run(
        [node, "--test", "test/"],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    passed = re.search(r"^# pass (\d+)$", output, re.MULTILINE)
    assert passed and int(passed[1]) > 0, output
    assert re.search(r"^# fail 0$", output, re.MULTILINE), output
