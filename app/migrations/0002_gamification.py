from tortoise import migrations
from tortoise.migrations import operations as ops
from app.gamification.models import LimitPeriod, RedemptionStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('portevoix', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BadgeAward',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('employee_id', fields.IntField()),
                ('badge', fields.CharField(max_length=64)),
                ('awarded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'badge_award', 'app': 'portevoix', 'unique_together': (('employee_id', 'badge'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Challenge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('department', fields.CharField(max_length=100)),
                ('metric', fields.CharField(max_length=32)),
                ('target', fields.IntField()),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('bonus_points', fields.IntField(default=0)),
                ('progress', fields.IntField(default=0)),
                ('reached_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'challenge', 'app': 'portevoix', 'pk_attr': 'id', 'table_description': 'A team target: e.g. 300 unique clicks for Engineering in November.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointsEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('employee_id', fields.IntField()),
                ('points', fields.IntField()),
                ('reason', fields.CharField(max_length=32)),
                ('source', fields.CharField(max_length=120)),
                ('idempotency_key', fields.CharField(unique=True, max_length=160)),
                ('note', fields.CharField(default='', max_length=500)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('week', fields.CharField(max_length=8)),
                ('month', fields.CharField(max_length=7)),
                ('quarter', fields.CharField(max_length=7)),
                ('department', fields.CharField(default='', max_length=100)),
                ('location', fields.CharField(default='', max_length=100)),
                ('counts_for_boards', fields.BooleanField(default=True)),
            ],
            options={'table': 'points_entry', 'app': 'portevoix', 'indexes': [Index(fields=['employee_id', 'occurred_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Profile',
            fields=[
                ('employee_id', fields.IntField(primary_key=True, generated=False, unique=True, db_index=True)),
                ('shares', fields.IntField(default=0)),
                ('unique_clicks', fields.IntField(default=0)),
                ('referrals', fields.IntField(default=0)),
                ('interviews', fields.IntField(default=0)),
                ('hires', fields.IntField(default=0)),
                ('streak_weeks', fields.IntField(default=0)),
                ('last_share_week', fields.CharField(default='', max_length=8)),
                ('level', fields.IntField(default=0)),
                ('leaderboard_opt_out', fields.BooleanField(default=False)),
            ],
            options={'table': 'gamification_profile', 'app': 'portevoix', 'pk_attr': 'employee_id', 'table_description': 'Gamification state of one employee: counters the badge rules read, and settings.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Reward',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name_en', fields.CharField(max_length=120)),
                ('name_fr', fields.CharField(max_length=120)),
                ('description_en', fields.TextField(default='', unique=False)),
                ('description_fr', fields.TextField(default='', unique=False)),
                ('image_url', fields.CharField(default='', max_length=1000)),
                ('cost', fields.IntField()),
                ('stock', fields.IntField(null=True)),
                ('active', fields.BooleanField(default=True)),
                ('requires_approval', fields.BooleanField(default=False)),
                ('limit_per_employee', fields.IntField(null=True)),
                ('limit_period', fields.CharEnumField(default=LimitPeriod.EVER, description='MONTH: month\nQUARTER: quarter\nYEAR: year\nEVER: ever', enum_type=LimitPeriod, max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'reward', 'app': 'portevoix', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Redemption',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reward', fields.ForeignKeyField('portevoix.Reward', source_field='reward_id', db_constraint=True, to_field='id', related_name='redemptions', on_delete=OnDelete.RESTRICT)),
                ('employee_id', fields.IntField()),
                ('cost', fields.IntField()),
                ('status', fields.CharEnumField(description='REQUESTED: requested\nAPPROVED: approved\nFULFILLED: fulfilled\nREJECTED: rejected\nCANCELLED: cancelled', enum_type=RedemptionStatus, max_length=16)),
                ('note', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by', fields.IntField(null=True)),
            ],
            options={'table': 'redemption', 'app': 'portevoix', 'indexes': [Index(fields=['employee_id', 'created_at']), Index(fields=['status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
