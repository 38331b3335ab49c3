"""The demo company, so that a newcomer's first `make run` shows a living product.

It is built through the same services as real data (create, invite, redeem the invite
from a chat account, accept the policy), is deterministic, and is safe to run twice:
people who already exist are left alone. Each capability adds its own step to `STEPS`.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from app.gamification.challenges import ChallengeDraft
from app.gamification.models import Reward
from app.gamification.shop import RewardDraft
from app.jobs.models import JobOffer, NewsPost, Workplace
from app.jobs.schemas import JobCreate, NewsCreate
from app.people.models import Employee, Platform, Role
from app.people.schemas import EmployeeCreate
from app.referrals.clicks import ClickFacts, agent_of, new_click_id
from app.referrals.demo import seed_referrals
from app.referrals.models import Channel, Click, ContentType
from app.runtime import Runtime

Progress = Callable[[str, int, int], None]

DOMAIN = "demo.portevoix.example"
DEPARTMENTS = ["Engineering", "Sales", "Marketing", "People", "Operations", "Finance"]
LOCATIONS = [
    ("Paris", "Europe/Paris", "fr"),
    ("Lyon", "Europe/Paris", "fr"),
    ("Nantes", "Europe/Paris", "fr"),
    ("Montréal", "America/Toronto", "fr"),
    ("London", "Europe/London", "en"),
    ("Berlin", "Europe/Berlin", "en"),
]
FIRST_NAMES = {
    "fr": [
        "Camille",
        "Léa",
        "Hugo",
        "Louis",
        "Chloé",
        "Inès",
        "Jules",
        "Manon",
        "Nathan",
        "Sarah",
        "Théo",
        "Zoé",
        "Lucas",
        "Emma",
        "Arthur",
        "Jade",
        "Gabriel",
        "Alice",
        "Raphaël",
        "Louise",
        "Maël",
        "Anaïs",
        "Paul",
        "Clara",
        "Yanis",
        "Margaux",
    ],
    "en": [
        "Olivia",
        "George",
        "Amelia",
        "Harry",
        "Isla",
        "Jack",
        "Ava",
        "Noah",
        "Mia",
        "Oscar",
        "Grace",
        "Leo",
        "Freya",
        "Arlo",
        "Lily",
        "Henry",
        "Ella",
        "Theo",
        "Sophie",
        "Jacob",
        "Ruby",
        "Charlie",
        "Evie",
        "Finn",
    ],
}
LAST_NAMES = {
    "fr": [
        "Martin",
        "Bernard",
        "Dubois",
        "Thomas",
        "Robert",
        "Richard",
        "Petit",
        "Durand",
        "Leroy",
        "Moreau",
        "Simon",
        "Laurent",
        "Lefebvre",
        "Michel",
        "Garcia",
        "Roux",
        "Fournier",
        "Girard",
        "Bonnet",
        "Lambert",
        "Fontaine",
        "Chevalier",
        "Gauthier",
    ],
    "en": [
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Johnson",
        "Davies",
        "Patel",
        "Wright",
        "Walker",
        "Robinson",
        "Thompson",
        "White",
        "Hughes",
        "Edwards",
        "Green",
        "Hall",
        "Wood",
        "Harris",
        "Clarke",
        "Jackson",
    ],
}
EMPLOYEE_COUNT = 52


@dataclass(frozen=True)
class DemoPerson:
    draft: EmployeeCreate
    joined: bool  # linked a Telegram account and accepted the policy
    left: bool


def demo_people(seed: int = 7) -> list[DemoPerson]:
    rng = random.Random(seed)
    people: list[DemoPerson] = []
    used: set[str] = set()
    while len(people) < EMPLOYEE_COUNT:
        index = len(people)
        location, timezone, language = LOCATIONS[index % len(LOCATIONS)]
        first = rng.choice(FIRST_NAMES[language])
        last = rng.choice(LAST_NAMES[language])
        email = f"{first}.{last}@{DOMAIN}".lower()
        if email in used:
            continue
        used.add(email)
        role = Role.ADMIN if index < 2 else Role.RECRUITER if index < 6 else Role.EMPLOYEE
        draft = EmployeeCreate(
            email=email,
            name=f"{first} {last}",
            department="People" if role == Role.RECRUITER else DEPARTMENTS[index % 6],
            location=location,
            language=language,
            timezone=timezone,
            role=role,
            external_id=f"HR-{1000 + index}",
        )
        people.append(DemoPerson(draft, joined=index % 9 != 8, left=index in (20, 41)))
    return people


async def seed_people(runtime: Runtime, progress: Progress) -> None:
    people = demo_people()
    await runtime.policy.publish_from_files()
    for done, person in enumerate(people, start=1):
        if await runtime.people.find_by_email(person.draft.email) is None:
            await _add_person(runtime, person)
        progress("employees", done, len(people))


async def _add_person(runtime: Runtime, person: DemoPerson) -> None:
    employee = await runtime.people.create(person.draft)
    link = await runtime.people.invite(employee.id)
    if person.joined:
        telegram_id = str(700_000_000 + employee.id)
        employee = await runtime.people.redeem_invite(
            link.invite.code, Platform.TELEGRAM, telegram_id, chat_id=telegram_id
        )
        await runtime.policy.accept(employee, channel="telegram")
    if person.left:
        await runtime.people.deactivate(employee.id)


JOBS = [
    ("Senior Backend Engineer (Python)", "Engineering", "Paris", "hybrid", "en"),
    ("Développeur·se Frontend React", "Engineering", "Lyon", "hybrid", "fr"),
    ("Site Reliability Engineer", "Engineering", "Berlin", "remote", "en"),
    ("Data Analyst", "Finance", "London", "on_site", "en"),
    ("Chargé·e de recrutement", "People", "Paris", "on_site", "fr"),
    ("Account Executive UK", "Sales", "London", "hybrid", "en"),
    ("Business Developer", "Sales", "Nantes", "on_site", "fr"),
    ("Responsable marketing produit", "Marketing", "Montréal", "hybrid", "fr"),
    ("Content Marketing Manager", "Marketing", "Berlin", "remote", "en"),
    ("Technicien·ne support niveau 2", "Operations", "Lyon", "on_site", "fr"),
    ("Supply Chain Planner", "Operations", "Nantes", "on_site", "en"),
    ("Contrôleur·se de gestion", "Finance", "Paris", "hybrid", "fr"),
]
NEWS = [
    (
        "We are opening an office in Montréal",
        "Nous ouvrons un bureau à Montréal",
        "Our sixth site opens in January.",
        "Notre sixième site ouvre en janvier.",
    ),
    (
        "Our 2026 Climate Report",
        "Notre rapport climat 2026",
        "We cut our emissions by 18 % this year.",
        "Nous avons réduit nos émissions de 18 %.",
    ),
    (
        "Hackathon winners: the chatbot that books meeting rooms",
        "Hackathon : le chatbot qui réserve les salles gagne",
        "Twenty teams, one night, one winner.",
        "Vingt équipes, une nuit, un gagnant.",
    ),
    (
        "We are a Great Place to Work® for the third year",
        "Great Place to Work® pour la troisième année",
        "Thank you all.",
        "Merci à toutes et à tous.",
    ),
]
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Mobile Safari/537.36",
]
PREVIEWS = [
    "TelegramBot (like TwitterBot)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0)",
    "WhatsApp/2.24.1 A",
    "facebookexternalhit/1.1",
]
CLICK_DAYS = 21
CLICKS = 800


async def seed_content(runtime: Runtime, progress: Progress) -> None:
    if await JobOffer.exists():
        progress("content", 1, 1)
        return
    total = len(JOBS) + len(NEWS)
    for done, (title, department, location, workplace, language) in enumerate(JOBS, start=1):
        job = await runtime.content.create_job(
            JobCreate(
                title=title,
                department=department,
                location=location,
                workplace=Workplace(workplace),
                language=language,  # type: ignore[arg-type]
                description=_job_text(title, location, language),
                target_languages=[] if done % 3 else [language],  # type: ignore[list-item]
            )
        )
        await runtime.content.publish_job(job.id, push=False)  # demo people have no chat
        progress("content", done, total)
    for done, (en, fr, body_en, body_fr) in enumerate(NEWS, start=len(JOBS) + 1):
        post = await runtime.content.create_news(
            NewsCreate(
                title=en,
                body=f"{body_en}\n\n{body_fr}",
                language="en",
                url=f"https://blog.{DOMAIN}/{done}",  # type: ignore[arg-type]
                captions={
                    "linkedin": {"en": f"{en}. {body_en} #lifeat", "fr": f"{fr}. {body_fr}"},
                    "x": {"en": en, "fr": fr},
                    "default": {"en": en, "fr": fr},
                },
            )
        )
        await runtime.content.publish_news(post.id, push=False)
        progress("content", done, total)


def _job_text(title: str, location: str, language: str) -> str:
    if language == "fr":
        return (
            f"Nous recherchons un·e {title} à {location}.\n\nVous rejoindrez une équipe "
            "bienveillante et exigeante. Télétravail partiel, RTT, tickets restaurant."
        )
    return (
        f"We are looking for a {title} in {location}.\n\nYou will join a kind and "
        "demanding team. Flexible hours, learning budget, great coffee."
    )


async def seed_clicks(runtime: Runtime, progress: Progress) -> None:
    """Three weeks of shares and clicks, through the real click classification."""
    if await Click.exists():
        progress("clicks", 1, 1)
        return
    rng = random.Random(11)
    sharers = [e for e in await Employee.filter(status="active") if e.role != Role.ADMIN]
    jobs, posts = await JobOffer.filter(status="open"), await NewsPost.filter(status="published")
    links = []
    for employee in rng.sample(sharers, k=min(30, len(sharers))):
        for content_type, content in [(ContentType.JOB, j) for j in rng.sample(jobs, 3)] + [
            (ContentType.NEWS, rng.choice(posts))
        ]:
            channel = rng.choice(
                [Channel.LINKEDIN] * 4
                + [Channel.WHATSAPP, Channel.X, Channel.TELEGRAM, Channel.EMAIL]
            )
            await runtime.links.record_share(employee, content_type, content.id, channel)
            links.append(await runtime.links.link_for(employee, content_type, content.id, channel))
    now = runtime.clock.now()
    # Popular advocates get many clicks, most get a few: a long tail, like real life.
    weights = [rng.paretovariate(1.2) for _ in links]
    facts = []
    for _ in range(CLICKS):
        link = rng.choices(links, weights)[0]
        at = now - timedelta(days=rng.random() * CLICK_DAYS)
        agent = rng.choice(PREVIEWS) if rng.random() < 0.15 else rng.choice(BROWSERS)
        visitor = f"demo-{rng.randrange(900)}"
        facts.append(
            ClickFacts(new_click_id(), link.id, at, visitor, agent_of(agent), "", False, "")
        )
    facts.sort(key=lambda f: f.at)
    for start in range(0, len(facts), 250):
        await runtime.click_writer.store(facts[start : start + 250])
        progress("clicks", min(start + 250, len(facts)), len(facts))


REWARDS = [
    ("Company hoodie", "Sweat de l'entreprise", 60, 40, False),
    ("Coffee with the CEO", "Un café avec la PDG", 300, None, True),
    ("An extra day off", "Un jour de congé en plus", 1200, 10, True),
    (
        "€20 donation to a charity of your choice",
        "20 € pour l'association de votre choix",
        200,
        None,
        False,
    ),
    ("Conference ticket", "Une place de conférence", 800, 5, True),
]


async def seed_rewards(runtime: Runtime, progress: Progress) -> None:
    """A shop in both languages, a team challenge, and a redemption awaiting approval."""
    if await Reward.exists():
        progress("shop", 1, 1)
        return
    rewards = [
        await runtime.shop.create_reward(
            RewardDraft(name_en=en, name_fr=fr, cost=cost, stock=stock, requires_approval=approval)
        )
        for en, fr, cost, stock, approval in REWARDS
    ]
    today = runtime.clock.now().date()
    challenge = await runtime.challenges.create(
        ChallengeDraft(
            name="Engineering: 150 unique clicks this month",
            department="Engineering",
            metric="unique_clicks",
            target=150,
            starts_on=today.replace(day=1),
            ends_on=today + timedelta(days=30),
            bonus_points=50,
        )
    )
    await runtime.challenges.refresh(challenge)
    cheapest = min(rewards, key=lambda reward: reward.cost)
    richest = (
        await Employee.filter(points_balance__gte=cheapest.cost).order_by("-points_balance").first()
    )
    if richest is not None:  # someone waits for an admin's approval
        await runtime.shop.redeem(richest.id, cheapest.id)
    progress("shop", 1, 1)


async def _seed_referrals(runtime: Runtime, progress: Progress) -> None:
    await seed_referrals(runtime.referrals, runtime.settings.referral_bonus_waiting_days, progress)


STEPS: list[Callable[[Runtime, Progress], Awaitable[None]]] = [
    seed_people,
    seed_content,
    seed_clicks,
    _seed_referrals,
    seed_rewards,
]


async def seed(runtime: Runtime, progress: Progress) -> None:
    for step in STEPS:
        await step(runtime, progress)


async def is_empty(runtime: Runtime) -> bool:
    return not await Employee.exists()
