"""An index on (received_at, id) for the work-order list, which is ordered by ``-received_at, -id``
and filtered by the received period (bench/workorders_http.py: 200,000 orders, a brigade leader:
780 ms of SQL per page without it, 224 ms with it on the benchmark machine)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("workorders", "0003_open311_keys")]

    operations = [
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(fields=["received_at", "id"], name="wo_received_at_id"),
        )
    ]
