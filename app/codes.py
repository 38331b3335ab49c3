"""The codes that cross domains: what a click, a share, a referral or a redemption is.

The domains store them (their models' enum fields) and the events of `app.events` carry
them, so they live below both, in infrastructure; `app.i18n.formats` labels them. A
domain's own codes (a job's workplace, a bonus's status) stay in its models.
"""

from __future__ import annotations

from enum import StrEnum

# -- links and clicks (app/referrals) -------------------------------------------------------


class ContentType(StrEnum):
    JOB = "job"
    NEWS = "news"


class Channel(StrEnum):
    LINKEDIN = "linkedin"
    X = "x"
    FACEBOOK = "facebook"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    TEAMS = "teams"
    EMAIL = "email"
    COPY = "copy"


class ClickClass(StrEnum):
    UNIQUE = "unique"
    REPEAT = "repeat"
    BOT = "bot"
    SELF = "self"
    RATE_LIMITED = "rate_limited"


# -- referrals and the pipeline (app/referrals) ----------------------------------------------


class ReferralStatus(StrEnum):
    PENDING_CONSENT = "pending_consent"  # made from chat; no recruiter sees it yet
    SUBMITTED = "submitted"
    SCREENING = "screening"
    INTERVIEW = "interview"
    OFFER = "offer"
    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    DUPLICATE = "duplicate"  # the candidate belongs to an earlier referrer


class RejectionReason(StrEnum):
    """Why a recruiter (or the ATS) rejected a candidate. `not_a_real_candidate` (a fake,
    or someone who never heard of the referral) takes back the referrer's points."""

    NOT_SELECTED = "not_selected"
    NOT_A_REAL_CANDIDATE = "not_a_real_candidate"


class ReferralSource(StrEnum):
    """Where a referral or one of its changes came from."""

    WEB = "web"  # the apply page or the consent page
    BOT = "bot"
    API = "api"
    ATS = "ats"
    SYSTEM = "system"


# -- the rewards shop (app/gamification) ----------------------------------------------------


class RedemptionStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    FULFILLED = "fulfilled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
