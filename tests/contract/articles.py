"""The fixed set of realistic articles every contract test (and backend-specific test) uses."""

from __future__ import annotations

from datetime import date, datetime, timezone

from newsdesk.model import Article, Entity, EntityType, Provenance, Quote

P, O, L, N = EntityType.PERSON, EntityType.ORGANIZATION, EntityType.LOCATION, EntityType.NORP


def _ents(*items: tuple[str, EntityType, int]) -> list[Entity]:
    return [Entity(name=name, type=etype, count=count, surface_forms=[name]) for name, etype, count in items]


def make_articles() -> list[Article]:
    """Eight realistic articles: two publishers' Panjshir coverage, a duplicate, other topics and a French one."""
    return [
        Article(
            id="a1",
            path="seeds/000.txt",
            url="https://example.org/panjshir-saleh",
            title="Saleh refuses to surrender as Taliban claim Panjshir",
            body=(
                "Hours after the Taliban claimed victory over Panjshir valley, the last holdout province, former "
                "Vice-President Amrullah Saleh refused to surrender. The Northern Alliance flag will fly high, "
                "Ahmad Massoud said. Fighting <script>alert(1)</script> continued & both sides reported casualties."
            ),
            published=datetime(2021, 9, 4, 10, 30, tzinfo=timezone.utc),
            authors=["Jane Doe", "Ravi Kumar"],
            publisher="India.com",
            language="en",
            entities=_ents(("Amrullah Saleh", P, 3), ("Ahmad Massoud", P, 1), ("Taliban", O, 4), ("Panjshir", L, 3), ("Afghans", N, 1)),
            quotes=[Quote(speaker="Amrullah Saleh", text="We will not surrender")],
            content_hash="h1",
            provenance={"published": Provenance(source="dateline", confidence=0.9)},
            story_id="s-panjshir",
        ),
        Article(
            id="a2",
            path="seeds/003.txt",
            title="Taliban, Panjshir Resistance Make Conflicting Claims on Holdout Province",
            body=(
                "Self-proclaimed acting president Amrullah Saleh uploaded a video in which he indicates that he "
                "remains in Panjshir and that the resistance is continuing. A Taliban spokesman tweeted that the "
                "militants had taken control of the renegade province."
            ),
            published=date(2021, 9, 3),
            authors=["Jane Doe"],
            publisher="Sputnik",
            language="en",
            entities=_ents(("Amrullah Saleh", P, 2), ("Taliban", O, 2), ("Panjshir", L, 2), ("Afghanistan", L, 1)),
            content_hash="h2",
            story_id="s-panjshir",
        ),
        Article(
            id="a3",
            title="Saleh refuses to surrender as Taliban claim Panjshir",
            body=(
                "Hours after the Taliban claimed victory over Panjshir valley, former Vice-President Amrullah Saleh "
                "refused to surrender, according to a syndicated copy of the report."
            ),
            published=datetime(2021, 9, 5, 8, 0, tzinfo=timezone.utc),
            publisher="Syndicate Wire",
            language="en",
            entities=_ents(("Amrullah Saleh", P, 1), ("Taliban", O, 1), ("Panjshir", L, 1)),
            content_hash="h3",
            duplicate_of="a1",
            story_id="s-panjshir",
        ),
        Article(
            id="a4",
            title="Kabul airport evacuations continue amid security fears",
            body=(
                "Thousands of people gathered at Kabul airport as evacuation flights continued. The United Nations "
                "urged calm while NATO members coordinated the airlift."
            ),
            published=datetime(2021, 8, 20, 16, 45, tzinfo=timezone.utc),
            publisher="India.com",
            language="en",
            entities=_ents(("United Nations", O, 1), ("NATO", O, 1), ("Kabul", L, 2)),
            content_hash="h4",
        ),
        Article(
            id="a5",
            title="Central bank negotiates new currency swap",
            body=(
                "The central bank negotiated a currency swap line with regional partners. Negotiators said the "
                "negotiation took months; markets rallied on the news."
            ),
            published=date(2021, 7, 12),
            publisher="Business Daily",
            language="en",
            entities=_ents(("Reserve Bank", O, 2), ("Mumbai", L, 1)),
            content_hash="h5",
        ),
        Article(
            id="a6",
            title="Les talibans revendiquent le Panjshir",
            body="Les talibans affirment contrôler la vallée du Panjshir, la résistance dément.",
            published=date(2021, 9, 6),
            publisher="Le Journal",
            language="fr",
            entities=_ents(("Panjshir", L, 1), ("talibans", O, 1)),
            content_hash="h6",
        ),
        Article(
            id="a7",
            title="Monsoon rains flood northern districts",
            body="Heavy monsoon rains flooded several northern districts; relief teams reached the valley by boat.",
            published=None,
            publisher="Business Daily",
            language="en",
            entities=_ents(("Assam", L, 1)),
            content_hash="h7",
        ),
        Article(
            id="a8",
            title="Northern Alliance veterans recall the 1990s",
            body=(
                "Veterans of the Northern Alliance recalled Ahmad Shah Massoud and the resistance of the 1990s. "
                "Tom & Jerry <b>cartoons</b> were the only distraction, one said."
            ),
            published=datetime(2020, 12, 30, 9, 0, tzinfo=timezone.utc),
            publisher="Sputnik",
            language="en",
            entities=_ents(("Ahmad Shah Massoud", P, 2), ("Northern Alliance", O, 2)),
            content_hash="h8",
        ),
    ]
