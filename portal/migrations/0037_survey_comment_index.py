"""The Satisfaction analytics' "What customers wrote" list: a partial index on the answers
with a comment, by merchant, time and id, so a page of the period's comments, newest
first, reads its twenty rows and no more, however few answers carry a comment and however
long ago the period is (benchmarks/README.md, issue 20 item 10).

Its condition is ``comment IS NOT NULL`` alone: answers store a blank comment as null
(``portal/surveys/answers.py``), and the query compares the comment with ``''`` through a
parameter, which a prepared statement's generic plan cannot match against an index
condition; ``IS NOT NULL`` it can. The same SQL works on SQLite and PostgreSQL."""

from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('models', '0036_reason_categories')]

    initial = False

    operations = [
        ops.RunSQL(
            [
                "CREATE INDEX survey_answer_comments ON survey_answer (merchant_id, answered_at, id) WHERE comment IS NOT NULL",
            ],
            reverse_sql=["DROP INDEX survey_answer_comments"],
        ),
    ]
