"""The WHO Commission's report as plain data: principles, recommendation chapters and their action areas.

Facts come from /work/shared/csdh/catalog.json (CSDH 2008, *Closing the Gap in a Generation*); the
summaries are the project's own words. An area's `key` ("6.b") is the catalog's internal label, not the
report's official numbering: show people the chapter and the area's title, never the letter.
`content_verified` is False where the catalog could not confirm the area in a source.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principle:
    id: str
    title: str
    summary: str


@dataclass(frozen=True)
class Area:
    key: str
    chapter_number: int
    title: str
    summary: str
    lhd_actionable: bool
    content_verified: bool = True

    @property
    def label(self) -> str:
        """How people see the area: its chapter and title, never the catalog letter."""
        return f"Chapter {self.chapter_number} · {self.title}"


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str
    principle_ids: tuple[str, ...]
    areas: tuple[Area, ...]

    @property
    def label(self) -> str:
        return f"Chapter {self.number} · {self.title}"


REPORT_CITATION = (
    "Commission on Social Determinants of Health (2008). Closing the gap in a generation: health equity "
    "through action on the social determinants of health. Geneva: World Health Organization."
)

PRINCIPLES: tuple[Principle, ...] = (
    Principle(
        "P1",
        "Improve daily living conditions",
        "Better the everyday circumstances of life, from birth and childhood through home, work and old age.",
    ),
    Principle(
        "P2",
        "Tackle the inequitable distribution of power, money and resources",
        "Change the structures behind those conditions: governance, public money, markets, gender "
        "relations, people's political voice and global rules.",
    ),
    Principle(
        "P3",
        "Measure and understand the problem and assess the impact of action",
        "Count health inequity, evaluate what is done about it, grow the evidence, train the workforce "
        "and build public understanding of the social determinants of health.",
    ),
)


def _areas(
    number: int, *rows: tuple[str, str, str, bool] | tuple[str, str, str, bool, bool]
) -> tuple[Area, ...]:
    built = []
    for row in rows:
        letter, title, summary, actionable, *verified = row
        built.append(
            Area(f"{number}.{letter}", number, title, summary, actionable, verified[0] if verified else True)
        )
    return tuple(built)


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        5,
        "Equity from the start",
        ("P1",),
        _areas(
            5,
            (
                "a",
                "Coherent early child development policy",
                "Agencies agree on one joined-up approach to early childhood instead of separate, competing ones.",
                False,
            ),
            (
                "b",
                "Universal early child development services",
                "Every child and every caregiver can reach a full set of good-quality early childhood programmes.",
                True,
            ),
            (
                "c",
                "Quality compulsory education for all",
                "Good primary and secondary schooling for every child, whether or not the family can pay.",
                False,
            ),
        ),
    ),
    Chapter(
        6,
        "Healthy places, healthy people",
        ("P1",),
        _areas(
            6,
            (
                "a",
                "Affordable housing and basic services",
                "More affordable homes and upgraded informal settlements, starting with water, sanitation and power.",
                True,
            ),
            (
                "b",
                "Planning and regulation for healthy, safe behaviour",
                "Design places and rules so that everyone can be active, eat well and be safe from violence, "
                "for example by limiting alcohol outlets.",
                True,
            ),
            ("c", "Rural development", "Sustained investment in rural communities.", False),
            (
                "d",
                "Equity in climate and environmental policy",
                "Responses to climate change and environmental damage weigh who gains and who bears the harm.",
                True,
            ),
        ),
    ),
    Chapter(
        7,
        "Fair employment and decent work",
        ("P1",),
        _areas(
            7,
            (
                "a",
                "Full and fair employment as a central policy goal",
                "Full, fair employment and decent work at the centre of national and international policy, "
                "with workers represented in shaping it.",
                False,
            ),
            (
                "b",
                "Secure work paid at a living wage",
                "Safe, steady, year-round work paid at what living really costs, with room for life outside "
                "work and less precarious employment.",
                True,
            ),
            (
                "c",
                "Healthier working conditions",
                "Fewer physical and psychosocial hazards at work.",
                True,
            ),
        ),
    ),
    Chapter(
        8,
        "Social protection across the lifecourse",
        ("P1",),
        _areas(
            8,
            (
                "a",
                "Universal social protection at a healthy-living income",
                "Social protection for everyone, at every age, high enough to live healthily.",
                True,
            ),
            (
                "b",
                "Cover people usually excluded",
                "Reach those that social protection usually leaves out, such as informal, household and care workers.",
                False,
                False,
            ),
        ),
    ),
    Chapter(
        9,
        "Universal health care",
        ("P1",),
        _areas(
            9,
            (
                "a",
                "Universal health care based on primary health care",
                "Health care for all, grounded in prevention and primary care, whatever a person can pay.",
                True,
            ),
            (
                "b",
                "Public leadership in fair health financing",
                "Government leads in paying for care fairly so that access never depends on income.",
                False,
            ),
            (
                "c",
                "Health workforce and brain drain",
                "Train and keep health workers, and counter the pull of richer countries on them.",
                False,
                False,
            ),
        ),
    ),
    Chapter(
        10,
        "Health equity in all policies, systems and programmes",
        ("P2",),
        _areas(
            10,
            (
                "a",
                "Highest-level ownership of health equity",
                "The top level of government owns health equity and keeps every policy pulling the same way.",
                True,
            ),
            (
                "b",
                "Assess all policies for health-equity impact",
                "Check what each government policy does to health equity before and after it is adopted.",
                True,
            ),
            (
                "c",
                "Health equity as a measure of government performance",
                "Judge how well government is doing partly by how fairly health is shared.",
                True,
            ),
            (
                "d",
                "Health sector leads on social determinants",
                "Health agencies work from a social-determinants frame and lead action beyond medical care.",
                True,
                False,
            ),
        ),
    ),
    Chapter(
        11,
        "Fair financing",
        ("P2",),
        _areas(
            11,
            (
                "a",
                "More public finance for the social determinants",
                "Spend more public money on the conditions that shape health.",
                True,
            ),
            ("b", "Progressive taxation", "Build the capacity to tax progressively.", False),
            (
                "c",
                "Aid, debt relief and fair international lending",
                "Keep aid promises, make aid better, relieve debt and make lending terms transparent.",
                False,
            ),
            (
                "d",
                "Fair allocation of public resources",
                "Share public funding fairly between groups of people and places.",
                True,
            ),
        ),
    ),
    Chapter(
        12,
        "Market responsibility",
        ("P2",),
        _areas(
            12,
            (
                "a",
                "Health-equity impact assessment of economic agreements",
                "Weigh trade and economic agreements for what they do to health equity.",
                False,
            ),
            (
                "b",
                "Public provision of essential goods and services",
                "The public sector leads in providing basics such as water and sanitation.",
                False,
            ),
            (
                "c",
                "Control of health-damaging commodities",
                "Regulate products that harm health at scale, such as tobacco, alcohol and unhealthy food.",
                True,
            ),
        ),
    ),
    Chapter(
        13,
        "Gender equity",
        ("P2",),
        _areas(
            13,
            (
                "a",
                "Enforced gender-equity law",
                "Laws against discrimination and for equal opportunity and pay, actually enforced.",
                False,
            ),
            ("b", "Gender equity unit", "A dedicated, funded unit for gender equity in government.", False),
            (
                "c",
                "Count unpaid work",
                "Put the value of housework, care and volunteering into the national accounts.",
                False,
            ),
            (
                "d",
                "Sexual and reproductive health and rights",
                "Invest in sexual and reproductive health services toward universal coverage and rights.",
                True,
                False,
            ),
        ),
    ),
    Chapter(
        14,
        "Political empowerment - inclusion and voice",
        ("P2",),
        _areas(
            14,
            (
                "a",
                "Fair representation in decision-making",
                "Every group in society has a fair say in decisions that affect its health.",
                True,
            ),
            (
                "b",
                "Enable civil society to organise and act",
                "Communities and civil society can organise and press for the rights that shape health.",
                True,
            ),
            (
                "c",
                "Rights-protecting legal and political systems",
                "Legal and political systems that protect human rights and legal identity and back "
                "marginalised groups, Indigenous Peoples among them.",
                False,
                False,
            ),
        ),
    ),
    Chapter(
        15,
        "Good global governance",
        ("P2",),
        _areas(
            15,
            (
                "a",
                "Health equity as a core global development goal",
                "Make health equity a headline global development goal, tracked through the social determinants.",
                False,
            ),
            (
                "b",
                "Multilateral coherence and WHO leadership",
                "International bodies act consistently, with WHO leading on the social determinants.",
                False,
                False,
            ),
        ),
    ),
    Chapter(
        16,
        "The social determinants of health: monitoring, research and training",
        ("P3",),
        _areas(
            16,
            (
                "a",
                "Health equity surveillance",
                "Track health inequity and its causes routinely, broken down by social group, at every level "
                "of government.",
                True,
            ),
            (
                "b",
                "Basic data systems and vital registration",
                "Data systems, birth and death registration included, so that everyone is counted.",
                True,
            ),
            ("c", "Evaluate action", "Find out what policies and programmes do for health equity.", True),
            (
                "d",
                "Expand and share the evidence base",
                "Produce and share evidence on the social determinants and on what narrows the gap.",
                True,
            ),
            (
                "e",
                "Train the workforce",
                "Teach policy-makers, practitioners and health workers about the social determinants of health.",
                True,
            ),
            (
                "f",
                "Raise public awareness",
                "Help the public understand how social conditions shape health.",
                True,
            ),
            (
                "g",
                "WHO capacity and technical support",
                "WHO builds capacity and advises on health-equity policy at every level.",
                False,
            ),
        ),
    ),
)

_CHAPTERS_BY_NUMBER = {c.number: c for c in CHAPTERS}
_AREAS_BY_KEY = {a.key: a for c in CHAPTERS for a in c.areas}
_PRINCIPLES_BY_ID = {p.id: p for p in PRINCIPLES}


def chapter(number: int) -> Chapter:
    """The chapter with this number (5 to 16); KeyError otherwise."""
    return _CHAPTERS_BY_NUMBER[number]


def area(key: str) -> Area:
    """The action area with this catalog key (like "6.b"); KeyError otherwise."""
    return _AREAS_BY_KEY[key]


def principle(principle_id: str) -> Principle:
    """The principle with this id ("P1".."P3"); KeyError otherwise."""
    return _PRINCIPLES_BY_ID[principle_id]


def all_areas() -> tuple[Area, ...]:
    """Every action area, in chapter order."""
    return tuple(_AREAS_BY_KEY.values())


def chapters_of(principle_id: str) -> tuple[Chapter, ...]:
    """The chapters serving this principle, in order."""
    return tuple(c for c in CHAPTERS if principle_id in c.principle_ids)


def areas_of_principle(principle_id: str) -> tuple[Area, ...]:
    """Every area in the chapters of this principle."""
    return tuple(a for c in chapters_of(principle_id) for a in c.areas)


def principle_of(area_key: str) -> Principle:
    """The (first) principle that the area's chapter serves."""
    return principle(chapter(area(area_key).chapter_number).principle_ids[0])
