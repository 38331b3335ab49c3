from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('portevoix', '0007_employee_language_chosen')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Broadcast',
            name='targeting',
            field=fields.JSONField(null=True),
        ),
    ]
