"""Seed the incident category tree and the 案由 code table subset (see jingwu/cases/seed.py)."""

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from jingwu.cases.seed import apply

    apply(apps)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
