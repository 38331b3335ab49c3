from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from app.broadcasts.models import BroadcastKind, BroadcastStatus, DeliveryStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('portevoix', '0004_bots')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Broadcast',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='JOB: job\nNEWS: news\nDIGEST: digest\nANNOUNCEMENT: announcement', enum_type=BroadcastKind, max_length=16)),
                ('content_id', fields.IntField(null=True)),
                ('text', fields.TextField(default='', unique=False)),
                ('employee_ids', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('send_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharEnumField(description='SCHEDULED: scheduled\nSENDING: sending\nDONE: done\nCANCELLED: cancelled', enum_type=BroadcastStatus, max_length=16)),
                ('created_by', fields.CharField(default='', max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('key', fields.CharField(null=True, unique=True, max_length=120)),
            ],
            options={'table': 'broadcast', 'app': 'portevoix', 'indexes': [Index(fields=['status', 'send_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Delivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('broadcast', fields.ForeignKeyField('portevoix.Broadcast', source_field='broadcast_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('employee_id', fields.IntField()),
                ('identity_id', fields.IntField(null=True)),
                ('platform', fields.CharField(default='', max_length=16)),
                ('status', fields.CharEnumField(description='PENDING: pending\nSENDING: sending\nSENT: sent\nFAILED: failed\nSKIPPED: skipped', enum_type=DeliveryStatus, max_length=16)),
                ('reason', fields.CharField(default='', max_length=64)),
                ('attempts', fields.SmallIntField(default=0)),
                ('not_before', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'delivery', 'app': 'portevoix', 'unique_together': (('broadcast', 'employee_id', 'platform'),), 'indexes': [Index(fields=['status', 'not_before'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Employee',
            name='push_digests',
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name='Employee',
            name='push_jobs',
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name='Employee',
            name='push_news',
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name='Employee',
            name='quiet_end',
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name='Employee',
            name='quiet_start',
            field=fields.SmallIntField(null=True),
        ),
    ]
