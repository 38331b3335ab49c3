from tortoise import migrations
from tortoise.migrations import operations as ops
from app.people.models import ReportKind
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('portevoix', '0003_referrals')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Report',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='REPORT: report\nACCESS_REQUEST: access_request', enum_type=ReportKind, max_length=16)),
                ('employee_id', fields.IntField(null=True)),
                ('platform', fields.CharField(default='', max_length=16)),
                ('platform_user_id', fields.CharField(default='', max_length=200)),
                ('name', fields.CharField(default='', max_length=200)),
                ('text', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('handled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'report', 'app': 'portevoix', 'indexes': [Index(fields=['handled_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Employee',
            name='notifications_enabled',
            field=fields.BooleanField(default=True),
        ),
    ]
