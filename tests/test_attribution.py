"""Speaker attribution as news writes it, with the real spaCy model: one case per way of crediting a quote."""

from __future__ import annotations

from datetime import date

import pytest
from spacy.language import Language

from newsdesk.config import Settings, get_settings
from newsdesk.enrich import enrich_articles, load_nlp, speaker_ranker
from newsdesk.enrich.entities import resolve_batch
from newsdesk.enrich.nlp import analyse, parse_stats
from newsdesk.enrich.quotes import ATTRIBUTE, Attributor
from newsdesk.enrich.registry import AliasRegistry
from newsdesk.model import Article, Quote, RawDocument


@pytest.fixture(scope="module", autouse=True)
def nlp() -> Language:
    return load_nlp()


def direct(body: str) -> list[Quote]:
    raw = RawDocument(path="t.txt", content=body, content_type="text")
    article = enrich_articles([(raw, Article(id="t", body=body, published=date(2021, 9, 3)))])[0]
    return [q for q in article.quotes if q.kind == "direct"]


def speakers(body: str) -> dict[str, str | None]:
    """Each quotation's speaker, as the canonical entity (who, whatever form of the name the text uses)."""
    return {q.text: q.speaker_entity for q in direct(body)}


def speakers_by_rules(body: str) -> dict[str, str | None]:
    """Each quotation's speaker (canonical) as the attribution rules alone credit it, before the speaker ranker."""
    doc = analyse([body])[0]
    entities = resolve_batch([doc], AliasRegistry(get_settings().store_path("aliases")))[0]
    attributor = Attributor(doc, entities)
    attributor.attribute_by_rules()
    credited = {q.span.text: speaker_ranker.decide(q.referent, [], ATTRIBUTE, None) for q in attributor.quotes}
    return {text: referent.speaker if referent is not None else None for text, referent in credited.items()}


CASES = [
    ("tag after, pronoun",
     "Maria Lopez runs the food bank in Dayton. “We have never seen lines this long,” she said on Friday.",
     {"We have never seen lines this long": "Maria Lopez"}),
    ("tag after, inverted",
     "The plant closed in May. “Nobody told us anything,” said Daniel Ortega Kim, a welder who worked there "
     "for 20 years.",
     {"Nobody told us anything": "Daniel Ortega Kim"}),
    ("tag before, colon",
     "Senator Elizabeth Warren spoke after the vote. Warren said: “This bill will not pass the Senate.”",
     {"This bill will not pass the Senate.": "Elizabeth Warren"}),
    ("subject with apposition",
     "“The evidence is overwhelming,” Tom Brennan, a lawyer for the families, told reporters on Monday.",
     {"The evidence is overwhelming": "Tom Brennan"}),
    ("title then name after the verb",
     "“Rates will stay high,” says veteran bank analyst Jane Porter.",
     {"Rates will stay high": "Jane Porter"}),
    ("split by an attribution",
     "Angela Merkel spoke in Berlin. “We will keep our promise,” she said, “whatever the cost may be.”",
     {"We will keep our promise": "Angela Merkel", "whatever the cost may be.": "Angela Merkel"}),
    ("continued over paragraphs",
     "“The first year was the hardest,” Carlos Mendes said.\n\n“Then the orders started coming in. We hired ten "
     "people in a month.”",
     {"The first year was the hardest": "Carlos Mendes",
      "Then the orders started coming in. We hired ten people in a month.": "Carlos Mendes"}),
    ("open paragraph continued",
     "Carlos Mendes said: “The first year was the hardest. We nearly closed twice.\n\n“Then the orders started "
     "coming in.”",
     {"The first year was the hardest. We nearly closed twice.": "Carlos Mendes",
      "Then the orders started coming in.": "Carlos Mendes"}),
    ("spokesperson for an organisation",
     "Shares of Acme Corp fell 5%. “We are reviewing the report,” a spokesperson for Acme Corp said.",
     {"We are reviewing the report": "Acme Corp"}),
    ("organisation's spokesman",
     "A Pentagon spokesman said: “The strike hit its intended target.”",
     {"The strike hit its intended target.": "Pentagon"}),
    ("unnamed person",
     "Lines formed before dawn. “I have been here since four,” one resident said.",
     {"I have been here since four": None}),
    ("title resolves to the named person",
     "Gov. Kristi Noem met farmers in Pierre on Monday. Farmers asked about prices. "
     "“We are on your side,” the governor said.",
     {"We are on your side": "Kristi Noem"}),
    ("the speaker, not the person spoken of",
     "Simon Harris praised Mary Lou McDonald. “She did the right thing,” he said.",
     {"She did the right thing": "Simon Harris"}),
    ("pronoun agrees with the only person of that gender",
     "Ms. Aisha Bello met Mr. Peter Olsen in Oslo. Olsen left early. “It was a productive meeting,” she said.",
     {"It was a productive meeting": "Aisha Bello"}),
    ("according to",
     "According to Reuters, “the talks collapsed after midnight,” leaving both sides without a deal.",
     {"the talks collapsed after midnight": "Reuters"}),
    ("tweet with a byline",
     "The minister answered critics online.\n\n“We will publish every contract,” — Rishi Patel.",
     {"We will publish every contract": "Rishi Patel"}),
    ("quote inside a quote",
     "“He looked at me and said ‘go home’, and I did,” said Laura Chen.",
     {"He looked at me and said ‘go home’, and I did": "Laura Chen"}),
    ("lawyer of a person is not that person",
     "Patrick Gray pleaded guilty on Monday. “My client regrets his words,” his lawyer said.",
     {"My client regrets his words": None}),
    ("named lawyer of a person",
     "Patrick Gray pleaded guilty on Monday. “My client regrets his words,” Gray's lawyer, Anne Kowalski, said.",
     {"My client regrets his words": "Anne Kowalski"}),
    ("statement of an organisation",
     "The US military said in a statement that two soldiers died. “The cause of the crash is under "
     "investigation,” the statement said.",
     {"The cause of the crash is under investigation": "US military"}),
    ("partial quote in reported speech",
     "Netanyahu said he was “very moved” by the decision.",
     {"very moved": "Benjamin Netanyahu"}),  # a well-known surname: the gazetteer's full name
    ("name after the verb with a long apposition",
     "“It changes the field,” said Jane Doyle, a professor of physics at the University of Leeds in Leeds, England, "
     "and a member of the team.",
     {"It changes the field": "Jane Doyle"}),
    ("surname after the full name",
     "Dr. Helen Park studies coral reefs off Australia. “The reef is bleaching faster every year,” Park told "
     "The Guardian by phone.",
     {"The reef is bleaching faster every year": "Helen Park"}),
    ("two speakers in one paragraph",
     "Hamid Karzai and Abdullah Abdullah met in Kabul. “We agreed on a plan,” Karzai said. “Nothing was agreed,” "
     "Abdullah said.",
     {"We agreed on a plan": "Hamid Karzai", "Nothing was agreed": "Abdullah Abdullah"}),
    ("sentence ending in a colon introduces the speaker",
     "Coach Mike Tomlin was blunt:\n\n“We did not deserve to win that game.”",
     {"We did not deserve to win that game.": "Mike Tomlin"}),
    ("name and colon before the quote",
     "Reactions came quickly.\n\nBoris Johnson: “We will get Brexit done.”",
     {"We will get Brexit done.": "Boris Johnson"}),
    ("an unnamed description of the person just named",
     "Tom Baker, 43, lost his job in March. “I applied for sixty jobs,” the Ohio native said.",
     {"I applied for sixty jobs": "Tom Baker"}),
    ("speaker of a quote said to a news outlet is not the outlet",
     "“The deal is dead,” Senator Mitch McConnell told the Associated Press.",
     {"The deal is dead": "Mitch McConnell"}),
    ("joint statement names no single speaker",
     "“We are deeply saddened,” Ben Stone and Amy Stone said in a joint statement.",
     {"We are deeply saddened": None}),
    ("reporter's own question",
     "“Did you see the car?” I asked. “Only the lights,” Sarah Kim said.",
     {"Did you see the car?": None, "Only the lights": "Sarah Kim"}),
    ("asked, the person answered",
     "Asked whether he would resign, Finance Minister Rui Costa said: “Not today, not tomorrow.”",
     {"Not today, not tomorrow.": "Rui Costa"}),
    ("as someone put it",
     "The band never sold many records. As the critic Lester Bangs put it, “They were too good for the radio.”",
     {"They were too good for the radio.": "Lester Bangs"}),
    ("has written, after an apposition",
     "“Tariffs are a tax on consumers,” Howard Grant, a senior fellow at the Tax Policy Center, has written.",
     {"Tariffs are a tax on consumers": "Howard Grant"}),
    ("a study by an organisation",
     "A 2019 study by the Centre for Economic Policy Research concluded that “the full cost falls on domestic "
     "buyers.”",
     {"the full cost falls on domestic buyers.": "Centre for Economic Policy Research"}),
    ("a description named in apposition",
     "The company that runs the awards, Dick Clark Productions, denied any deal. “No agreement has been "
     "reached,” they said.",
     {"No agreement has been reached": "Dick Clark Productions"}),
    ("a description with a place in it, named in apposition",
     "“Terrific guy,” Epstein's neighbor in both Florida and New York, Donald Trump, said in the story.",
     {"Terrific guy": "Donald Trump"}),
    ("a description named in apposition by a titled name",
     "The host, National Resources Defense Council board member Nicole Lederer, has said the pipeline “is "
     "against the best interest of our country.”",
     {"is against the best interest of our country.": "Nicole Lederer"}),
    ("a speaker of their own after 'according to'",
     "According to Jane Smith, Governor Tom Wolf once cautioned: “We cannot spend what we do not have.”",
     {"We cannot spend what we do not have.": "Tom Wolf"}),
    ("a verb that characterises the quotation, after the sentence's own speech verb",
     "UiPath recently announced new features, as well as taking automated actions to deliver what UiPath CEO Bob "
     "Enslin calls “one-click digital transformation.”",
     {"one-click digital transformation.": "Bob Enslin"}),
    ("a pronoun after a fronted clause naming someone as a preposition's object",
     "Keir Starmer visited a school in Leeds on Monday and spoke to pupils about the new curriculum.\n\n"
     "Asked again whether he would continue to accept gifts from Lord Alli, he said: “Well, wherever there are "
     "gifts from anyone I’m going to comply with the rules.”",
     {"Well, wherever there are gifts from anyone I’m going to comply with the rules.": "Keir Starmer"}),
    ("a role with a party word, of the one person the text introduced with that role",
     "Indiana Gov. Eric Holcomb said on Friday that he would sign the budget.\n\n“It is a generational impact "
     "budget,” the Republican governor said.",
     {"It is a generational impact budget": "Eric Holcomb"}),
    ("an organisation called by a word of its name",
     "The Storm Prediction Center has outlined a Level 3 risk of severe weather on Saturday.\n\n“The greatest "
     "threat is currently anticipated across parts of the southern Plains,” wrote the center.",
     {"The greatest threat is currently anticipated across parts of the southern Plains": "Storm Prediction Center"}),
    ("a quotation filling the paragraph after one whose long tag names nobody else who speaks",
     "“The Court today takes the extraordinary step of holding the order unconstitutional,” Justice Clarence "
     "Thomas wrote in a 91-page dissent, more than three times as long as Roberts’ majority opinion.\n\n“In doing "
     "so, the Court adds to the sad history of the Fourteenth Amendment.”",
     {"In doing so, the Court adds to the sad history of the Fourteenth Amendment.": "Clarence Thomas"}),
    ("'as X puts it'",
     "Clipboard AI combines the platform with third-party models to — as Bob Enslin puts it — “bring the power of "
     "automation to anyone that has to copy/paste.”",
     {"bring the power of automation to anyone that has to copy/paste.": "Bob Enslin"}),
    ("a hyphenated title in a tag",
     "“We condemn, in the strongest terms, the attack on the journalists,” Reuters Editor-in-Chief Alessandra "
     "Galloni said.",
     {"We condemn, in the strongest terms, the attack on the journalists": "Alessandra Galloni"}),
    ("abbreviated ranks in a tag",
     "“Digital terrorists use negative propaganda and fake news,” Pakistani military spokesperson Lt. Gen. Ahmed "
     "Sharif Chaudhry had said.",
     {"Digital terrorists use negative propaganda and fake news": "Ahmed Sharif Chaudhry"}),
    ("a short phrase of one speaker's quotation taken up by another",
     "“Digital terrorists use negative propaganda and fake news,” army spokesman Ahmed Sharif Chaudhry said.\n\n"
     "In May, Asim Munir highlighted the issue of “negative propaganda” on social media, asserting that it poses "
     "threats.",
     {"negative propaganda": None}),
    ("a pronoun for a person described after an unrecognised organisation's name",
     "However, Transnet pipelines executive Russell Bradbrooke has reservations about the project.\n\n“It’s an "
     "option to transport green hydrogen instead of ammonia,” he said.",
     {"It’s an option to transport green hydrogen instead of ammonia": "Russell Bradbrooke"}),
    ("a person's description naming another person in apposition",
     "Prince Andrew, the younger brother of heir to the British throne, Charles, has told friends that the "
     "interview was “a great success for everyone”.",
     {"a great success for everyone": "Prince Andrew"}),
    ("a quotation that fills the paragraph after one about a person",
     "Kim Lee has coached the team for a decade and won four titles.\n\n“It is the best job in the world.”",
     {"It is the best job in the world.": "Kim Lee"}),
    ("time between subject and verb",
     "U.S. Defense Secretary Mark Esper on Wednesday said: “We will not accept attempts to bully smaller nations.”",
     {"We will not accept attempts to bully smaller nations.": "Mark Esper"}),
    ("a statement read",
     "“We regret the error and have corrected it,” read a statement from the Daily Mirror.",
     {"We regret the error and have corrected it": "Daily Mirror"}),
    ("according to a statement from an organisation",
     "“Both men are recovering well,” according to a statement from the State Department.",
     {"Both men are recovering well": "State Department"}),
    ("nobody named",
     "“Stay inside your homes,” the sign read.",
     {"Stay inside your homes": None}),
    # round 2: categories of errors on pages the first rules had not seen
    ("a full stop inside the marks ends the sentence: what follows is no tag",
     "Officials said the convoy was “carrying weapons and fighters.” Israel has denied targeting convoys.",
     {"carrying weapons and fighters.": None}),
    ("a nationality's institution",
     "The Turkish army said the convoy was “carrying weapons and fighters.”",
     {"carrying weapons and fighters.": "Turkish army"}),
    ("continued in the paragraph after a long tag about the speaker",
     "“It is just steadily increasing,” said Lena Fischer, a remote sensing expert who has been studying the "
     "imagery since the war began. “There is broad damage in areas where people live.”",
     {"It is just steadily increasing": "Lena Fischer",
      "There is broad damage in areas where people live.": "Lena Fischer"}),
    ("a document that is not its author's statement speaks for nobody",
     "Prosecutor Joshua Levy said the case was still open. The websites advertised “private models for photo "
     "shoots,” the affidavit stated.",
     {"private models for photo shoots": None}),
    ("subject after a fronted participle phrase",
     "Turning to the budget, Mayor Ana Ruiz offered a warning.\n\n“We cannot pay for all of this.”",
     {"We cannot pay for all of this.": "Ana Ruiz"}),
    ("a fronted subordinate clause's verb is not the sentence's",
     "If Mark Dunn actually read it, Ellen Ward would have been surprised, telling reporters, “I doubt he read "
     "past page one.”",
     {"I doubt he read past page one.": "Ellen Ward"}),
    ("less common speech verbs",
     "Paul Carver worked on the book for a year. He confided to his journal, “The book will sell if the hero is "
     "likeable.”",
     {"The book will sell if the hero is likeable.": "Paul Carver"}),
    ("a reported speaker introducing the quotation is its speaker",
     "Jim Boyd said his doctor told him, “you need to stop playing.”",
     {"you need to stop playing.": None}),
    ("a speaker reported telling someone that, inside another's words",
     "Laura Hines spoke at the rally on Saturday. Hines noted that Senator Mark Ellison told a radio host in an "
     "interview on Friday that “we are running out of time” before the vote.",
     {"we are running out of time": "Mark Ellison"}),
    ("a characterising verb a few words before the quotation, inside another's words",
     "Ann Marsh spoke on Tuesday. The Journal notes that Marsh tweeted that Paul Dean should resign, and Dean later "
     "called Marsh “very weak on spending.”",
     {"very weak on spending.": "Paul Dean"}),
    ("a participle that introduces the quotation",
     "Jane Smith recalled her father telling her, “Never give up.”",
     {"Never give up.": None}),
    ("a question, then the answer's speaker introduced with a colon",
     "Prosecutor Danielle Sassoon asked, “Did you lie to investors?” Sam Bankman-Fried replied: “Not once.”",
     {"Did you lie to investors?": "Danielle Sassoon", "Not once.": "Sam Bankman-Fried"}),
    ("a quotation in capitals is shouted, not a title",
     "“WE ARE NOT GOING ANYWHERE,” Donald Trump wrote on Truth Social.",
     {"WE ARE NOT GOING ANYWHERE": "Donald Trump"}),
    ("a short question with its tag after it",
     "“Will you rebuild?” Maria Gomez asked.",
     {"Will you rebuild?": "Maria Gomez"}),
    ("an institution by the one organisation whose name has it",
     "The Austin Police Department arrested two men. “The suspects fled on foot,” police said.",
     {"The suspects fled on foot": "Austin Police Department"}),
    ("a gendered description of the person the text is about",
     "Sara Lee, 29, lost her home in the fire. “I have nothing left,” the mother of three said.",
     {"I have nothing left": "Sara Lee"}),
    ("a pronoun takes the person whose given name agrees",
     "Tom Hill and his wife, Ann Hill, run a bakery. “We start at four every morning,” she said.",
     {"We start at four every morning": "Ann Hill"}),
    ("a given name outweighs a pronoun that follows the person",
     "Rep. Alexandria Ocasio-Cortez criticized the bill. Speaker Kevin McCarthy defended it on Tuesday. “This is a "
     "giveaway to the rich,” she said.",
     {"This is a giveaway to the rich": "Alexandria Ocasio-Cortez"}),
    ("a document's maker in its apposition",
     "The report, released by the World Bank on Monday, warned that “growth will slow sharply next year.”",
     {"growth will slow sharply next year.": "World Bank"}),
    ("a document's maker where the text introduced it",
     "Analysts at Kotak Institutional Equities published a report on Monday. Demand is weak. “Margins will "
     "shrink further,” the report said.",
     {"Margins will shrink further": "Kotak Institutional Equities"}),
    ("a role the text gave someone else is not the person in focus",
     "Mark Dunn was charged on Monday. A lawyer for his family said the charges were unfair. “They have no case,” "
     "the lawyer said.",
     {"They have no case": None}),
    ("a person's name then 'of' an organisation is the person",
     "Analysts were less impressed. “Growth is slowing in China,” said Dan Ives of Wedbush Securities.",
     {"Growth is slowing in China": "Dan Ives"}),
    ("a quotation paragraph after a paragraph that names nobody goes on from the last speaker",
     "“We will fight this in court,” Mayor Lisa Grant said.\n\nThe plan, announced in May, has drawn criticism "
     "from residents.\n\n“This is not over.”",
     {"This is not over.": "Lisa Grant"}),
    ("a colon far from its clause's subject introduces nobody",
     "Anna Berg became famous across the country last year, with newspapers printing the visions of her late "
     "father: “We will all be free one day.”",
     {"We will all be free one day.": None}),
    # round 3: categories of the remaining errors on all pages
    ("a word of a name is no speech verb",
     "Two United States diplomats were expelled on Friday, the US Navy said in a statement.\n\n“Both officers "
     "have left the country,” the statement said.",
     {"Both officers have left the country": "US Navy"}),
    ("a number before a name modifies it",
     "Nadia Petrova won in three sets. “I am not finished with this sport,” the 14th-ranked Petrova said.",
     {"I am not finished with this sport": "Nadia Petrova"}),
    ("a document with a year, by its maker",
     "According to a 2022 survey by the Pew Research Center, most adults “get at least some news from social "
     "media.”",
     {"get at least some news from social media.": "Pew Research Center"}),
    ("a surname that is a role word names the person",
     "Media analyst Ken Doctor has tracked newspaper sales for years. “Local news is running out of time,” says "
     "Doctor.",
     {"Local news is running out of time": "Ken Doctor"}),
    ("continued after a tag naming the speaker's university and city",
     "“The ice is thinning faster than the models said,” said Ravi Menon, a glaciologist at the University of "
     "Bergen in Norway. “We have to revise every forecast.”",
     {"The ice is thinning faster than the models said": "Ravi Menon",
      "We have to revise every forecast.": "Ravi Menon"}),
    ("a pronoun long after its person in focus goes to the one person named since",
     "Mayor Clara Voss opened the new bridge on Monday. The bridge cost $40 million. It took four years to build. "
     "Traffic is expected to ease. Buses will use it from May. Cyclists get a separate lane.\n\nThe first to "
     "cross was Irene Duval, who has lived by the river for 60 years. “I never thought I would see this day,” "
     "she said.",
     {"I never thought I would see this day": "Irene Duval"}),
    ("a pronoun long after its person in focus, with someone else named only as an object, names nobody",
     "Mayor Clara Voss opened the new bridge on Monday. The bridge cost $40 million. It took four years to build. "
     "Traffic is expected to ease. Buses will use it from May. Cyclists get a separate lane.\n\nThe ribbon was "
     "handed to Irene Duval by a child. “I never thought I would see this day,” she said.",
     {"I never thought I would see this day": None}),
    ("a fronted 'as' clause speaks where the main clause has no speech verb",
     "As the economist Ruth Adler wrote on her blog last week, “Inflation is a policy choice.”",
     {"Inflation is a policy choice.": "Ruth Adler"}),
    ("a fronted 'as' clause yields to the main clause's speech verb",
     "As we reported on Monday, a 2023 study by the World Health Organization concluded that “air pollution "
     "shortens lives everywhere.”",
     {"air pollution shortens lives everywhere.": "World Health Organization"}),
    ("they: the organisation that was the subject after the person in focus",
     "Singer Lena Park accused her label, Northwind Records, of blocking the release. Northwind Records have denied "
     "any wrongdoing.\n\n“We have never stood in her way,” they said in a statement.",
     {"We have never stood in her way": "Northwind Records"}),
    ("a speech noun from someone credits them",
     "The crackdown followed orders from President Omar Farouk to “restore calm at any cost.”",
     {"restore calm at any cost.": "Omar Farouk"}),
    ("according to a relative named in apposition",
     "According to his aunt, Mary Collins, “he was reading novels at the age of four.”",
     {"he was reading novels at the age of four.": "Mary Collins"}),
    ("a straight mark between spaces opens a quotation",
     'Martin Webb described his recovery. "The first month was the worst," Webb wrote. " After that I slept '
     'through the night."',
     {"The first month was the worst": "Martin Webb", "After that I slept through the night.": "Martin Webb"}),
    ("the antecedent of 'who' speaks",
     "The plan was attacked by Transport Secretary Helen Ward, who called it “a tax on commuters.”",
     {"a tax on commuters.": "Helen Ward"}),
    ("a pronoun picks the one of a pair whose gender the text fixes",
     "Robert Lang and Maria Silva opened the clinic in 2015. “We never turned a patient away,” she said.",
     {"We never turned a patient away": "Maria Silva"}),
    ("a pronoun after a pair does not pick someone named after it",
     "Robert Lang and Maria Silva opened the clinic in 2015. They hired a nurse, Anna Roth. “We never turned a "
     "patient away,” she said.",
     {"We never turned a patient away": None}),
    ("a closing participle speaks for the main clause's subject, not for the clause it follows",
     "Over the weekend, Lucia Moreno denied that Pavel was hiding from the police, saying instead he was “on a "
     "long fishing trip.”",
     {"on a long fishing trip.": "Lucia Moreno"}),
    ("a closing participle of a pair names neither",
     "Sara Ito and her brother Ken Ito agreed to talk. During the interview, Sara and Ken disputed that Pavel was "
     "estranged from them, saying instead he was “shy by nature.”",
     {"shy by nature.": None}),
    ("a person named only as a verb's object is no pronoun's antecedent",
     "The novel took a decade. On March 3, 2004, he emailed Gaiman about the ending. “I cannot make the villain "
     "likeable,” he wrote.",
     {"I cannot make the villain likeable": None}),
    ("a fronted date with commas before the subject",
     "Ellen Cho chairs the committee. On March 3, 2004, she wrote to the minister. “We need an answer this week,” "
     "she wrote.",
     {"We need an answer this week": "Ellen Cho"}),
    ("a short quotation going on from the one before it in its paragraph",
     "“It was never about the money,” Dana Wolfe told the Times. “It’s about trust.”",
     {"It was never about the money": "Dana Wolfe", "It’s about trust.": "Dana Wolfe"}),
    ("an industry word for a company",
     "Volvo said on Monday it would cut 3,000 jobs. “The market has changed for good,” the carmaker said.",
     {"The market has changed for good": "Volvo"}),
    ("an object pronoun is not the subject's gender",
     "Margaret Hamilton worked for Edward Lorenz. Lorenz gave her a manual. “He carried a lot in his head,” she "
     "said.",
     {"He carried a lot in his head": "Margaret Hamilton"}),
    ("a date opening the sentence is no speaker",
     "President Kim Dae-ho spoke on television. Earlier Saturday, Kim apologized for the order, saying it "
     "“stemmed from the urgency” he felt.",
     {"stemmed from the urgency": "Kim Dae-ho"}),
    ("a name the model cut short is the whole name",
     "The only way for President Yoon Suk Yeol to mean his apology is to resign now. “I will not evade the "
     "responsibility,” Yoon said.",
     {"I will not evade the responsibility": "Yoon Suk Yeol"}),
    ("one of two surnames alone",
     "“Mekhi is tired all the time,” said Camille Etienne Gbedey, their mother. The family hopes for help. “Maybe "
     "there's a doctor out there,” Etienne said.",
     {"Maybe there's a doctor out there": "Camille Etienne Gbedey"}),
    ("a partial quotation later in the paragraph of a speaker's quotation, nobody else named",
     "Andrew Vaughan studies tuft cells. “You may not always want to have the ability to overreact,” he said. "
     "That could be part of what goes wrong in allergies and asthma: there could be dangers “if you have too many "
     "of these cells.”",
     {"if you have too many of these cells.": "Andrew Vaughan"}),
    ("a quotation split by one attribution goes on with its speaker",
     "Stuart Kaplan runs a card company. “We have prevailed because we have devoted all of our attention to tarot "
     "cards,” Kaplan says. “If I see a deck on sale on eBay,” Kaplan, also an avid collector of games, rare tarot "
     "cards, and books says, “and it’s $100 or something, that upsets me.”",
     {"and it’s $100 or something, that upsets me.": "Stuart Kaplan"}),
    ("after a finished quotation, another person's words in the next sentence are not its speaker's",
     "Stuart Kaplan founded the company in 1968. “It is a good year,” Kaplan said. His father told him that “the "
     "only way to live is to work.”",
     {"It is a good year": "Stuart Kaplan", "the only way to live is to work.": None}),
    ("a long clause summing up before a colon",
     "Ellen Ruiz runs the fishery. Ruiz summed up the journey from a wooden fishing boat in the Bering Sea to the "
     "fish counter of a store owned by a company that has redefined buying: “It’s old school meets new school.”",
     {"It’s old school meets new school.": "Ellen Ruiz"}),
    ("the source 'according to' names is whom the text is about next",
     "ISD spokesman Tahir Della spoke to DW. Historians argued that the German Reich was benevolent.\n\nThis, "
     "according to Della, does nothing to diminish Germany's crimes. “We just have to look at who committed the "
     "first genocide,” he said.",
     {"We just have to look at who committed the first genocide": "Tahir Della"}),
    ("a quotation its own clause introduces is not the previous speaker's",
     "Edward Lorenz was a meteorologist. Many accounts date the discovery to 1961. But in November 1960, Lorenz "
     "described it during the Q&A session following a talk he gave at a conference in Tokyo. After his talk, a "
     "question came from a member of the audience: “Did you change the initial condition just slightly and see "
     "how much different results were?”",
     {"Did you change the initial condition just slightly and see how much different results were?": None}),
    ("a quotation an unnamed writer's verb introduces is not the previous speaker's",
     "Vanessa Hicks, a veteran herself, said her intention was to honor the flag. “This is what he was fighting "
     "for,” Hicks told ABC News. However, when she posted the image on her page, she started to get comments. On "
     "one Facebook page an unidentified poster put up her picture writing and wrote they found it was "
     "“disrespectful, rude, tacky, disgusting, and against the U.S. Flag Code.”",
     {"This is what he was fighting for": "Vanessa Hicks",
      "disrespectful, rude, tacky, disgusting, and against the U.S. Flag Code.": None}),
    ("a hyphenated word before the title",
     "\"I thought a lot before writing this post,\" Pakistan-based developer Ammar Askar wrote in a blog post.",
     {"I thought a lot before writing this post": "Ammar Askar"}),
    ("a tag without its speech verb",
     "“The public’s engagement has been quite amazing,” Mark McCaughrean, senior science advisor for ESA. “There’s "
     "nobody eating sandwiches on Rosetta.”",
     {"The public’s engagement has been quite amazing": "Mark McCaughrean",
      "There’s nobody eating sandwiches on Rosetta.": "Mark McCaughrean"}),
    ("a speech verb in the present tense",
     "Ralf Groene leads design at Microsoft. \"We need to do something crazy,\" jokes Groene.",
     {"We need to do something crazy": "Ralf Groene"}),
    ("a person's name modifying a noun in the tag names nobody else",
     "\"It’s a curious place to start,\" said Phillip Carter, a former Army officer and Obama administration "
     "adviser who directs a program at the Center for a New American Security. \"By signaling that he will "
     "disclaim it, I think it signals there are no sacred cows.\"",
     {"By signaling that he will disclaim it, I think it signals there are no sacred cows.": "Phillip Carter"}),
    ("a quotation whose opening mark was lost",
     "Ralf Groene leads design at Microsoft.\n\nIt's a different brand, different choices,\" says Groene. "
     "\"We come from the neighborhood of productivity.\"",
     {"It's a different brand, different choices": "Ralf Groene",
      "We come from the neighborhood of productivity.": "Ralf Groene"}),
    ("a lower-case description before a name in a clause",
     "\"Buyers are waiting,\" CREA's chief economist Shaun Cathcart said in a release.\n\nThat's the case in many "
     "markets, including Brampton, Ont., where realtor Shaun Ghulam said he's noticed an interesting "
     "dichotomy.\n\n\"Lease prices are ridiculous now,\" he said in an interview.",
     {"Buyers are waiting": "Shaun Cathcart", "Lease prices are ridiculous now": "Shaun Ghulam"}),
    ("a company by the first word of its name",
     "O'Hare is a hub for both American Airlines and United Airlines. Both airlines said they prepped for the "
     "strike.\n\nUnited said it is \"taking the necessary steps to ensure a safe and on-time operation.\"",
     {"taking the necessary steps to ensure a safe and on-time operation.": "United Airlines"}),
    ("a quotation later in its speaker's paragraph, nobody else named between",
     "“There is a tradition of us getting funding with crappy prototypes,” admits Ralf Groene, Microsoft's head of "
     "design. Those prototypes include the original concept, an acrylic sheet with a string attached. Microsoft "
     "started with the concept of propping up a tablet on a table. “In those prototypes, the idea is pure.”",
     {"In those prototypes, the idea is pure.": "Ralf Groene"}),
    ("the main clause's speaker introduces the next paragraph's quotation, not a fronted clause's",
     "Donald Trump skipped briefings. When Fox News’ Chris Wallace asked the Republican about his disinterest in "
     "receiving classified information, Trump said the following.\n\n“Well, I get it when I need it. I don’t have "
     "to be told the same thing every day.”",
     {"Well, I get it when I need it. I don’t have to be told the same thing every day.": "Donald Trump"}),
    ("a capitalised role the text also writes in lower case is no given name",
     "In Brampton, realtor Shaun Ghulam has seen prices fall for months.\n\n\"If it's been listed for four or five "
     "times, you know the seller is not serious,\" Realtor Ghulam said.",
     {"If it's been listed for four or five times, you know the seller is not serious": "Shaun Ghulam"}),
    ("a person named by first name only",
     "Trump voters on campus see themselves as rebels.\n\n“It’s the new counterculture,” said Jared, an "
     "undergraduate who wore a suit and tie to a recent meeting of the College Republicans.",
     {"It’s the new counterculture": "Jared"}),
    ("words in the first person quoted in a sentence about one person",
     "Ryan Gosling stars in La La Land.\n\nWorking on La La Land allowed Gosling to “do some of the styles of "
     "dance I wish I had spent time on when I was a kid.”",
     {"do some of the styles of dance I wish I had spent time on when I was a kid.": "Ryan Gosling"}),
    ("words in the first person quoted in a sentence about two people name neither",
     "Ryan Gosling and Emma Stone star in La La Land.\n\nWorking with Stone allowed Gosling to “do some of the "
     "styles of dance I wish I had spent time on.”",
     {"do some of the styles of dance I wish I had spent time on.": None}),
    ("one member of a group is someone unnamed, not the group",
     "Insiders were asked about the debate.\n\nA Colorado Democrat said the debate is likely to be as exciting "
     "“as watching paint dry.” One Nevada Democrat asked simply, “Who cares?”\n\n“Honestly, this should be one "
     "of the better duels,” an Iowa Republican said.",
     {"as watching paint dry.": None, "Who cares?": None, "Honestly, this should be one of the better duels": None}),
    ("an indefinite description with a company's name is someone unnamed",
     "Fox News faced claims for months. “When you have an organization making that much money, we didn’t go "
     "looking,” a former News Corp. executive said.",
     {"When you have an organization making that much money, we didn’t go looking": None}),
    ("a newsletter's credit line after a heading in capitals",
     "Markets fell on Monday.\n\nCORPORATE PROFITS — WSJ’s Theo Francis: “Many big U.S. businesses say they have "
     "been able to increase prices this year.”",
     {"Many big U.S. businesses say they have been able to increase prices this year.": "Theo Francis"}),
    ("a heading in capitals is no speaker",
     "Markets fell on Monday.\n\nCHINA CHIPS — “The new restrictions on technology exports to China will hurt,” "
     "one trader warned.",
     {"The new restrictions on technology exports to China will hurt": None}),
    ("a party word before a name is no member of it",
     "“We will win,” said Democrat Nancy Pelosi. “We will not stop,” Pelosi said.",
     {"We will win": "Nancy Pelosi", "We will not stop": "Nancy Pelosi"}),
    ("a given name that is also a word is still a given name",
     "Cowboys scout Will McClay found him. \"He knows how to handle his dad,\" McClay said. We will see.",
     {"He knows how to handle his dad": "Will McClay"}),
    ("a surname two people of the text share names neither",
     "Hori Parata leads the iwi; his son Robert Parata runs the boat. “These days it is like a zoo,” Parata said.",
     {"These days it is like a zoo": None}),
    ("a document's co-author named after the verb",
     "“The effect faded after a year,” said study co-author Dr. Maya Lindqvist.",
     {"The effect faded after a year": "Maya Lindqvist"}),
    ("a quotation goes on after a tag whose description names someone else",
     "“He has always been very receptive to ideas,” said Sean Spicer, a top official at the Republican National "
     "Committee and an adviser to Trump. “That’s what I think people have gotten wrong.”",
     {"He has always been very receptive to ideas": "Sean Spicer",
      "That’s what I think people have gotten wrong.": "Sean Spicer"}),
    ("a tag naming someone no rule resolves is not the speaker before",
     "“He will be the first American president with a pro-gay-rights stance,” investment banker Anthony Scaramucci "
     "said on the BBC.\n\n“Incorrect. He will not be performing,” Elton John's publicist retorted.",
     {"He will be the first American president with a pro-gay-rights stance": "Anthony Scaramucci",
      "Incorrect. He will not be performing": None}),
    ("a closing mark glued to the speaker's name",
     "Stuart R. Kaplan founded U.S. Games Systems in 1968. By the mid-1970s, tarot was popular, and almost every "
     "deck came from his company. “We have prevailed because we have devoted all of our attention to tarot "
     "cards,”Kaplan says. “Companies come and go.”",
     {"We have prevailed because we have devoted all of our attention to tarot cards": "Stuart R. Kaplan",
      "Companies come and go.": "Stuart R. Kaplan"}),
    ("a speaker's affiliation between the name and the verb",
     "Scientists are warning that visitors could bring pathogens. “Penguins are highly susceptible to infectious "
     "diseases,” Wray Grimaldi of the University of Otago in Dunedin, New Zealand, said to New Scientist.",
     {"Penguins are highly susceptible to infectious diseases": "Wray Grimaldi"}),
    ("an adverb between a speaker's affiliation and the verb",
     "Robert Mueller testified on Wednesday.\n\n“There are some decisions that are bigger than politics,” Sen. "
     "Elizabeth Warren of Massachusetts recently said.",
     {"There are some decisions that are bigger than politics": "Elizabeth Warren"}),
    ("a tag after a one-word answer introduces the quotation after it",
     "Matiullah Matie runs a chain of shops in Kabul. A retailer complains that no one buys.\n\n“Sure,” Matie "
     "says. “Make some chicken for lunch once we drive back from the market.”",
     {"Make some chicken for lunch once we drive back from the market.": "Matiullah Matie"}),
    ("a party member with 'the' is the person just named",
     "Mateen called on the Taliban to join the peace talks. Mateen once had “a brief and inconsequential meeting” "
     "with Rep. Ed Royce, the chairman of the House Foreign Affairs Committee, the California Republican said.",
     {"a brief and inconsequential meeting": "Ed Royce"}),
    ("a pronoun after a spokesperson for an institution",
     "Hundreds of workers are striking at the airport. Uber drivers and home care aides will also walk out on "
     "Tuesday.\n\nThe striking workers aren't aiming to disrupt travel, a spokeswoman for the Service Employees International "
     "Union said at a press conference last week.\n\n\"They do want to gain public support,\" she said.",
     {"They do want to gain public support": "Service Employees International Union"}),
    ("a surname the model tagged as a date",
     "Senior Executives Association President Bill Valdez said the questionnaire only increases the nervousness."
     "\n\n\"I can't recall that I've ever seen anything like this,\" said Valdez, who worked at Energy for 20 years.",
     {"I can't recall that I've ever seen anything like this": "Bill Valdez"}),
    ("another member of a group, with a lower-case word between",
     "Tim Kaine faced Mike Pence on Tuesday.\n\n“I have known Tim Kaine for many years,” added another "
     "commonwealth Democrat, “and he is motivating and influential.”",
     {"I have known Tim Kaine for many years": None, "and he is motivating and influential.": None}),
    ("speech verbs of tags: confesses, inquired",
     "Michael Levin runs a lab at Tufts University. Over the past few years he has let philosophy into his papers."
     "\n\n“It's been sort of a slow rollout,” he confesses.\n\nReporter Nina Pineda spoke to the source at length."
     "\n\n\"That's a big allegation,\" inquired Pineda.",
     {"It's been sort of a slow rollout": "Michael Levin", "That's a big allegation": "Nina Pineda"}),
    ("a tag closing the sentence after more words, its subject after the verb",
     "Dr. Luigi Fontana studies fasting at the University of Sydney.\n\nStill, if fasting leads to “chronic "
     "under-fueling, sleep disruption or excessive stress,” in either sex, it should be modified or discontinued, says "
     "Fontana.\n\nHiring managers say they now need \"two skilled engineers and one of these agents,\" which can be "
     "just as productive, said Nenad Medvidovic, a professor at the University of Southern California.",
     {"chronic under-fueling, sleep disruption or excessive stress": "Luigi Fontana",
      "two skilled engineers and one of these agents": "Nenad Medvidovic"}),
    ("a report speaks for its maker, named where the text introduced it",
     "A new report released on Monday by the Urban Institute looks at rents in 40 cities.\n\nThe report assessed "
     "wages, prices and vacancies.\n\nAs the report states: \"Rents have outpaced wages in every city we studied.\"",
     {"Rents have outpaced wages in every city we studied.": "Urban Institute"}),
    ("a tag's description that places someone is a person the text does not name",
     "President Barack Obama has insisted that Gadhafi must leave.\n\nThe storming of Zawiya began with a surprise "
     "dawn attack by government forces firing mortar shells.\n\n\"The number of people killed is so big,\" the rebel "
     "in Zawiya said, speaking on condition of anonymity.",
     {"The number of people killed is so big": None}),
    ("one of many unnamed officials is nobody; a title makes a person of a name the model took for a company",
     "Dutch minister Jeroen Dijsselbloem said talks would go on. Greek finance minister Yanis Varoufakis arrived "
     "late.\n\nArriving for the meeting, Mr Varoufakis said he hoped there would be a deal on Friday.\n\n\"The Greek "
     "government has not just gone the extra mile,\" he said.\n\nOne Greek government official described the call "
     "as \"constructive\", adding: \"The conversation was held in a positive climate.\"",
     {"The Greek government has not just gone the extra mile": "Yanis Varoufakis",
      "The conversation was held in a positive climate.": None}),
    ("two quotations joined by 'and' share the tag after the second",
     "British banking jobs fell 8 percent, the lobby group said on Friday.\n\n“We have now reached a watershed "
     "moment in Britain’s competitiveness” and “many international banks have been moving jobs overseas,” BBA Chief "
     "Executive Officer Anthony Browne said.",
     {"We have now reached a watershed moment in Britain’s competitiveness": "Anthony Browne",
      "many international banks have been moving jobs overseas": "Anthony Browne"}),
    ("a place and a description before the name ('New York gallery owner James Lally of J.J. Lally & Co. told')",
     "A prominent expert has expressed doubts about a Chinese vase sold last month in London.\n\n“I’ve seen the vase "
     "itself,” New York gallery owner James Lally of J.J. Lally & Co. told CNBC.",
     {"I’ve seen the vase itself": "James Lally"}),
    ("a paper reports what an unnamed source said",
     "Thomas Eric Duncan flew from Monrovia to Dallas.\n\nThe Daily Observer newspaper in Monrovia reported that a "
     "source close to Duncan said that he \"did not leave Liberia sick,\" but that he may have met people who were.",
     {"did not leave Liberia sick": None}),
    ("a surname alone, shared with a relative the text names once",
     "Roger Ailes built Fox News. Roger Ailes hired its anchors, and Roger Ailes ran it for two decades. His wife, "
     "Elizabeth Ailes, ran a local newspaper.\n\n“It was an unfair question,” Ailes told a Fox anchor.",
     {"It was an unfair question": "Roger Ailes"}),
    ("a description, an abbreviated rank, then the name ('academy commandant Col. Ruth Ames told')",
     "The academy reopened on Monday.\n\n“We never trained anyone to do that,” Westfield Academy commandant Col. "
     "Ruth Ames told a news conference.",
     {"We never trained anyone to do that": "Ruth Ames"}),
    ("a name whose apposition lacks its closing comma ('X, spokesman for Y said')",
     "Floods cut the roads to the coast.\n\n“Clean water is the first need now,” Lars Egede, spokesman for the "
     "Nordic Relief Council said.",
     {"Clean water is the first need now": "Lars Egede"}),
    ("a title before the name in the apposition after 'said' and a description ('said the top Democrat, Rep. X')",
     "The committee released its findings on Tuesday.\n\n“We all suspected the scheme for years,” said the "
     "committee’s top Democrat, Rep. Alan Brody of Oregon. “But the scale of it is astonishing.”",
     {"We all suspected the scheme for years": "Alan Brody", "But the scale of it is astonishing.": "Alan Brody"}),
    ("the organisation of a spokesperson, not the place after 'in'",
     "Aid groups warned of disease in the camps. A UNICEF spokesperson in Nairobi said the risk was high.\n\n“We "
     "have to bring clean water to the displaced families first,” she said.",
     {"We have to bring clean water to the displaced families first": "UNICEF"}),
    ("a passive verb calling its subject something: nobody named says it, or its agent",
     "Mayor Tom Reyes, after announcing his retirement, was praised on Monday as a “tireless builder” of the city.\n\n"
     "The budget plan was described by council members as “a serious mistake for the next decade.”",
     {"tireless builder": None, "a serious mistake for the next decade.": None}),
    ("a passive verb inside a speaker's own sentence leaves the quotation theirs",
     "Maria Okafor, the agency’s director, spoke on Friday.\n\nOkafor said the report should be published “within "
     "weeks” and the rules would be tightened.",
     {"within weeks": "Maria Okafor"}),
    ("a medium reports someone as saying something",
     "The Arctic Council met in Oslo last week.\n\nThe Nordic Times reported the council as saying that the ice had "
     "“retreated faster than any model predicted.”",
     {"retreated faster than any model predicted.": "Arctic Council"}),
    ("a document a possessor made, with words describing it ('Powell's resignation letter')",
     "Helen Marsh’s resignation letter to chairman Paul Avery was dated Friday. Avery, who has led the board since "
     "2019, accepted it.\n\n“Now that the merger is done,” the letter reads, “the time has come for me to step "
     "aside.”",
     {"Now that the merger is done": "Helen Marsh", "the time has come for me to step aside.": "Helen Marsh"}),
    ("one of a group, unnamed, in the tag: not the paper that reported before",
     "Many drowned when the wave hit the beach, the Coastal Herald reported.\n\n“I tried to pull her out of the "
     "water, but I could not hold on,” one of the fishermen recalled. “The current was too strong for both of us.”",
     {"I tried to pull her out of the water, but I could not hold on": None}),
    ("an unnamed official speaks to a newspaper: the newspaper is not the speaker",
     "The Harbour Gazette reported that supplies were short across the islands.\n\nOn one island, the surge killed "
     "half the villagers.\n\n“Every family here has lost someone,” a police official told the Harbour Gazette.",
     {"Every family here has lost someone": None}),
    ("'the official' after 'a senior Treasury Department official', not the minister the text is about",
     "Secretary Dana Whitfield resigned on Monday, and the president accepted her resignation.\n\nBut a senior "
     "Treasury Department official described the departure this way: “She was not asked to stay.”\n\n“That was "
     "never on the table,” the senior official said.",
     {"She was not asked to stay.": "Treasury Department", "That was never on the table": "Treasury Department"}),
    ("a sentence that is only a tag, after a quotation closed with a full stop",
     "“It will change how people shop,” said Rosa Lind, an analyst at Verity Research. “We don’t want two separate "
     "cultures.” Harlow Stores Chairman Peter Vance said Thursday. “The idea is to keep both brands.”",
     {"We don’t want two separate cultures.": "Peter Vance", "The idea is to keep both brands.": "Peter Vance"}),
    ("a full stop inside the marks, then a sentence of its own after the name and verb",
     "“We will not leave.” Paul Grant said he would stay in the city.",
     {"We will not leave.": None}),
    ("two writers, the verb agreeing with both ('X, who …, and Y write'), then 'they write'",
     "In a companion article, Myles Arden, who supervised the study, and lawyer Ruth Penrose write about the legal "
     "questions.\n\n“Although these ideas may seem far-fetched now,” they write, “courts may one day hear such "
     "claims.”",
     {"Although these ideas may seem far-fetched now": None}),
    ("a dateline before the sentence's subject ('WASHINGTON (AP) -- Sen. X …'), not the headline's name",
     "Durbin of Illinois elected to be second in charge\n\nWASHINGTON (AP) -- Sen. Clara Whitcomb of Vermont won "
     "election as "
     "leader of the minority on Tuesday and said she stands ready to work with the majority.\n\n“I would rather "
     "build than fight. But I know how to fight,” she said at a news conference.",
     {"I would rather build than fight. But I know how to fight": "Clara Whitcomb"}),
    ("a cleft sentence ('it was X who …') puts X in focus",
     "LONDON — Amy Roper completed a clean sweep as all six British players advanced on Tuesday.\n\nAfter Lena "
     "Fisk won on Monday, it was Nora Blake who got the ball rolling with a quick victory.\n\n“Hopefully I started "
     "everyone off well,” she told reporters afterwards.",
     {"Hopefully I started everyone off well": "Nora Blake"}),
    ("'Ambassador to the U.N. X, whose …, told reporters': X, not the one named in the relative clause",
     "Gordon Pike resigned on Monday.\n\nU.S. Ambassador to the U.N. Thomas Reed, whose name had been discussed "
     "as a possible successor to Pike, told reporters that he had not been approached. “It hasn’t been mentioned "
     "by me or to me,” he said.",
     {"It hasn’t been mentioned by me or to me": "Thomas Reed"}),
    ("the one who issued a statement saying it, in the clause after 'but'",
     "Harbor players did not comment on Saturday, but team president Rita Okafor issued a statement saying, "
     "“responsibility for the night can be shared by many.”",
     {"responsibility for the night can be shared by many.": "Rita Okafor"}),
    ("'in his opinion' and ', as it was described by X'",
     "Foreign Minister Allan Weber spoke at the summit. In his opinion, “we are reviving the idea of a united "
     "region.”\n\nIn taking “the most important step ever towards integration,” as it was described by Chilean "
     "President Marta Solis, the nations debated a new treaty.",
     {"we are reviving the idea of a united region.": "Allan Weber",
      "the most important step ever towards integration": "Marta Solis"}),
    ("a place or outlet and a description of any noun before the name ('said Tinseltown awards guru X')",
     "The awards season is heating up.\n\n“It looks as if a Scorsese film is finally flying high,” said "
     "Tinseltown awards guru Tom O’Neil, adding that the film was pulling ahead.",
     {"It looks as if a Scorsese film is finally flying high": "Tom O’Neil"}),
    ("a person's name the model tagged as an organisation with a title in it is a person's name without the title",
     "Officials said the email rules were clear. “We have always had access to a wide array of records,” State "
     "Department Deputy Spokesperson Julia Hart told Fox News late Monday. Hart added that the department turned over "
     "the records.",
     {"We have always had access to a wide array of records": "Julia Hart"}),
    ("a party and state after the name ('Sen. X, R-Texas, who …, said') are not the subject",
     "Sen. Clara Whitcomb, R-Texas, who on Thursday unveiled her own pension plan, said Friday that the group had "
     "made “a huge shift in the debate on pensions.”",
     {"a huge shift in the debate on pensions.": "Clara Whitcomb"}),
    ("a sentence going on after a partial quotation with 'and' is no tag",
     "During his announcement, Governor Mike Dunmore said that he would “defeat the cartels” and protect Social "
     "Security. He also criticized the court.",
     {"defeat the cartels": "Mike Dunmore"}),
    ("a spokeswoman for a person named with a place after him: not the place",
     "Most senators stayed silent, while a spokeswoman for Speaker Paul Ridley of Wisconsin said simply that Mr. "
     "Ridley was “glad these hackers are being held to account.”",
     {"glad these hackers are being held to account.": "Paul Ridley"}),
    ("'Mrs. X' beside a woman and a man the text names in full with that surname: the woman",
     "DES MOINES – Helen Carver on Sunday urged the president to listen to congressional Democrats.\n\n"
     "“The president should listen to his allies in Congress,” Mrs. Carver said at a rally here. Her husband, "
     "former President Bill Carver, did not attend.\n\n“No president would be a tougher negotiator,” Mrs. Carver "
     "said.",
     {"The president should listen to his allies in Congress": "Helen Carver",
      "No president would be a tougher negotiator": "Helen Carver"}),
    ("a description of another office than the person in focus holds: the person the text is mostly about",
     "Donald Trump on Thursday renewed his call for tighter checks. Trump said the country was at risk, and Trump "
     "repeated it at a rally.\n\nTrump called upon Mayor Bill de Blasio to restart the program. De Blasio disbanded "
     "the unit in 2014.\n\n\"We ought to start it up again this morning,\" the Republican presidential candidate "
     "said in an interview.",
     {"We ought to start it up again this morning": "Donald Trump"}),
    ("a surname two people of the text share, the pronouns after it a woman's: the woman",
     "Hillary Clinton and Bernie Sanders met in Charleston on Sunday. Bill Clinton watched from the front row.\n\n"
     "Clinton said there was no daylight between their plans. She said experts had found her proposals strong.\n\n"
     "\"I'm going to defend Dodd-Frank,\" Clinton said.",
     {"I'm going to defend Dodd-Frank": "Hillary Clinton"}),
    ("a description in a tag of the person the text is about names them, even if the text gave them another role",
     "Real estate mogul Donald Trump will speak on Monday. Trump also met lawmakers, and Trump praised them.\n\n"
     "\"I think making a deal would be in Israel's interests,\" Trump told ABC. \"I don't know one person that "
     "doesn't want a good deal,\" the candidate said.",
     {"I don't know one person that doesn't want a good deal": "Donald Trump"}),
    ("a plural description in a tag is no one person of the text",
     "Rep. Mike Gallagher chairs the committee. Gallagher said the station had to close.\n\nThat timing raises "
     "\"concerns that the FBI was unaware of the operation,\" the lawmakers wrote in their letter.",
     {"concerns that the FBI was unaware of the operation": None}),
    ("a place compounded into a description and a party word before the name: the name",
     "\"How much worse could it get?\" said Florida-based Republican strategist Al Cardenas, referring to Trump.",
     {"How much worse could it get?": "Al Cardenas"}),
    ("a medium quoting someone unnamed: no one named (a person quoting a tweet in hers: her own)",
     "The Washington Post reported that he was ousted.\n\n\u201cIt just came to a head,\u201d the Post reported, "
     "quoting an anonymous Republican official.\n\nHillary Clinton answered on Wednesday. \"The idea is absurd. No, "
     "Trump,\" Clinton tweeted, quoting a reporter's tweet.",
     {"It just came to a head": None, "The idea is absurd. No, Trump": "Hillary Clinton"}),
    ("double quotation marks typed as two apostrophes, as archived newspaper texts write them",
     "Paul Ryan met reporters on Tuesday.\n\n''I think we will win,'' Mr. Ryan said. He added, ''It is not over.''",
     {"I think we will win": "Paul Ryan", "It is not over.": "Paul Ryan"}),
    ("double quotation marks typed as two backticks or two turned commas: no stray mark in the quoted text",
     "Paul Ryan met reporters on Tuesday.\n\n``I think we will win,'' Mr. Ryan said. He added, \u2018\u2018It is not "
     "over.\u2019\u2019",
     {"I think we will win": "Paul Ryan", "It is not over.": "Paul Ryan"}),
    ("a candidate's campaign, or its spokesman, is the campaign as the text calls it, not the candidate",
     "Harry Reid faces Sharron Angle in November.\n\nReid's campaign hit back hard, saying that her \"newfound zeal "
     "is particularly disingenuous.\"\n\n\"More than 90 percent were sent to a state.gov address,\" a Clinton "
     "campaign spokesman said.",
     {"newfound zeal is particularly disingenuous.": "Reid campaign",
      "More than 90 percent were sent to a state.gov address": "Clinton campaign"}),
    ("a person's name modifying a role in the tag between two quotations ('a top Clinton adviser') is no other "
     "speaker",
     "\u201cIt is not the position that everything is fine,\u201d Gene Sperling, a top outside Clinton adviser, said at "
     "a recent POLITICO event on the economy in Iowa. \u201cI think people understand that things got better.\u201d",
     {"I think people understand that things got better.": "Gene Sperling"}),
    ("'he told X' is not X speaking: the other man named nearby (but 'we asked X …; “…,” she told us' is X)",
     "Donald Trump spoke in Austin. Sean Hannity asked Trump how high the wall would be.\n\n\u201cI think the height "
     "could be 35 to 45 feet. That\u2019s a good height. Could be higher,\u201d he told Hannity, to cheers from the "
     "crowd.\n\n\u201cWe have no choice,\u201d he said.\n\nWe asked Ann Rogerson if the tools had spread; "
     "\u201canything is possible,\u201d she told us.",
     {"I think the height could be 35 to 45 feet. That\u2019s a good height. Could be higher": "Donald Trump",
      "We have no choice": "Donald Trump", "anything is possible": "Ann Rogerson"}),
    ("a fronted phrase with a city and its state, then another phrase, before the subject: the subject",
     "A lawmaker in the Philippines wants Donald Trump banned.\n\n\"There is no basis for it,\" Joey Salceda said "
     "in a bill.\n\nAt a rally in Portland, Maine, on Thursday afternoon, Trump included the Philippines on a list. "
     "\"We're letting people come in from terrorist nations,\" he said.",
     {"We're letting people come in from terrorist nations": "Donald Trump"}),
    ("'the statement said' after someone provided it: its author",
     "The Times reported that Carter used a personal email account. The Times said Peter Cook provided a written "
     "statement in response to the inquiries.\n\n\u201cThe secretary believes that his use of personal email was a "
     "mistake,\u201d the statement said in part.",
     {"The secretary believes that his use of personal email was a mistake": "Peter Cook"}),
    ("'X said: “…,” the Times reported': the medium passes on what X said",
     "The mayor rejected Donald Trump's offer on Tuesday.\n\nAsked how his ban would affect Khan, Trump said: "
     "\"There will always be exceptions,\" the Times reported.",
     {"There will always be exceptions": "Donald Trump"}),
    ("a relative introduced with titles ('her husband, former President Bill Clinton') is not who the surname means; "
     "the 'Mrs.' of one name does not make the next name's bearer a woman",
     "Hillary Rodham Clinton met reporters. The lawyer for Mrs. Clinton, David Kendall, said that her representatives "
     "had determined which emails were private. Then, he said, a setting on the account was changed.\n\nAt a news "
     "conference, Clinton first said she \u201cchose not to keep\u201d her private emails. But she then said that the "
     "server, which held communications of her husband, former President Bill Clinton, \u201cwill remain private.\u201d",
     {"chose not to keep": "Hillary Rodham Clinton", "will remain private.": "Hillary Rodham Clinton"}),
    ("a paragraph ending in a long clause and a colon introduces the quotations of the paragraphs after it",
     "\u201cI have decided to endorse Ted Cruz,\u201d Morton Blackwell wrote.\n\nHe then listed the qualities "
     "necessary in a successful Republican presidential nominee in 2016:\n\n\"Has the candidate a record of "
     "personal activism for conservative principles?\n\n\"Is the candidate surrounded by people notable for their "
     "firm commitment?\"",
     {"Has the candidate a record of personal activism for conservative principles?": "Morton Blackwell",
      "Is the candidate surrounded by people notable for their firm commitment?": "Morton Blackwell"}),
    ("a tag after a verb of a clause inside the sentence ('in the way Trump suggests, Professor Kerbel says'); "
     "'he remembers' is a tag",
     "\u201cSomething like this is unprecedented,\u201d says Matthew Kerbel, political science chairman at Villanova "
     "University.\n\nIt would be \u201cextraordinarily difficult\u201d to rig an election in the way Trump suggests, "
     "Professor Kerbel says.\n\n\u201cA couple of people were worried,\u201d Joseph Mega said in a phone interview. He "
     "saw an infection.\n\n\u201cAnd it looked pretty serious,\u201d he remembers.",
     {"extraordinarily difficult": "Matthew Kerbel", "And it looked pretty serious": "Joseph Mega"}),
    ("capitalised words before a role ('said Democratic Presidential candidate Sen. Cory Booker'): the person",
     "\u201cYou don\u2019t joke about calling black men \u2018boys,\u2019\u201d said Democratic Presidential candidate "
     "Sen. Cory Booker in a statement on Wednesday.",
     {"You don\u2019t joke about calling black men \u2018boys,\u2019": "Cory Booker"}),
    ("'X, who has in the past described Y as “…”': X (but 'Obama, who he noted was “…”' is not Obama's)",
     "Glenn Beck spoke in Indiana on Sunday.\n\nBeck, who has in the past described Trump as \u201ca pathological "
     "narcissistic sociopath,\u201d clearly intended the audience to recognize him.\n\nDonald Trump spoke on Monday. "
     "He lambasted the deal negotiated by President Obama, who he noted was \u201cin his final year, yay.\u201d",
     {"a pathological narcissistic sociopath": "Glenn Beck", "in his final year, yay.": "Donald Trump"}),
    ("'the former general' of a secretary of state: a past office is no other office",
     "Secretary of State Colin Powell said on Monday that he would stay until January.\n\nAsked about his last "
     "weeks, the former general said, \"I think that I will be able to be quite effective.\"",
     {"I think that I will be able to be quite effective.": "Colin Powell"}),
    ("apposition opening with an article or an adjective, its closing comma left out",
     "“Trade tensions continue,” Mike Loewengart, vice president of investment strategy at E-Trade wrote in an "
     "email. “Consumers are still spending.” “Rates will fall,” Jane Porter, an analyst at the bank said.",
     {"Trade tensions continue": "Mike Loewengart", "Consumers are still spending.": "Mike Loewengart",
      "Rates will fall": "Jane Porter"}),
    ("a description by the state after the name, an emailed statement",
     "Sen. Rand Paul of Kentucky has feuded with New Jersey Gov. Chris Christie for a week. “I didn’t pick this "
     "fight,” the Kentucky senator emailed reporters on Monday.",
     {"I didn’t pick this fight": "Rand Paul"}),
    ("a role description opening a sentence is no organisation's name",
     "Yet it was unclear whether Sanders was ready to follow that script. The Vermont senator wrote to supporters: "
     "“The struggle continues.”",
     {"The struggle continues.": None}),
    ("one member of a party described by three words",
     "“No one knows what’s going to happen,” an anonymous Florida House Republican told Politico.",
     {"No one knows what’s going to happen": None}),
    ("a hyphenated given name",
     "The launch was reported to South Korean President Moon Jae-in. “I hope North Korea will not cross the point of "
     "no return,” Moon said.",
     {"I hope North Korea will not cross the point of no return": "Moon Jae-in"}),
    ("a round-up: each heading names the speaker of the quotation paragraphs under it",
     "The budget fight goes on. Here is what experts said.\n\nChris Krueger, former House Republican aide. Policy "
     "analyst, Guggenheim Securities\n\n\"Republicans are all over the map in terms of what they want.\"\n\n"
     "\"There's been eight months of relatively smooth sailing.\"\n\nTad DeHaven, former Senate Republican aide. "
     "Budget analyst, Cato Institute\n\n\"Could there be a shutdown for a couple of days? Yeah. Long-term, no.\"\n\n"
     "Former Sen. Judd Gregg (R-N.H.), former chairman of the Senate Budget Committee. CEO, Securities Industry and "
     "Financial Markets Association\n\n\"It's a hostage you can't shoot.\n\n\"The leadership knows it would suffer.\"",
     {"Republicans are all over the map in terms of what they want.": "Chris Krueger",
      "There's been eight months of relatively smooth sailing.": "Chris Krueger",
      "Could there be a shutdown for a couple of days? Yeah. Long-term, no.": "Tad DeHaven",
      "It's a hostage you can't shoot.": "Judd Gregg", "The leadership knows it would suffer.": "Judd Gregg"}),
    ("a possessive written with the apostrophe alone",
     "Senator Susan Collins has received thousands of calls. \"Bribery will not work on her,\" Collins' spokeswoman "
     "Annie Clark told USA TODAY.",
     {"Bribery will not work on her": "Annie Clark"}),
    ("a description by the party of the person in focus",
     "Donald Trump attacked Hillary Clinton again on Friday. “This is bigger than Watergate,” the GOP nominee said "
     "of the development.",
     {"This is bigger than Watergate": "Donald Trump"}),
    ("verbs that report speech only in a tag right after the quotation",
     "Shaquille O'Neal arrived early. “I've got to straight up beat him,” he allows.\n\nTravis Kelce spoke after "
     "the game. “It was great to see it from the fans’ perspective,” Kelce shared.",
     {"I've got to straight up beat him": "Shaquille O'Neal",
      "It was great to see it from the fans’ perspective": "Travis Kelce"}),
    ("a participle clause after a fronted time phrase without a preposition",
     "Sheldon Adelson praised Donald Trump on Monday.\n\nHours later, Trump returned the compliment to Adelson, "
     "telling Reuters, “He is a great man and a very good friend.”",
     {"He is a great man and a very good friend.": "Donald Trump"}),
]


@pytest.mark.parametrize(("body", "expected"), [(b, e) for _, b, e in CASES], ids=[c[0] for c in CASES])
def test_speaker(settings: Settings, body: str, expected: dict[str, str | None]) -> None:
    found = speakers_by_rules(body)
    assert {text: found.get(text, "(not found)") for text in expected} == expected


@pytest.mark.parametrize(("body", "expected"), [(b, e) for _, b, e in CASES], ids=[c[0] for c in CASES])
def test_the_ranker_confirms_or_withholds_the_rules_speaker(settings: Settings, body: str,
                                                           expected: dict[str, str | None]) -> None:
    """The pipeline credits the rules' speaker or nobody; where the rules credit nobody, neither does it."""
    found = speakers(body)
    for text, speaker in expected.items():
        assert found.get(text, "(not found)") in (speaker, None), text


def test_unclear_speaker_is_a_hint_with_low_confidence(settings: Settings) -> None:
    quotes = direct("John Harper and Mark Ruiz argued for hours. “That was never the plan,” he said.")
    assert len(quotes) == 1 and quotes[0].speaker is None
    assert quotes[0].speaker_hint in ("John Harper", "Mark Ruiz") and quotes[0].confidence < 0.7


def test_named_speakers_carry_a_confidence_and_the_words_used(settings: Settings) -> None:
    quote = direct("A Taliban spokesman said: “The valley has fallen to our forces.”")[0]
    assert quote.speaker == "Taliban" and quote.speaker_phrase == "Taliban spokesman"
    assert quote.confidence is not None and quote.confidence >= 0.7


def test_common_attributions_need_no_parse(settings: Settings) -> None:
    before = parse_stats["parsed"]
    direct("Maria Lopez runs the food bank. “We have never seen lines this long,” she said. “It breaks your heart,” "
           "said Lopez. Lopez added: “We need more volunteers.”")
    assert parse_stats["parsed"] == before


def test_speaker_is_named_as_the_article_writes_them_beside_the_canonical_entity(settings: Settings) -> None:
    """The gazetteer's full name is the entity (the facets' name); the speaker is the name the article gives."""
    only_title = direct("President Obama spoke in Ohio on Tuesday. “The math tends not to work,” Obama said.")[0]
    assert (only_title.speaker, only_title.speaker_entity) == ("Obama", "Barack Obama")
    full = direct("Barack Obama spoke in Ohio on Tuesday. “The math tends not to work,” Obama said.")[0]
    assert (full.speaker, full.speaker_entity) == ("Barack Obama", "Barack Obama")
    acronym = direct("The FBI opened an inquiry. “We do not comment on ongoing investigations,” the FBI said.")[0]
    assert (acronym.speaker, acronym.speaker_entity) == ("FBI", "Federal Bureau of Investigation")
    titled = direct("State Department Spokesperson Marie Harf briefed reporters. “We have no record of it,” "
                    "Harf said.")[0]
    assert titled.speaker == "Marie Harf"


def test_claims_group_one_speaker_across_articles_however_each_names_them(settings: Settings) -> None:
    from newsdesk.stories.views import claims

    bodies = {"a": "Barack Obama spoke in Ohio on Tuesday. “We will rebuild the bridge,” Obama said.",
              "b": "President Obama spoke in Ohio on Tuesday. “The bridge comes first,” Obama said."}
    raws = [(RawDocument(path=f"{k}.txt", content=b, content_type="text"),
             Article(id=k, body=b, published=date(2021, 9, 3), publisher=f"Outlet {k.upper()}")) for k, b in bodies.items()]
    articles = enrich_articles(raws)
    assert [q.speaker for a in articles for q in a.quotes if q.kind == "direct"] == ["Barack Obama", "Obama"]
    by_speaker, _, _ = claims(articles)
    obama = next(c for c in by_speaker if c.speaker == "Barack Obama")
    assert {s.text for s in obama.statements} >= {"We will rebuild the bridge", "The bridge comes first"}


def test_the_speaker_ranker_weights_fit_its_features() -> None:
    """The shipped weights were fitted for the features the ranker computes (else it would silently stand aside)."""
    fitted = speaker_ranker.weights()
    assert fitted is not None and len(fitted.coefficients) == len(speaker_ranker.FEATURES)
    assert ATTRIBUTE <= fitted.name_at <= 1 and fitted.below > ATTRIBUTE


def test_the_pipeline_still_names_nearly_every_speaker_the_rules_name(settings: Settings) -> None:
    """The ranker may withhold a name the rules give unsurely, but not as a habit: on the composed cases it keeps
    at least nine in ten of the rules' named speakers."""
    named = [(body, text, speaker) for _, body, expected in CASES for text, speaker in expected.items() if speaker]
    kept = sum(speakers(body).get(text) == speaker for body, text, speaker in named)
    assert kept >= 0.9 * len(named), (kept, len(named))


def test_the_ranker_weighs_the_rules_unsure_credit_and_keeps_its_doubt_as_the_hint(settings: Settings) -> None:
    text = "We have never seen lines this long. People come from three counties."
    introduced = (f"Food bank\n\nThe city council met on Monday. Maria Lopez has run the food bank in Dayton for ten "
                  f"years, and the council cut its grant.\n\n“{text}”")
    assert speakers_by_rules(introduced)[text] == "Maria Lopez"  # by the paragraph before: the rules are unsure
    [quote] = direct(introduced)
    assert (quote.speaker, quote.speaker_hint) == ("Maria Lopez", None)
    assert quote.confidence is not None and quote.confidence >= speaker_ranker.weights().name_at
    tagless = f"Food bank\n\nMaria Lopez has run the food bank in Dayton for ten years. She opens at six.\n\n“{text}”"
    assert speakers_by_rules(tagless)[text] is None
    [quote] = direct(tagless)
    assert (quote.speaker, quote.speaker_hint) == (None, "Maria Lopez")
    assert quote.confidence is not None and quote.confidence < speaker_ranker.weights().name_at
