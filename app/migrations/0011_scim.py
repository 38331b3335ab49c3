"""SCIM provisioning (issue 19): the identity provider's tokens and its accounts of employees."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('portevoix', '0010_ledger_partial_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ScimAccount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('employee', fields.OneToOneField('portevoix.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='scim_account', on_delete=OnDelete.CASCADE)),
                ('user_name', fields.CharField(max_length=254)),
                ('user_name_key', fields.CharField(unique=True, max_length=254)),
                ('external_id', fields.CharField(null=True, db_index=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'scim_account', 'app': 'portevoix', 'pk_attr': 'id', 'table_description': 'How the identity provider knows an employee (`app.people.scim_directory`): its'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScimToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'scim_token', 'app': 'portevoix', 'pk_attr': 'id', 'table_description': "A bearer token of the company's identity provider (SCIM provisioning,"},
            bases=['Model'],
        ),
    ]
