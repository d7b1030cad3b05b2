"""Enrichment with the real spaCy model: entities, quotes, cited sources, seeds end to end, cache, registry."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from spacy.language import Language

import newsdesk.enrich as enrich
from newsdesk.clean import clean_document
from newsdesk.config import Settings, use_settings
from newsdesk.enrich import enrich_articles, load_nlp
from newsdesk.enrich.cache import EnrichmentCache, enrichment_key
from newsdesk.enrich.registry import AliasRegistry
from newsdesk.model import Article, Entity, EntityType, Provenance, RawDocument

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="session", autouse=True)
def nlp() -> Language:
    """Load spaCy once per session."""
    return load_nlp()


def enriched(body: str, *, published: date | None = date(2021, 9, 3)) -> Article:
    """`body` as a plain-text article published on `published`, enriched."""
    raw = RawDocument(path="t.txt", content=body, content_type="text")
    return enrich_articles([(raw, Article(id="t", body=body, published=published))])[0]


def seed(prefix: str) -> Article:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    raw = RawDocument(path=str(path), content=path.read_text(), content_type="text")
    return enrich_articles([(raw, clean_document(raw))])[0]


def speakers(article: Article, kind: str = "direct") -> dict[str, str | None]:
    return {q.text: q.speaker for q in article.quotes if q.kind == kind}


def entity(article: Article, name: str) -> Entity:
    return next(e for e in article.entities if e.name == name)


def test_seed_000(settings: Settings) -> None:
    article = seed("000")
    assert article.published == date(2021, 9, 4) and article.provenance["published"].source == "text-header"
    assert article.publisher is None
    assert article.language == "en" and article.provenance["language"].confidence > 0.9
    assert "BBC" in article.cited_sources and "Ali Nazari" in article.cited_sources
    saleh = entity(article, "Amrullah Saleh")
    assert saleh.type is EntityType.PERSON and {"Saleh", "Amrullah Saleh"} <= set(saleh.surface_forms)
    assert entity(article, "National Resistance Front").surface_forms == ["NRF", "the National Resistance Front"]
    assert entity(article, "Panjshir").type is EntityType.LOCATION  # tagged ORG; "Panjshir valley" heads it
    assert set(entity(article, "Panjshir Valley").surface_forms) == {"Panjshir valley", "Panjshir Valley"}
    names = [e.name for e in article.entities]
    assert not [n for n in names if "Read" in n or "©" in n or n.isdigit() or len(n) < 2]
    quotes = speakers(article)
    assert quotes["We will not surrender, we are standing for Afghanistan."] == "Amrullah Saleh"
    assert quotes["There is no doubt we are in a difficult situation. We are under invasion by the Taliban"] \
        == "Amrullah Saleh"
    assert article.mentioned_dates == []  # "the 1980s", "the coming days": vague
    for field in ("published", "language", "entities", "quotes", "cited_sources", "mentioned_dates"):
        assert field in article.provenance


def test_seed_003(settings: Settings) -> None:
    article = seed("003")
    assert article.published == date(2021, 9, 3)
    assert article.provenance["published"].source == "body:today-sentence"
    assert article.publisher == "Sputnik" and article.provenance["publisher"].source == "text-trailer"
    assert article.language == "en"
    assert date(2021, 9, 2) in article.mentioned_dates  # "Thursday night"
    assert {"Sputnik", "Taliban", "Amrullah Saleh"} <= set(article.cited_sources)
    saleh_quotes = [q for q in article.quotes if q.kind == "direct" and q.speaker == "Amrullah Saleh"]
    assert any(q.text.startswith("I am here with my soil") for q in saleh_quotes)
    assert any(q.text.startswith("Today is Friday, September 3, 2021") for q in saleh_quotes)
    assert any(q.text.startswith("No doubt the situation is difficult") for q in saleh_quotes)  # "the official added"
    assert any(q.text.startswith("the RESISTANCE is continuing") for q in saleh_quotes)  # "he indicates ... that"
    names = {e.name: e for e in article.entities}
    assert names["Sputnik"].type is EntityType.ORGANIZATION  # tagged PERSON by the model
    assert names["Panjshir"].type is EntityType.LOCATION  # tagged ORG, but "Panjshir Valley"/"province"
    assert not [n for n in names if "Make Conflicting" in n or "/" in n]  # headline-line fragments
    assert names["Ahmad Massoud"].surface_forms == ["Ahmad Massoud", "Massoud"]


def test_pronoun_and_role_speakers_resolve_to_the_last_person(settings: Settings) -> None:
    article = enriched("Hamid Karzai met elders on Friday. “We need a dialogue with everyone,” he said. "
                       "“Nobody wins a war like this one,” the former president added.")
    assert speakers(article) == {"We need a dialogue with everyone": "Hamid Karzai",
                                 "Nobody wins a war like this one": "Hamid Karzai"}


def test_an_anonymous_source_is_no_speaker_but_its_introduction_is_the_hint(settings: Settings) -> None:
    article = enriched("A source in the interior ministry told reporters that the road was closed.\n\n"
                       "“The road will stay closed until Monday,” the source said.")
    quote = next(q for q in article.quotes if q.kind == "direct")
    assert quote.speaker is None and quote.speaker_hint == "source in the interior ministry"


def test_straight_quotes_and_speaker_before_the_quote(settings: Settings) -> None:
    article = enriched('Ahmad Massoud spoke to supporters. He added: "We are ready to defend the valley."\n'
                       '"Our flag will fly," Massoud wrote in a tweet on Thursday.')
    assert speakers(article) == {"We are ready to defend the valley.": "Ahmad Massoud",
                                 "Our flag will fly": "Ahmad Massoud"}


def test_speech_verb_before_the_quote_beats_a_later_clause(settings: Settings) -> None:
    article = enriched("Australian Prime Minister Scott Morrison said in a statement, “We are profoundly pleased "
                       "and relieved” at the hostages’ release, adding that the family had asked for privacy.")
    assert speakers(article) == {"We are profoundly pleased and relieved": "Scott Morrison"}


def test_curly_single_quotes_with_apostrophes_inside(settings: Settings) -> None:
    article = enriched("Boris Johnson spoke in London. ‘We won’t let our country’s future be decided by others,’ "
                       "the prime minister said.")
    assert speakers(article) == {"We won’t let our country’s future be decided by others": "Boris Johnson"}


def test_scare_quotes_titles_and_terms_are_not_quotations(settings: Settings) -> None:
    article = enriched("Fans of the “new normal” were few on Friday. China said it is committed "
                       "to the “one country, two systems” formula. The band will play hits including "
                       "“Listen To The Music,” “Takin’ It To The Streets” and “What A Fool Believes.”")
    assert [q for q in article.quotes if q.kind == "direct"] == []


def test_indirect_claims(settings: Settings) -> None:
    article = enriched("Hamid Karzai said that the talks would resume next week. "
                       "The Taliban denied the reports of heavy losses in the north.")
    claims = speakers(article, "indirect")
    assert claims["the talks would resume next week"] == "Hamid Karzai"
    assert claims["denied the reports of heavy losses in the north"] == "Taliban"


def test_cited_sources_are_not_the_publisher(settings: Settings) -> None:
    article = enriched("Ali Nazari told BBC World News that the rebels held the pass. "
                       "A Taliban spokesman tweeted that the valley had fallen. "
                       "According to Reuters, fighting continued overnight.")
    assert article.publisher is None
    assert set(article.cited_sources) >= {"Ali Nazari", "BBC", "Taliban", "Reuters"}


def test_mentioned_dates_from_the_body(settings: Settings) -> None:
    article = enriched("Fighters repulsed an attack on Thursday night. In the 1980s the valley resisted. "
                       "The talks of August 15, 2021 failed, and in recent weeks the province was surrounded.")
    assert article.mentioned_dates == [date(2021, 9, 2), date(2021, 8, 15)]


def test_quote_continuing_in_the_same_paragraph_keeps_its_speaker(settings: Settings) -> None:
    article = enriched('"It was a difficult situation for us," Feliciano Lopez said after the match. '
                       '"We needed this win, otherwise we could be out of the tournament."')
    assert set(speakers(article).values()) == {"Feliciano Lopez"}


def test_speaker_named_in_apposition(settings: Settings) -> None:
    article = enriched("China's ambassador to Britain, Liu Xiaoming, said the army “will not sit on its hands "
                       "if the violence goes on.”")
    assert speakers(article)["will not sit on its hands if the violence goes on."] == "Liu Xiaoming"


def test_variants_of_one_full_name_are_one_person(settings: Settings) -> None:
    article = enriched("Patrick W. Carlineo pleaded guilty on Monday. Patrick Carlineo Jr. faces a year in prison. "
                       "His lawyer said Pat Carlineo regretted it. On Tuesday, Carlineo said he was sorry.")
    people = [e for e in article.entities if e.type is EntityType.PERSON]
    assert len(people) == 1 and people[0].count == 4
    assert {"Carlineo", "Pat Carlineo"} <= set(people[0].surface_forms)


def test_publisher_prefers_a_known_outlet_among_the_candidates(settings: Settings) -> None:
    body = "Ali Nazari told BBC World News that the rebels held the pass."
    raw = RawDocument(path="t.html", content=f"<html><body><p>{body}</p></body></html>", content_type="html")
    article = Article(id="t", body=body, publisher="Home - World News", url="https://www.reuters.com/world/x",
                      provenance={"publisher": Provenance(source="html-sitename", detail="Home - World News"),
                                  "publisher.url": Provenance(source="json", detail="reuters.com")})
    result = enrich_articles([(raw, article)])[0]
    assert result.publisher == "Reuters" and result.provenance["publisher"].source == "json"
    assert "BBC" in result.cited_sources and "Reuters" not in result.cited_sources


def test_non_english_text_is_not_read_by_the_english_model(settings: Settings) -> None:
    article = enriched("Die Bundesregierung hat am Freitag in Berlin neue Maßnahmen beschlossen, sagte "
                       "Regierungssprecher Steffen Hebestreit. „Wir handeln jetzt“, sagte er.")
    assert article.language == "de"
    assert article.entities == [] and article.quotes == []
    assert article.provenance["entities"].detail == "not analysed: language de"


def test_batch_gives_the_same_result_as_one_by_one(settings: Settings, tmp_path: Path) -> None:
    bodies = ["Hamid Karzai said that the talks would resume.", "“We will win,” Ahmad Massoud said on Friday.",
              "Amrullah Saleh stayed in the Panjshir Valley.\nSaleh denied the reports of his escape.", "No speech here at all."]
    pairs = [(RawDocument(path=f"{i}.txt", content=b, content_type="text"), Article(id=str(i), body=b))
             for i, b in enumerate(bodies)]
    together = enrich_articles(pairs)
    for i, pair in enumerate(pairs):
        use_settings(settings.model_copy(update={"home": tmp_path / str(i)}))  # empty cache: analyse again
        assert enrich_articles([pair])[0].model_dump() == together[i].model_dump()
    assert [[q.speaker for q in a.quotes] for a in together][:2] == [["Hamid Karzai"], ["Ahmad Massoud"]]
    assert together[2].quotes[0].text == "denied the reports of his escape" and together[3].quotes == []


def test_cache_hit_skips_spacy(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    body = "Amrullah Saleh said on Friday that the resistance would continue in the Panjshir Valley."
    first = enriched(body)

    def no_spacy() -> Language:
        raise AssertionError("spaCy must not run on a cache hit")

    monkeypatch.setattr(enrich.nlp, "load_nlp", no_spacy)
    again = enriched(body)
    assert again.model_dump() == first.model_dump()
    with pytest.raises(AssertionError, match="must not run"):
        enriched(body + " He added more.")


def test_cache_hit_gives_the_same_article_as_a_fresh_run(settings: Settings) -> None:
    path = next(SEEDS.glob("003_*.txt"))
    raw = RawDocument(path=str(path), content=path.read_text(), content_type="text")
    fresh = enrich_articles([(raw, clean_document(raw))])[0]
    again = enrich_articles([(raw, clean_document(raw))])[0]
    assert again.model_dump(exclude={"ingested_at"}) == fresh.model_dump(exclude={"ingested_at"})


def test_cache_is_durable_across_processes(settings: Settings) -> None:
    body = "Amrullah Saleh said the resistance would continue."
    raw = RawDocument(path="t.txt", content=body, content_type="text")
    article = Article(id="t", body=body)
    enrich_articles([(raw, article)])
    reopened = EnrichmentCache(settings.cache_dir / "enrich.sqlite")  # as another process would
    key = enrichment_key(raw, article, enrich.enrichment_version())
    assert reopened.get_many([key])[key]["entities"][0]["name"] == "Amrullah Saleh"


def test_same_name_gets_the_same_canonical_form_across_documents(settings: Settings) -> None:
    first = enriched("Fighters of al-Qaeda crossed the border, officials said. Al-Qaeda has not commented.")
    second = enriched("AL-QAEDA claimed the attack in a statement on Friday.")
    third = enriched("Officials blamed Al Qaeda for the attack.")
    per_document = [{e.name for e in a.entities if e.type is EntityType.ORGANIZATION}
                    for a in (first, second, third)]
    assert per_document == [{"Al-Qaeda"}] * 3  # the first document's preferred spelling, everywhere


def _register(path: str, rounds: int) -> list[str]:
    registry = AliasRegistry(Path(path))
    return [registry.canonicalize([(name, Counter({EntityType.ORGANIZATION: 1}))])[0][0]
            for name in ["National Resistance Front", "NATIONAL RESISTANCE FRONT"] * rounds]


def test_registry_is_safe_with_two_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "aliases.sqlite")
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.starmap(_register, [(path, 50), (path, 50)])
    canonical = {name for result in results for name in result}
    assert len(canonical) == 1 and canonical <= {"National Resistance Front", "NATIONAL RESISTANCE FRONT"}
