"""Entities you can trust as facets: one canonical name per entity within and across documents, the right
type, no junk. Real spaCy model, real alias registry (SQLite), real gazetteer files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from spacy.language import Language

from bench.entities import facet_problems
from newsdesk.config import Settings
from newsdesk.enrich import enrich_articles, load_nlp
from newsdesk.enrich.entities import clean_name
from newsdesk.enrich.gazetteer import gazetteer
from newsdesk.enrich.registry import AliasRegistry, Observed
from newsdesk.model import Article, EntityType, RawDocument

PERSON, ORG, LOC = EntityType.PERSON, EntityType.ORGANIZATION, EntityType.LOCATION


@pytest.fixture(scope="module", autouse=True)
def nlp() -> Language:
    return load_nlp()


def enrich(*bodies: str) -> list[Article]:
    """Plain-text articles enriched in one batch."""
    return enrich_articles([(RawDocument(path=f"{i}.txt", content=b, content_type="text"), Article(id=str(i), body=b))
                            for i, b in enumerate(bodies)])


def names(article: Article, entity_type: EntityType) -> set[str]:
    return {e.name for e in article.entities if e.type is entity_type}


def test_country_variants_are_one_place(settings: Settings) -> None:
    first, second = enrich(
        "The U.S. and China met in Geneva. US officials said America would not back down. "
        "The United States wants a deal, Britain said, and the UK agreed.",
        "Officials in the U.S. said on Monday that Kiev had asked for help.")
    assert {"United States", "China", "United Kingdom"} <= names(first, LOC)
    assert not {"U.S.", "US", "America", "Britain", "UK", "U.S"} & names(first, LOC)
    assert {"United States", "Kyiv"} <= names(second, LOC)


def test_short_forms_acronyms_and_legal_names_within_a_document(settings: Settings) -> None:
    (article,) = enrich(
        "Volkswagen unveiled a new electric wagon in Los Angeles. VW said deliveries start next year.\n\n"
        "Fighters of the National Resistance Front (NRF) held the valley, the NRF said.\n\n"
        "The National Rifle Association released the report. The N.R.A. said it would not back down.\n\n"
        "Sierra Nevada Corporation won a contract on Monday. Sierra Nevada said it would hire 200 engineers.\n\n"
        "On behalf of the festival, art historian Koen Kleijn went in search of remarkable stories. In his "
        "stories, Kleijn identifies the connection between art and light.")
    organizations = names(article, ORG)
    assert {"Volkswagen", "National Resistance Front", "National Rifle Association", "Sierra Nevada Corporation"} \
        <= organizations
    assert not {"VW", "NRF", "N.R.A.", "N.r.a.", "Sierra Nevada"} & organizations
    people = names(article, PERSON)
    assert "Koen Kleijn" in people and not {"Kleijn"} & {e.name for e in article.entities}


def test_bare_surname_takes_the_full_name_the_corpus_offers(settings: Settings) -> None:
    first, second, third = enrich(
        "South Dakota Gov. Kristi Noem defended the campaign on Monday.",
        "Noem said the ads were working, and the state would keep them.",
        "Trump said the talks would resume next week.")
    assert "Kristi Noem" in names(first, PERSON)
    assert "Kristi Noem" in names(second, PERSON) and "Noem" not in names(second, PERSON)
    assert names(third, PERSON) == {"Donald Trump"}  # a well-known person of the gazetteer


def test_a_surname_alone_is_the_person_the_text_names_in_full(settings: Settings) -> None:
    """The model misses or mistypes many bare surnames ("Gosling" opening a sentence reads like a word in -ing);
    the text's own full name settles them, so each counts as a mention of that person."""
    (article,) = enrich(
        "Ryan Gosling's new film opens on Friday.\n\n"
        "Gosling, who stars in it, said he was nervous. \"I'm dreaming it all,\" he said.\n\n"
        "Roger Ailes ran Fox News for two decades. Ailes said the network would not change.")
    counts = {e.name: e.count for e in article.entities if e.type is PERSON}
    assert counts == {"Ryan Gosling": 2, "Roger Ailes": 2}


def test_a_surname_alone_is_its_main_bearer_when_the_text_names_one_far_more_often(settings: Settings) -> None:
    ailes, lopez = enrich(
        "Roger Ailes built Fox News. Roger Ailes hired its anchors, and Roger Ailes ran it for two decades. His "
        "wife, Elizabeth Ailes, ran a local newspaper. Ailes said he would stay.",
        "Maria Lopez runs the food bank. A volunteer, Daniel Lopez, drives its van. Lopez said the lines were long.")
    assert names(ailes, PERSON) == {"Roger Ailes", "Elizabeth Ailes"}
    assert names(lopez, PERSON) == {"Maria Lopez", "Daniel Lopez", "Lopez"}  # named as often: either of them


def test_a_surname_alone_is_not_a_relative_the_text_introduces_as_one(settings: Settings) -> None:
    """A bearer written after a kinship noun ("her husband, Frank Fiorina") is someone's relative: the surname alone
    is the other bearer, however often each is named in full; the speakers follow. "Carly Fiorina" after a role word
    is a person, whatever the model tagged."""
    fiorina, lopez = enrich(
        "The auditorium was half-empty when GOP presidential candidate Carly Fiorina strode onstage. Flying home one "
        "night, she vented to her husband, Frank Fiorina, that it would be ugly.\n\n\u201cThe market will hate this "
        "deal,\u201d Fiorina said.",
        "Maria Lopez runs the food bank. Her brother Daniel Lopez drives its van. Lopez said the lines were long.")
    assert names(fiorina, PERSON) == {"Carly Fiorina", "Frank Fiorina"}
    assert [q.speaker for q in fiorina.quotes if q.kind == "direct"] == ["Carly Fiorina"]
    assert names(lopez, PERSON) == {"Maria Lopez", "Daniel Lopez"}


def test_a_surname_alone_is_not_given_to_a_relative_or_a_group_by_default(settings: Settings) -> None:
    kadyrov, gadhafi = enrich(
        "Ramzan Kadyrov rules Chechnya with the Kremlin's blessing. His father, Ahmed Kadyrov, was killed in 2004. "
        "Kadyrov, for his part, seems unfazed.",
        "Moammar Gadhafi spoke on state television on Sunday. Gadhafi said the bombing had killed civilians. "
        "Thousands of pro-Gadhafi supporters gathered in Tripoli, and pro-Gadhafi forces shelled the rebels. A "
        "pro-Gadhafi crowd cheered, and pro-Gadhafi media repeated the claim.")
    assert names(kadyrov, PERSON) == {"Ramzan Kadyrov", "Ahmed Kadyrov"}  # not the father: "his father, …"
    assert names(gadhafi, PERSON) == {"Moammar Gadhafi"}  # the only person of the name, not the "pro-Gadhafi" camp


def test_a_personal_title_makes_a_person_and_postnominals_are_no_part_of_the_name(settings: Settings) -> None:
    (article,) = enrich("Greek finance minister Yanis Varoufakis arrived late. Mr Varoufakis said he hoped for a deal.\n\n"
                        "Professor Sonia Livingstone OBE, of the London School of Economics, studies viewers.")
    assert {"Yanis Varoufakis", "Sonia Livingstone"} <= names(article, PERSON)
    assert not {"Mr Varoufakis", "Varoufakis"} & names(article, ORG) and "Sonia Livingstone OBE" not in names(article, PERSON)


def test_names_the_model_splits_or_misses_are_whole(settings: Settings) -> None:
    """A surname with a particle ("de Léon", "Di Martino") is no full name of its own; a name the model missed is
    found from the surname the text writes after a title; a quoted nickname is no part of the name."""
    (article,) = enrich(
        "Ms. Feinstein has tacked to the left since Kevin de Léon, the president of the California State Senate, "
        "announced his challenge to her in October.\n\nMr. de Léon said Monday that Democrats had made a mistake.\n\n"
        "Asa Hutchinson, a former congressman who led the task force, unveiled the report. Mr. Hutchinson said it "
        "would make schools safer.\n\n"
        "The governor picked former Chief of Staff William \"Mo\" Cowan, who served as chief legal counsel.\n\n"
        "“She was fired up,” said David Di Martino, a longtime operative. Mr. Di Martino says she rose on her own.")
    people = names(article, PERSON)
    assert {"Kevin de Léon", "Asa Hutchinson", "William Cowan", "David Di Martino"} <= people
    assert not {"de Léon", "Hutchinson", "William \"Mo\" Cowan", "Di Martino"} & people


def test_a_double_surname_and_a_sentence_opener_before_a_name(settings: Settings) -> None:
    """"McMorris Rodgers" is the surname of "Cathy McMorris Rodgers", not the other way round; a preposition, a
    heading's capitalised label or a party word glued to a name is no part of it; a name the model missed after a
    title is found though an organisation follows it."""
    (article,) = enrich(
        "\u201cIt is foolishness,\u201d said Rep. Cathy McMorris Rodgers, Washington Republican, on Sunday.\n\n"
        "But Mrs. McMorris Rodgers noted that presidents have negotiated before.\n\n"
        "WATCH Obama speak at the summit on Monday.\n\nThroughout Obama's term the program grew.\n\n"
        "Fellow Tory Ben Bradley said they were not helpful.\n\nHeat was recorded inside hospitals in Chennai by "
        "Prof Vidhya Venugopal of the Sri Ramachandra University. \u201cPeople become dehydrated,\u201d Prof "
        "Venugopal says.")
    people = names(article, PERSON)
    assert people == {"Cathy McMorris Rodgers", "Barack Obama", "Ben Bradley", "Vidhya Venugopal"}
    assert [q.speaker for q in article.quotes if q.kind == "direct"][-1] == "Vidhya Venugopal"


def test_a_given_name_the_model_left_out_a_father_and_a_wrong_way_possessive(settings: Settings) -> None:
    """The model tags only "Wu" of "said Paloma Wu"; "Duncan Hunter Sr." is the father of Duncan Hunter, not a
    spelling of his name; "Trump‘s" (a wrong-way mark) is a possessive; "Congressman" is a title."""
    (article,) = enrich(
        "\u201cThe fear is greater here than in other places,\u201d said Paloma Wu, legal director for the group.\n\n"
        "Rep. Duncan Hunter endorsed him on Wednesday. His father, Duncan Hunter Sr., ran for president in 2008.\n\n"
        "Sandra Paradis, 78, arrived with Bernie Sanders yard signs. Jim Bennett and Sandy Paradis stood in front of "
        "the school.\n\nCritics attacked Donald Trump‘s remarks on Monday. Congressman Sestak said on Friday that Joe Sestak would run.")
    people = names(article, PERSON)
    assert "Sandra Paradis" in people and "Sandy Paradis" not in people  # a nickname of the given name
    assert {"Paloma Wu", "Duncan Hunter", "Duncan Hunter Sr", "Donald Trump", "Joe Sestak"} <= people
    assert not {"Wu", "Donald Trump‘s", "Congressman Sestak"} & people


def test_a_surname_after_titles_of_one_gender_is_not_a_relative_of_the_other(settings: Settings) -> None:
    """"Mr. Trump" beside the text's only full name Ivanka Trump is the surname's well-known bearer; "Mrs. Carver"
    in a batch naming only Bill Carver in full stays as written, in the document and in the corpus registry."""
    trump, carver, bill = enrich(
        "Nikki Haley will leave the post. Mr. Trump said on Tuesday that she had done a fantastic job. Mr. Trump said "
        "his daughter Ivanka Trump would be incredible as her successor. Mr. Trump praised her again.",
        "\u201cWe are fine,\u201d Mrs. Carver said at the rally on Sunday.",
        "Bill Carver met the press on Monday.")
    assert "Donald Trump" in names(trump, PERSON) and "Trump" not in names(trump, PERSON)
    assert names(carver, PERSON) == {"Carver"} and "Bill Carver" in names(bill, PERSON)


def test_a_ship_is_no_person(settings: Settings) -> None:
    (article,) = enrich("MSF officer Alva White reported the birth on Monday from the MV Aquarius, a rescue vessel. "
                        "The crew of HMS Perseus found the wreck.")
    assert names(article, PERSON) == {"Alva White"}
    assert not {"MV Aquarius", "HMS Perseus", "Aquarius", "Perseus"} & {e.name for e in article.entities}


def test_a_surname_opening_a_paragraph_before_a_dash_is_no_dateline(settings: Settings) -> None:
    (article,) = enrich("Irish Prime Minister Brian Cowen resigned as party leader on Saturday.\n\n"
                        "Cowen — deeply unpopular because of the bailout — will stay on until the election.\n\n"
                        "PARIS — France said it would help.")
    assert names(article, PERSON) == {"Brian Cowen"} and "Cowen" not in names(article, LOC)
    assert "Paris" in names(article, LOC)


def test_teams_and_the_cities_they_are_called_by(settings: Settings) -> None:
    (article,) = enrich(
        "The Steelers spent Monday trying to distance themselves from the fight with the Browns. Cleveland DL "
        "Larry Ogunjobi received a one-game suspension, the NFL said. The teams meet again in Pittsburgh "
        "in Week 13.")
    organizations = names(article, ORG)
    assert {"Pittsburgh Steelers", "Cleveland Browns", "National Football League"} <= organizations
    assert "Pittsburgh" in names(article, LOC)  # "in Pittsburgh": the city
    assert not {"Steelers", "Browns", "Cleveland"} & (names(article, PERSON) | names(article, LOC))


def test_people_organisations_and_places_get_their_type(settings: Settings) -> None:
    (article,) = enrich(
        "Kristi Noem's comments drew a mix of criticism and ridicule across Twitter on Monday. Alexander "
        "Vindman testified in Washington. Officials in Kyiv said the city was calm.\n\n"
        "The man was taken to the WoodSpring Suites hotel in Fort Worth, the FBI said.")
    assert "Twitter" in names(article, ORG) and "Twitter" not in names(article, PERSON)
    assert "Alexander Vindman" in names(article, PERSON)
    assert {"Kyiv", "Fort Worth", "Washington, D.C."} <= names(article, LOC)
    assert "Federal Bureau of Investigation" in names(article, ORG)


def test_junk_events_and_products_are_not_facets(settings: Settings) -> None:
    (article,) = enrich(
        "Kristi Noem\nKristi NoemKristi Noem is the governor of South Dakota.\n\n"
        "Argentina topped Group D at the Davis Cup Finals in Madrid on Tuesday, 10 GMT.\n\n"
        "Toyota showed the RAV4 Hybrid, and Nissan updated newer models like the Altima and Maxima. "
        "Apple said the App Store would close for a day.\n\n"
        "READ MORE: Wow, what a week.")
    found = {e.name for e in article.entities if e.type in (PERSON, ORG, LOC)}
    assert not [n for n in found if "NoemKristi" in n]
    assert not {"Group D", "Davis Cup Finals", "GMT", "RAV4 Hybrid", "Altima", "Maxima", "App Store", "Wow",
                "READ MORE"} & found
    assert {"Toyota", "Nissan", "Apple"} <= names(article, ORG) and "Madrid" in names(article, LOC)


def test_glued_name_cards_and_role_phrases_are_cleaned() -> None:
    assert clean_name("Kristi NoemKristi", PERSON) == "Kristi Noem"
    assert clean_name("Ilhan OmarIlhan", PERSON) == "Ilhan Omar"
    assert clean_name("Charles Schumer Chuck SchumerDemocrats", PERSON) == "Charles Schumer"  # a card: name, headline
    assert clean_name("Lindsey Graham Lindsey Olin GrahamGraham", PERSON) == "Lindsey Graham"
    assert clean_name("Obama Saturday", PERSON) == "Obama"  # "President Obama Saturday accused …"
    assert clean_name("Paul D. Ryan", PERSON) == "Paul D. Ryan"
    assert clean_name("Democratic Presidential", ORG) is None  # "(candidate Cory Booker)"
    assert clean_name("Michael McDonald", PERSON) == "Michael McDonald"
    assert clean_name("Founder of Ceres Robotics Inc.", ORG) == "Ceres Robotics Inc"
    assert clean_name("U.S.", LOC) == "U.S."
    assert clean_name("Pokemon Sword OR Shield", PERSON) is None
    assert clean_name("Bleacher Report, Uber Eats", ORG) is None
    assert clean_name("O’Neal—“Shack", PERSON) == "O’Neal"  # a span run on into a title after a dash
    assert clean_name("Jean-Pierre Raffarin", PERSON) == "Jean-Pierre Raffarin"
    assert clean_name("Sonia Livingstone OBE", PERSON) == "Sonia Livingstone"
    assert clean_name("Jane Doe Ph.D.", PERSON) == "Jane Doe"


def test_gazetteer_lookups() -> None:
    g = gazetteer()
    assert g.lookup("U.S.").name == g.lookup("America").name == "United States"
    assert g.lookup("WHO").name == "World Health Organization" and g.lookup("Who") is None
    assert g.lookup("MADRID").name == "Madrid" and g.lookup("VW").name == "Volkswagen"
    assert [t.name for t in g.teams_by_short["steelers"]] == ["Pittsburgh Steelers"]
    assert g.never_entity("GMT") and g.never_entity("Wow") and not g.never_entity("Gmt")
    assert g.product("App Store") and not g.product("Apple")
    assert g.given_name("Jo-Wilfried") and not g.given_name("Noem")


def test_registry_maps_a_surname_only_to_a_single_candidate_and_records_why(tmp_path: Path) -> None:
    registry = AliasRegistry(tmp_path / "aliases.sqlite")
    person = Counter({PERSON: 1})
    registry.canonicalize([Observed("Ahmad Massoud", person)])
    assert registry.canonicalize([Observed("Massoud", person)]) == [("Ahmad Massoud", PERSON)]
    registry.canonicalize([Observed("Ahmad Shah Massoud", person)])
    assert registry.canonicalize([Observed("Massoud", person)]) == [("Massoud", PERSON)]  # two candidates now
    decisions = {key: (target, reason) for key, target, reason in registry.decisions()}
    assert decisions["massoud"][0] is None and "ambiguous" in decisions["massoud"][1]


def test_registry_keys_a_company_without_its_legal_suffix_and_keeps_settled_types(tmp_path: Path) -> None:
    registry = AliasRegistry(tmp_path / "aliases.sqlite")
    assert registry.canonicalize([Observed("Acme Corp.", Counter({ORG: 1}))]) == [("Acme Corp.", ORG)]
    assert registry.canonicalize([Observed("Acme", Counter({ORG: 2}))]) == [("Acme Corp.", ORG)]
    for _ in range(5):  # many documents typing it as a place do not override a settled type
        registry.canonicalize([Observed("Twitter", Counter({LOC: 1}))])
    assert registry.canonicalize([Observed("Twitter", Counter({LOC: 1}), fixed=ORG)]) == [("Twitter", ORG)]
    assert registry.canonicalize([Observed("Twitter", Counter({LOC: 1}))]) == [("Twitter", ORG)]


def test_registry_rebuild_recomputes_decisions_from_recorded_names(tmp_path: Path) -> None:
    registry = AliasRegistry(tmp_path / "aliases.sqlite")
    person = Counter({PERSON: 1})
    registry.canonicalize_batch([[Observed("Saleh", person)], [Observed("Amrullah Saleh", person)]])
    registry.canonicalize([Observed("Zahr", person)])  # no full name yet
    with registry._lock:
        registry.conn.execute("DELETE FROM alias_decision")
    assert registry.rebuild() == 2
    decisions = {key: target for key, target, _ in registry.decisions()}
    assert decisions == {"saleh": "amrullah saleh", "zahr": None}
    reopened = AliasRegistry(tmp_path / "aliases.sqlite")  # durable: another process sees the same
    assert reopened.canonicalize([Observed("Saleh", person)]) == [("Amrullah Saleh", PERSON)]


def test_facet_check_finds_what_the_issue_reported() -> None:
    bad = {"location": Counter({"U.S": 13, "US": 11, "United States": 10, "Altima": 1}),
           "person": Counter({"Donald Trump": 7, "Trump": 5, "Kristi NoemKristi": 1, "Kristi Noem": 3,
                              "RAV4 Hybrid": 1}),
           "organization": Counter({"Twitter": 4})}
    problems = "\n".join(facet_problems(bad))
    for expected in ("'United States' has several values", "'Trump' beside the one full name",
                     "'Kristi NoemKristi' has text glued on", "'Altima' is a product", "'RAV4 Hybrid' is a product"):
        assert expected in problems
    good = {"location": Counter({"United States": 34, "Kyiv": 2}),
            "person": Counter({"Donald Trump": 12, "Michael McDonald": 2, "Kristi Noem": 3}),
            "organization": Counter({"Twitter": 4})}
    assert facet_problems(good) == []


def test_speakers_are_the_canonical_entities_of_the_facets_named_as_each_text_writes_them(settings: Settings) -> None:
    first, second = enrich(
        "South Dakota Gov. Kristi Noem defended the campaign on Monday. “We are on it,” Noem said.",
        "“Meth is a serious problem in South Dakota,” Noem said on Monday.")
    for article, written in ((first, "Kristi Noem"), (second, "Noem")):
        assert "Kristi Noem" in names(article, PERSON)
        assert {(q.speaker, q.speaker_entity) for q in article.quotes if q.kind == "direct"} == {
            (written, "Kristi Noem")}


def test_an_agent_in_charge_is_no_part_of_the_name(settings: Settings) -> None:
    (article,) = enrich("FBI Special Agent in Charge Renn Cannon spoke on Friday. “We do not intend to designate the "
                        "group,” Cannon said.")
    assert "Renn Cannon" in names(article, PERSON)


def test_a_full_name_written_another_way_is_the_well_known_person_and_unisex_names_fit_either_title(
        settings: Settings) -> None:
    """"Rudolph W. Giuliani" is Rudy Giuliani (a nickname, an initial), so "Mr. Giuliani" beside it is one person;
    "Lindsey" is borne by men too, so "Mr. Graham" is Lindsey Graham."""
    (article,) = enrich(
        "Former New York Mayor Rudolph W. Giuliani defended the plan. “It is perfectly legal,” Mr. Giuliani said.\n\n"
        "Sen. Lindsey Graham of South Carolina disagreed. “It will not pass,” Mr. Graham said.")
    assert names(article, PERSON) == {"Rudy Giuliani", "Lindsey Graham"}
    assert {(q.speaker, q.speaker_entity) for q in article.quotes if q.kind == "direct"} == {
        ("Rudolph W. Giuliani", "Rudy Giuliani"), ("Lindsey Graham", "Lindsey Graham")}


def test_a_possessive_span_with_nothing_before_its_apostrophe_is_read_without_failing(nlp: Language) -> None:
    """A span tagged "’s Daily Planet" next to one whose name has no word characters ("–"): the empty owner the
    possessive leaves is not a name to type (it raised IndexError and failed the document)."""
    from spacy.tokens import Span

    from newsdesk.enrich.entities import extract_mentions

    doc = nlp("’s Daily Planet and – said the editor on Monday.")
    dash = next(t.i for t in doc if t.text == "–")
    doc.ents = [Span(doc, 0, 3, "ORG"), Span(doc, dash, dash + 1, "ORG")]
    mentions = extract_mentions(doc, list(doc.ents))
    assert all(m.name for m in mentions)
