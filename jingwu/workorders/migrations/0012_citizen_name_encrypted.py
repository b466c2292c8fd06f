"""The citizen's name is encrypted at rest like the phone (issue 4: "citizen name and phone
(encrypted, masked)"): the column becomes text and every stored name is encrypted in place."""

from django.db import migrations

import jingwu.core.fields

BATCH = 5_000


def encrypt_names(apps, schema_editor):
    from jingwu.core import crypto

    connection = schema_editor.connection
    table = "workorders_workorder"
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, citizen_name FROM {table} WHERE id > %s AND citizen_name <> '' "  # noqa: S608
                "AND citizen_name NOT LIKE 'sm4g1:%%' ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            cipher: dict[str, str] = {}  # one ciphertext per distinct name of a batch
            cursor.executemany(
                f"UPDATE {table} SET citizen_name = %s WHERE id = %s",  # noqa: S608
                [(cipher.setdefault(name, crypto.encrypt(name)), pk) for pk, name in rows],
            )
            last = rows[-1][0]


def decrypt_names(apps, schema_editor):
    from jingwu.core import crypto

    connection = schema_editor.connection
    table = "workorders_workorder"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, citizen_name FROM {table} WHERE citizen_name LIKE 'sm4g1:%%'")  # noqa: S608
        rows = cursor.fetchall()
        cursor.executemany(
            f"UPDATE {table} SET citizen_name = %s WHERE id = %s",  # noqa: S608
            [(crypto.decrypt(value)[:50], pk) for pk, value in rows],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0011_b_source_platform"),
    ]

    operations = [
        migrations.AlterField(
            model_name="workorder",
            name="citizen_name",
            field=jingwu.core.fields.EncryptedTextField(blank=True, verbose_name="诉求人"),
        ),
        migrations.RunPython(encrypt_names, decrypt_names, elidable=False),
    ]
