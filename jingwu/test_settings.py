"""Settings for the test suite: development mode on, everything else as in production settings.

The database comes from JINGWU_DATABASE_URL like everywhere else (SQLite when unset), so the same
suite runs on SQLite and on PostgreSQL.
"""

import os

os.environ.setdefault("JINGWU_DEV", "1")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; Argon2 has its own test

# A test-only app with a tiny stateful model for the workflow mechanism's tests.
INSTALLED_APPS = [*INSTALLED_APPS, "jingwu.testing.workflowapp"]  # noqa: F405

# Uploaded attachments of the test suite (and of the fuzzers) never land in the real var/media.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="jingwu-test-media-"))  # noqa: F405
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
