"""Partial indexes for the click worker's two scans of a busy day (issue 16).

- The daily caps sum what an employee's clicks *earned* today (`caps.py`, `points > 0`):
  past the cap every unique click still writes a 0-point entry, so by the evening the
  day holds tens of thousands of rows that earned nothing; the index holds only those
  that earned, a few per employee and day.
- The catch-up of lost click points reads unique clicks by id (`catch_up.py`): most
  clicks are repeats, bots or rate limited.

Partial indexes (`WHERE ...`) are the same SQL on PostgreSQL and SQLite.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("portevoix", "0009_click_rollup")]

    initial = False

    operations = [
        ops.RunSQL(
            "CREATE INDEX points_entry_earned_idx "
            "ON points_entry (employee_id, reason, occurred_at) WHERE points > 0",
            reverse_sql="DROP INDEX IF EXISTS points_entry_earned_idx",
        ),
        ops.RunSQL(
            "CREATE INDEX click_unique_idx ON click (id) WHERE classification = 'unique'",
            reverse_sql="DROP INDEX IF EXISTS click_unique_idx",
        ),
    ]
