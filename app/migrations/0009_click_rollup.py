from tortoise import migrations
from tortoise.migrations import operations as ops
from app.referrals.models import Channel, ContentType, Grain
from tortoise import fields
from tortoise.indexes import Index

# The raw drill-down queries (issue 16): on PostgreSQL covering indexes that let the
# channel-per-day and per-content counts run from the index alone; SQLite has no
# INCLUDE, so the same columns go in the key.
COVERING_INDEXES = {
    "click_day_channel_cover": ("day, channel", "classification"),
    "click_content_cover": ("content_type, content_id", "classification, day"),
}


async def add_covering_indexes(apps, schema_editor):
    client = schema_editor.client
    for name, (key, included) in COVERING_INDEXES.items():
        if client.capabilities.dialect == "postgres":
            sql = f"CREATE INDEX IF NOT EXISTS {name} ON click ({key}) INCLUDE ({included})"
        else:
            sql = f"CREATE INDEX IF NOT EXISTS {name} ON click ({key}, {included})"
        await client.execute_script(sql)


async def drop_covering_indexes(apps, schema_editor):
    for name in COVERING_INDEXES:
        await schema_editor.client.execute_script(f"DROP INDEX IF EXISTS {name}")


# The clicks already stored, counted into the new roll-ups, so that an upgraded
# installation does not show zero clicks. Frozen here (a migration must not follow later
# changes of app/referrals/rollup.py). Clicks that a worker of the previous version
# stores while this runs are not counted: run `portevoix rebuild-analytics` once the
# new workers have replaced the old ones.
ROLLUP_DIMENSIONS = {
    "click_by_channel": "channel, content_type",
    "click_by_department": "department, channel, content_type",
    "click_by_content": "content_type, content_id, channel",
    "click_by_employee": "employee_id, department, content_type",
}
UNIQUE = "SUM(CASE WHEN classification = 'unique' THEN 1 ELSE 0 END)"


async def count_stored_clicks(apps, schema_editor):
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        month = "CAST(date_trunc('month', CAST(day AS timestamp)) AS date)"
    else:
        month = "date(day, 'start of month')"
    for table, dims in ROLLUP_DIMENSIONS.items():
        for grain, day in (("d", "day"), ("m", month)):
            await client.execute_script(
                f"INSERT INTO {table} (grain, day, {dims}, raw_clicks, unique_clicks) "
                f"SELECT '{grain}', {day}, {dims}, COUNT(*), {UNIQUE} FROM click "
                f"GROUP BY {day}, {dims}"
            )


class Migration(migrations.Migration):
    dependencies = [("portevoix", "0008_broadcast_targeting")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ClickByChannel",
            fields=[
                (
                    "grain",
                    fields.CharEnumField(
                        description="DAY: d\nMONTH: m", enum_type=Grain, max_length=1
                    ),
                ),
                ("day", fields.DateField()),
                ("raw_clicks", fields.IntField()),
                ("unique_clicks", fields.IntField()),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "channel",
                    fields.CharEnumField(
                        description="LINKEDIN: linkedin\nX: x\nFACEBOOK: facebook\nWHATSAPP: whatsapp\nTELEGRAM: telegram\nTEAMS: teams\nEMAIL: email\nCOPY: copy",
                        enum_type=Channel,
                        max_length=16,
                    ),
                ),
                (
                    "content_type",
                    fields.CharEnumField(
                        description="JOB: job\nNEWS: news", enum_type=ContentType, max_length=8
                    ),
                ),
            ],
            options={
                "table": "click_by_channel",
                "app": "portevoix",
                "unique_together": (("grain", "day", "channel", "content_type"),),
                "pk_attr": "id",
                "table_description": "The overview: reach, unique clicks and their lines per channel, job clicks.",
            },
            bases=["ClickRollup"],
        ),
        ops.CreateModel(
            name="ClickByContent",
            fields=[
                (
                    "grain",
                    fields.CharEnumField(
                        description="DAY: d\nMONTH: m", enum_type=Grain, max_length=1
                    ),
                ),
                ("day", fields.DateField()),
                ("raw_clicks", fields.IntField()),
                ("unique_clicks", fields.IntField()),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "content_type",
                    fields.CharEnumField(
                        description="JOB: job\nNEWS: news", enum_type=ContentType, max_length=8
                    ),
                ),
                ("content_id", fields.IntField()),
                (
                    "channel",
                    fields.CharEnumField(
                        description="LINKEDIN: linkedin\nX: x\nFACEBOOK: facebook\nWHATSAPP: whatsapp\nTELEGRAM: telegram\nTEAMS: teams\nEMAIL: email\nCOPY: copy",
                        enum_type=Channel,
                        max_length=16,
                    ),
                ),
            ],
            options={
                "table": "click_by_content",
                "app": "portevoix",
                "unique_together": (("grain", "day", "content_type", "content_id", "channel"),),
                "indexes": [Index(fields=["content_id", "grain", "day"])],
                "pk_attr": "id",
                "table_description": "Top content, the funnel per job, a content's clicks per channel.",
            },
            bases=["ClickRollup"],
        ),
        ops.CreateModel(
            name="ClickByDepartment",
            fields=[
                (
                    "grain",
                    fields.CharEnumField(
                        description="DAY: d\nMONTH: m", enum_type=Grain, max_length=1
                    ),
                ),
                ("day", fields.DateField()),
                ("raw_clicks", fields.IntField()),
                ("unique_clicks", fields.IntField()),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("department", fields.CharField(max_length=100)),
                (
                    "channel",
                    fields.CharEnumField(
                        description="LINKEDIN: linkedin\nX: x\nFACEBOOK: facebook\nWHATSAPP: whatsapp\nTELEGRAM: telegram\nTEAMS: teams\nEMAIL: email\nCOPY: copy",
                        enum_type=Channel,
                        max_length=16,
                    ),
                ),
                (
                    "content_type",
                    fields.CharEnumField(
                        description="JOB: job\nNEWS: news", enum_type=ContentType, max_length=8
                    ),
                ),
            ],
            options={
                "table": "click_by_department",
                "app": "portevoix",
                "unique_together": (("grain", "day", "department", "channel", "content_type"),),
                "pk_attr": "id",
                "table_description": "Clicks per department (and channel): the funnel's and the API's departments.",
            },
            bases=["ClickRollup"],
        ),
        ops.CreateModel(
            name="ClickByEmployee",
            fields=[
                (
                    "grain",
                    fields.CharEnumField(
                        description="DAY: d\nMONTH: m", enum_type=Grain, max_length=1
                    ),
                ),
                ("day", fields.DateField()),
                ("raw_clicks", fields.IntField()),
                ("unique_clicks", fields.IntField()),
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("employee_id", fields.IntField()),
                ("department", fields.CharField(max_length=100)),
                (
                    "content_type",
                    fields.CharEnumField(
                        description="JOB: job\nNEWS: news", enum_type=ContentType, max_length=8
                    ),
                ),
            ],
            options={
                "table": "click_by_employee",
                "app": "portevoix",
                "unique_together": (("grain", "day", "employee_id", "department", "content_type"),),
                "indexes": [Index(fields=["employee_id", "grain", "day"])],
                "pk_attr": "id",
                "table_description": "Top advocates, the funnel per employee, a person's clicks per day.",
            },
            bases=["ClickRollup"],
        ),
        ops.RunPython(add_covering_indexes, drop_covering_indexes),
        ops.RunPython(count_stored_clicks, ops.RunPython.noop),
    ]
