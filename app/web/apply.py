"""The candidate's pages: the apply form `/apply/{job_id}` and the consent page
`/consent/{token}`.

Both work without JavaScript, in the job's language, and carry a CSRF token: an HMAC
(key derived from SECRET_KEY) of a random value kept in a cookie, so a form posted from
another site is refused. Bad input re-renders the form with the reasons and writes
nothing; an uploaded file that is refused for any reason is deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import BodyPartReader, web
from pydantic import BaseModel, EmailStr, Field, HttpUrl, ValidationError, field_validator

from app.i18n import translator
from app.jobs.models import JobOffer
from app.parsing import whole_number
from app.referrals.errors import AlreadyApplied, CvTooLarge, InvalidCv
from app.referrals.intake import CandidateDetails
from app.referrals.models import Referral, ReferralStatus
from app.web.keys import SERVICES
from app.web.previews import job_facts
from app.web.public import ATTRIBUTION_COOKIE, render

CSRF_COOKIE = "pv_csrf"
TEXT_LIMIT = 10_000  # bytes per text field
MAX_PARTS = 20
FIELDS = ("csrf", "ref", "name", "email", "phone", "linkedin_url", "message", "consent")


class ApplyForm(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    phone: str = Field(default="", max_length=40)
    linkedin_url: HttpUrl | None = None
    message: str = Field(default="", max_length=5000)
    consent: bool

    @field_validator("linkedin_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return value or None

    @field_validator("consent")
    @classmethod
    def _must_consent(cls, value: bool) -> bool:
        if not value:
            raise ValueError("consent is required")
        return value


def field_errors(_: Callable[[str], str], max_mb: int) -> dict[str, str]:
    return {
        "name": _("Please enter your name."),
        "email": _("Please enter a valid e-mail address."),
        "phone": _("This phone number is too long."),
        "linkedin_url": _("Please enter a full LinkedIn address (https://...)."),
        "message": _("Your message is too long (5,000 characters at most)."),
        "consent": _("Please agree to the privacy notice to apply."),
        "cv": _("Please attach your CV (PDF, DOC or DOCX, {max_mb} MB at most).").format(
            max_mb=max_mb
        ),
    }


# -- CSRF ----------------------------------------------------------------------------------


def csrf_token(secret_key: str, nonce: str) -> str:
    key = hashlib.sha256(b"porte-voix csrf:" + secret_key.encode()).digest()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


def csrf_nonce(request: web.Request) -> tuple[str, bool]:
    """The browser's CSRF nonce, and whether it is new (to be set as a cookie)."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if 16 <= len(nonce) <= 64 and nonce.replace("-", "").replace("_", "").isalnum():
        return nonce, False
    return secrets.token_urlsafe(24), True


def csrf_ok(request: web.Request, secret_key: str, token: str) -> bool:
    nonce = request.cookies.get(CSRF_COOKIE, "")
    return bool(nonce and token) and hmac.compare_digest(
        csrf_token(secret_key, nonce).encode(), token.encode()
    )


def with_csrf_cookie(response: web.Response, nonce: str, new: bool, secure: bool) -> web.Response:
    if new:
        response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="Lax", secure=secure)
    return response


# -- pages ---------------------------------------------------------------------------------


def page(request: web.Request, status: int, language: str, title: str, *lines: str) -> web.Response:
    _ = translator(language)
    return render(
        "message.html.j2",
        status,
        company=request.app[SERVICES].settings.company_name,
        title=title,
        lines=list(lines),
        action=_("See our open jobs"),
        lang=language,
    )


async def open_job_or_page(request: web.Request) -> JobOffer | web.Response:
    services = request.app[SERVICES]
    raw = request.match_info["job_id"]
    job_id = whole_number(raw)
    job = await services.content.find_job(job_id) if job_id is not None else None
    if job is None:
        return page(
            request,
            404,
            services.settings.default_language,
            "Not found · Introuvable",
            "This job offer does not exist.",
            "Cette offre n'existe pas.",
        )
    if not services.content.job_is_open(job):
        _ = translator(job.language)
        return page(request, 410, job.language, _("This offer is closed"), _("Thank you!"))
    return job


def apply_form(
    request: web.Request,
    job: JobOffer,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    ref: str = "",
) -> web.Response:
    services = request.app[SERVICES]
    settings = services.settings
    nonce, new = csrf_nonce(request)
    _ = translator(job.language)
    response = render(
        "apply.html.j2",
        status,
        company=settings.company_name,
        title=job.title,
        job=job,
        facts=job_facts(job, _),
        lang=job.language,
        _=_,
        csrf=csrf_token(settings.secret_key, nonce),
        ref=ref,
        values=values or {},
        errors=errors or {},
        max_mb=settings.cv_max_mb,
    )
    return with_csrf_cookie(response, nonce, new, settings.public_base_url.startswith("https"))


async def apply_page(request: web.Request) -> web.Response:
    job = await open_job_or_page(request)
    if isinstance(job, web.Response):
        return job
    ref = request.query.get("ref") or request.cookies.get(ATTRIBUTION_COOKIE, "")
    return apply_form(request, job, ref=ref if ref.isalnum() and len(ref) <= 16 else "")


async def submit_application(request: web.Request) -> web.Response:
    job = await open_job_or_page(request)
    if isinstance(job, web.Response):
        return job
    services = request.app[SERVICES]
    _ = translator(job.language)
    messages = field_errors(_, services.settings.cv_max_mb)
    values: dict[str, str] = {}
    cv_file = ""
    try:
        try:
            values, cv_file = await read_form(request)
        except CvTooLarge:
            return apply_form(request, job, status=413, errors={"cv": messages["cv"]})
        except InvalidCv:
            return apply_form(request, job, status=415, errors={"cv": messages["cv"]})
        except (ValueError, RuntimeError):  # not our form, or broken multipart
            return page(request, 400, job.language, _("Something is wrong with this form"),
                        _("Please reload the page and try again."))  # fmt: skip
        ref = values.get("ref", "") or request.cookies.get(ATTRIBUTION_COOKIE, "")
        if not csrf_ok(request, services.settings.secret_key, values.get("csrf", "")):
            return page(request, 403, job.language, _("This form has expired"),
                        _("Please reload the page and try again."))  # fmt: skip
        try:
            form = ApplyForm.model_validate({**values, "consent": values.get("consent") == "yes"})
        except ValidationError as exc:
            errors = {str(e["loc"][0]): messages[str(e["loc"][0])] for e in exc.errors()}
            if not cv_file:
                errors["cv"] = messages["cv"]
            return apply_form(request, job, status=422, values=values, errors=errors, ref=ref)
        if not cv_file:
            errors = {"cv": messages["cv"]}
            return apply_form(request, job, status=422, values=values, errors=errors, ref=ref)
        intake = services.referrals.intake
        try:
            await intake.apply(
                job.id,
                CandidateDetails(
                    form.name,
                    str(form.email),
                    form.phone,
                    str(form.linkedin_url) if form.linkedin_url else "",
                ),
                await intake.attribution(ref),
                message=form.message,
                cv_file=cv_file,
            )
        except AlreadyApplied:
            return page(request, 409, job.language, _("You have already applied"),
                        _("We already have your application for this job."))  # fmt: skip
        cv_file = ""  # kept: it belongs to the application now
        return page(request, 200, job.language, _("Thank you for applying!"),
                    _("A recruiter will read your application and get back to you."))  # fmt: skip
    finally:
        if cv_file:
            services.referrals.cv_store.delete(cv_file)


async def read_form(
    request: web.Request, fields: tuple[str, ...] = FIELDS
) -> tuple[dict[str, str], str]:
    """The text `fields` and the stored CV name. ValueError if this is not our form.
    (The mini app's referral form is read here too, with its own fields.)"""
    services = request.app[SERVICES]
    if not request.content_type.startswith("multipart/form-data"):
        raise ValueError("not a multipart form")
    reader = await request.multipart()
    values: dict[str, str] = {}
    cv_file = ""
    try:
        for _index in range(MAX_PARTS):
            part = await reader.next()
            if part is None:
                return values, cv_file
            if not isinstance(part, BodyPartReader):
                raise ValueError("nested multipart")
            if part.name == "cv":
                if cv_file:
                    raise ValueError("two CV files")
                if not part.filename:  # the file input was left empty
                    await part.release()
                    continue
                cv_file = await services.referrals.cv_store.save(_chunks(part))
            elif part.name in fields:
                values[part.name] = (await _text(part)).strip()
            else:
                await part.release()
        raise ValueError("too many parts")
    except BaseException:
        if cv_file:
            services.referrals.cv_store.delete(cv_file)
        raise


async def _chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while True:
        chunk = await part.read_chunk(65536)
        if not chunk:
            return
        yield chunk


async def _text(part: BodyPartReader) -> str:
    data = b""
    while chunk := await part.read_chunk(8192):
        data += chunk
        if len(data) > TEXT_LIMIT:
            raise ValueError("field too long")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    if "\x00" in text:  # PostgreSQL cannot store it
        raise ValueError("a NUL character")
    return text


# -- consent -------------------------------------------------------------------------------


async def consent_context(request: web.Request) -> tuple[Referral, str, dict[str, Any]] | None:
    services = request.app[SERVICES]
    referral = await services.referrals.consent.referral_for(request.match_info["token"])
    if referral is None:
        return None
    job = await services.content.find_job(referral.job_id) if referral.job_id else None
    referrer = await services.people.find(referral.referrer_id) if referral.referrer_id else None
    language = job.language if job else (referrer.language if referrer else "en")
    _ = translator(language)
    return (
        referral,
        language,
        {
            "company": services.settings.company_name,
            "lang": language,
            "_": _,
            "job": job,
            "referrer": referrer.name if referrer else "",
            "days": services.settings.referral_consent_days,
        },
    )


async def consent_page(request: web.Request) -> web.Response:
    found = await consent_context(request)
    if found is None:
        return consent_missing(request)
    referral, language, context = found
    _ = translator(language)
    if referral.status != ReferralStatus.PENDING_CONSENT:
        return page(request, 200, language, _("Thank you!"), _("Your answer is recorded."))
    settings = request.app[SERVICES].settings
    nonce, new = csrf_nonce(request)
    response = render(
        "consent.html.j2",
        title=_("Your referral"),
        csrf=csrf_token(settings.secret_key, nonce),
        **context,
    )
    return with_csrf_cookie(response, nonce, new, settings.public_base_url.startswith("https"))


async def answer_consent(request: web.Request) -> web.Response:
    found = await consent_context(request)
    if found is None:
        return consent_missing(request)
    _referral, language, _context = found
    _ = translator(language)
    services = request.app[SERVICES]
    form = await request.post()
    if not csrf_ok(request, services.settings.secret_key, str(form.get("csrf", ""))):
        return page(request, 403, language, _("This form has expired"),
                    _("Please reload the page and try again."))  # fmt: skip
    token = request.match_info["token"]
    decision = form.get("decision")
    if decision == "accept":
        await services.referrals.consent.give(token)
        return page(request, 200, language, _("Thank you!"),
                    _("Our recruiters will now look at your profile."))  # fmt: skip
    if decision == "decline":
        await services.referrals.consent.refuse(token)
        return page(request, 200, language, _("Your details are deleted"),
                    _("We will not contact you about this referral."))  # fmt: skip
    return page(request, 400, language, _("Something is wrong with this form"),
                _("Please reload the page and try again."))  # fmt: skip


def consent_missing(request: web.Request) -> web.Response:
    return page(
        request,
        404,
        request.app[SERVICES].settings.default_language,
        "Link not valid · Lien non valide",
        "This link has expired or was already used.",
        "Ce lien a expiré ou a déjà été utilisé.",
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/apply/{job_id}", apply_page)
    app.router.add_post("/apply/{job_id}", submit_application)
    app.router.add_get("/consent/{token}", consent_page)
    app.router.add_post("/consent/{token}", answer_consent)
