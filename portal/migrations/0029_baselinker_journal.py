"""A store connection remembers BaseLinker's event journal: the last entry read
(``journal_log_id``), whether the account's journal answers (``journal``) and when it was
last read (``journal_read_at``). Three nullable columns; nothing else changes."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0028_statement_update_marks')]

    initial = False

    operations = [
        ops.AddField(
            model_name='PlatformConnection',
            name='journal',
            field=fields.CharField(null=True, max_length=8),
        ),
        ops.AddField(
            model_name='PlatformConnection',
            name='journal_log_id',
            field=fields.BigIntField(null=True, description="BaseLinker's event journal (``getJournalList``): the last entry read, whether the"),
        ),
        ops.AddField(
            model_name='PlatformConnection',
            name='journal_read_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
