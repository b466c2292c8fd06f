"""Default categories with the limits of METRICS.md (configurable afterwards through category_save)."""

from django.db import migrations

# code, name, parent, urgency, is_complaint, sign-for (amount, unit), completion (amount, unit), order
DEFAULTS = [
    ("consult", "咨询", None, "normal", False, (2, "working_hours"), (3, "working_days"), 10),
    ("help", "求助", None, "normal", False, (2, "working_hours"), (3, "working_days"), 20),
    ("urgent_help", "紧急求助", "help", "urgent", False, (1, "natural_hours"), (1, "same_day"), 21),
    ("complaint", "投诉", None, "normal", True, (2, "working_hours"), (13, "working_days"), 30),
    ("report", "举报", None, "normal", True, (2, "working_hours"), (13, "working_days"), 40),
    ("suggestion", "建议", None, "normal", False, (2, "working_hours"), (3, "working_days"), 50),
]


def create(apps, schema_editor):
    Category = apps.get_model("workorders", "Category")
    made = {}
    for code, name, parent, urgency, complaint, sign, done, order in DEFAULTS:
        obj, _ = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": made.get(parent),
                "urgency": urgency,
                "is_complaint": complaint,
                "sign_for_amount": sign[0],
                "sign_for_unit": sign[1],
                "complete_amount": done[0],
                "complete_unit": done[1],
                "order": order,
            },
        )
        made[code] = obj


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
