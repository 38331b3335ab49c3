from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('portevoix', '0006_delivery_sent_today_index')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Employee',
            name='language_chosen',
            field=fields.BooleanField(default=True),
        ),
    ]
