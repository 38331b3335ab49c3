from tortoise import migrations
from tortoise.migrations import operations as ops
from app.referrals.models import BonusStatus, ReferralSource, ReferralStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('portevoix', '0002_gamification')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AtsDelivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event_id', fields.CharField(unique=True, max_length=200)),
                ('event_type', fields.CharField(max_length=64)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ats_delivery', 'app': 'portevoix', 'pk_attr': 'id', 'table_description': 'An ATS webhook event already applied: a replay of the same id changes nothing.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Candidate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(null=True, unique=True, max_length=254)),
                ('name', fields.CharField(default='', max_length=200)),
                ('phone', fields.CharField(default='', max_length=40)),
                ('linkedin_url', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('erased_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'candidate', 'app': 'portevoix', 'pk_attr': 'id', 'table_description': 'A person someone referred or who applied, identified by normalised e-mail.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Referral',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('candidate', fields.ForeignKeyField('portevoix.Candidate', source_field='candidate_id', db_constraint=True, to_field='id', related_name='referrals', on_delete=OnDelete.RESTRICT)),
                ('job_id', fields.IntField(null=True)),
                ('referrer_id', fields.IntField(null=True)),
                ('link_id', fields.IntField(null=True)),
                ('department', fields.CharField(default='', max_length=100)),
                ('channel', fields.CharField(default='', max_length=16)),
                ('source', fields.CharEnumField(description='WEB: web\nBOT: bot\nAPI: api\nATS: ats\nSYSTEM: system', enum_type=ReferralSource, max_length=8)),
                ('status', fields.CharEnumField(description='PENDING_CONSENT: pending_consent\nSUBMITTED: submitted\nSCREENING: screening\nINTERVIEW: interview\nOFFER: offer\nHIRED: hired\nREJECTED: rejected\nWITHDRAWN: withdrawn\nDUPLICATE: duplicate', enum_type=ReferralStatus, max_length=16)),
                ('duplicate_of_id', fields.IntField(null=True)),
                ('prior_applicant', fields.BooleanField(default=False)),
                ('note', fields.TextField(default='', unique=False)),
                ('cv_file', fields.CharField(default='', max_length=64)),
                ('consent_token', fields.CharField(null=True, unique=True, max_length=64)),
                ('consented_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ats_application_id', fields.CharField(null=True, unique=True, max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('interview_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('offer_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('hired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('bonus_status', fields.CharEnumField(default=BonusStatus.NONE, description='NONE: none\nWAITING: waiting\nDUE: due\nPAID: paid\nFORFEITED: forfeited', enum_type=BonusStatus, max_length=16)),
                ('bonus_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('bonus_paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'referral', 'app': 'portevoix', 'indexes': [Index(fields=['status']), Index(fields=['job_id', 'status']), Index(fields=['referrer_id', 'status']), Index(fields=['bonus_status'])], 'pk_attr': 'id', 'table_description': 'One candidate brought for one job (or a general referral) by one employee, or'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReferralChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('referral', fields.ForeignKeyField('portevoix.Referral', source_field='referral_id', db_constraint=True, to_field='id', related_name='changes', on_delete=OnDelete.CASCADE)),
                ('from_status', fields.CharField(default='', max_length=16)),
                ('to_status', fields.CharField(max_length=16)),
                ('actor', fields.CharField(max_length=64)),
                ('source', fields.CharEnumField(description='WEB: web\nBOT: bot\nAPI: api\nATS: ats\nSYSTEM: system', enum_type=ReferralSource, max_length=8)),
                ('note', fields.CharField(default='', max_length=500)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'referral_change', 'app': 'portevoix', 'pk_attr': 'id', 'table_description': 'The history of a referral: every status it went through, who moved it, from where.'},
            bases=['Model'],
        ),
    ]
