from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from app.people.models import EmployeeStatus, Platform, Role
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Employee',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(max_length=200)),
                ('external_id', fields.CharField(null=True, unique=True, max_length=100)),
                ('department', fields.CharField(default='', max_length=100)),
                ('location', fields.CharField(default='', max_length=100)),
                ('language', fields.CharField(default='en', max_length=5)),
                ('timezone', fields.CharField(default='Europe/Paris', max_length=64)),
                ('role', fields.CharEnumField(default=Role.EMPLOYEE, description='EMPLOYEE: employee\nRECRUITER: recruiter\nADMIN: admin', enum_type=Role, max_length=16)),
                ('status', fields.CharEnumField(default=EmployeeStatus.INVITED, description='INVITED: invited\nACTIVE: active\nLEFT: left', enum_type=EmployeeStatus, max_length=16)),
                ('points_balance', fields.IntField(default=0)),
                ('lifetime_points', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('left_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('erased_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'employee', 'app': 'portevoix', 'indexes': [Index(fields=['department']), Index(fields=['status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('role', fields.CharEnumField(description='EMPLOYEE: employee\nRECRUITER: recruiter\nADMIN: admin', enum_type=Role, max_length=16)),
                ('employee', fields.ForeignKeyField('portevoix.Employee', source_field='employee_id', null=True, db_constraint=True, to_field='id', related_name='api_tokens', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_token', 'app': 'portevoix', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ChatIdentity',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('employee', fields.ForeignKeyField('portevoix.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='chat_identities', on_delete=OnDelete.CASCADE)),
                ('platform', fields.CharEnumField(description='TELEGRAM: telegram\nTEAMS: teams', enum_type=Platform, max_length=16)),
                ('platform_user_id', fields.CharField(max_length=200)),
                ('chat_id', fields.CharField(null=True, max_length=64)),
                ('conversation_reference', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'chat_identity', 'app': 'portevoix', 'unique_together': (('platform', 'platform_user_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invite',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('employee', fields.ForeignKeyField('portevoix.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='invites', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'invite', 'app': 'portevoix', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PolicyVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('version', fields.CharField(unique=True, max_length=64)),
                ('text_en', fields.TextField(unique=False)),
                ('text_fr', fields.TextField(unique=False)),
                ('published_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'policy_version', 'app': 'portevoix', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PolicyAcceptance',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('employee', fields.ForeignKeyField('portevoix.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='policy_acceptances', on_delete=OnDelete.CASCADE)),
                ('policy', fields.ForeignKeyField('portevoix.PolicyVersion', source_field='policy_id', db_constraint=True, to_field='id', related_name='acceptances', on_delete=OnDelete.RESTRICT)),
                ('accepted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('channel', fields.CharField(max_length=16)),
            ],
            options={'table': 'policy_acceptance', 'app': 'portevoix', 'unique_together': (('employee', 'policy'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
