"""`jingwu serve` collects static files with the manifest storage in production: that must succeed.

A vendored file that points at a missing source map, or a stylesheet referencing a font that is not
there, makes collectstatic fail and the production server never starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_collectstatic_with_manifest_storage_succeeds(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JINGWU_", "DJANGO_"))}
    env.update(
        JINGWU_SECRET_KEY="test-" + "k" * 60,
        JINGWU_FIELD_KEY="00112233445566778899aabbccddeeff",
        JINGWU_INDEX_KEY="ffeeddccbbaa99887766554433221100",
        JINGWU_ALLOWED_HOSTS="jingwu.example.org",
        JINGWU_STATIC_ROOT=str(tmp_path / "static"),
        JINGWU_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "jingwu", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = tmp_path / "static" / "staticfiles.json"
    assert manifest.exists()
    assert "vendor/bootstrap/bootstrap.min.css" in manifest.read_text()
