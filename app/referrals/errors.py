"""What can go wrong with referrals, in words the employee, candidate or recruiter reads."""

from __future__ import annotations

from app.errors import Conflict, DomainError, Forbidden, NotFound


class ReferralNotFound(NotFound):
    code = "referral_not_found"


class CandidateNotFound(NotFound):
    code = "candidate_not_found"


class InvalidRejection(DomainError):
    code = "invalid_rejection"


class SelfReferral(Forbidden):
    code = "self_referral"


class CompanyAddress(Forbidden):
    """A referral of an address at the company's own domains: a colleague, or the
    referrer under another spelling."""

    code = "company_address"


class AlreadyReferred(Conflict):
    code = "already_referred"


class AlreadyApplied(Conflict):
    code = "already_applied"


class JobNotOpen(DomainError):
    code = "job_not_open"


class InvalidCv(DomainError):
    code = "invalid_cv"


class CvTooLarge(DomainError):
    code = "cv_too_large"


class BonusNotDue(Conflict):
    code = "bonus_not_due"
