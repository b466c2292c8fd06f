"""The README's first command, run in a fresh copy with a fresh virtual environment, serves the login page."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:bash|sh)?\n(.*?)```", text, re.S)
    assert block, "README must open with a code block holding the two commands"
    lines = [ln.strip() for ln in block.group(1).splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return lines


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readme_opens_with_two_commands():
    commands = readme_commands()
    assert len(commands) == 2
    assert "demo" in commands[0] and "test" in commands[1]


@pytest.mark.slow
def test_first_command_serves_login_page_from_a_fresh_copy(tmp_path):
    first = readme_commands()[0]
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    copy = tmp_path / "jingwu"
    for name in files:
        src = ROOT / name
        if src.is_file():
            dst = copy / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JINGWU_", "DJANGO_", "VIRTUAL_ENV"))}
    env["JINGWU_VENV"] = str(tmp_path / "venv")
    command = f"{first} --bind 127.0.0.1:{port}"
    log = (tmp_path / "demo.log").open("w")
    proc = subprocess.Popen(
        ["bash", "-c", command], cwd=copy, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 600
        body = ""
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
                    body = response.read().decode("utf-8")
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(2)
        assert "警务工作平台" in body, (tmp_path / "demo.log").read_text()[-3000:]
        output = (tmp_path / "demo.log").read_text()
        assert "leader" in output and "Jingwu@2026" in output  # the demo logins are printed
        assert (copy / "var" / "jingwu.sqlite3").exists()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
