"""Analytics rollups count the shop's calendar days (``merchant.time_zone``) instead of UTC
days (portal/analytics/clock.py), so the rows counted on UTC days are cleared and counted
again once:

- every ``analytics_*_day`` table but ``analytics_message_day`` is emptied, and
  ``analytics_rollup_state.rolled_through`` is cleared. Until the job runs, every figure
  is read live (exact, only slower); the worker's next run counts every day again, as a
  first run does, or ``portal analytics rebuild`` does it at once.
- ``analytics_message_day`` keeps its rows: retention may have deleted the messages of
  its oldest days. The job recounts each merchant's messages from the day of its oldest
  stored message on; the days before keep the UTC days they were counted on.
- ``analytics_dirty`` is kept: the triggers still mark UTC days, and the job reads each
  one as the shop days it overlaps.

The triggers of 0022, 0024, 0025 and 0028 are unchanged. The same SQL works on SQLite and
PostgreSQL.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

CLEARED = (
    "analytics_delivered_day",
    "analytics_shipped_day",
    "analytics_problem_day",
    "analytics_item_day",
    "analytics_return_day",
    "analytics_answer_day",
)
RECOUNT = [
    *(f"DELETE FROM {table}" for table in CLEARED),
    "UPDATE analytics_rollup_state SET rolled_through = NULL",
]


class Migration(migrations.Migration):
    dependencies = [("models", "0038_return_number_index")]

    initial = False

    # Going back, the old code must count UTC days again from scratch just the same.
    operations = [ops.RunSQL(RECOUNT, reverse_sql=RECOUNT)]
