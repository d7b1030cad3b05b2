"""Build the labelled date dev set (bench/dates_dev.json) from the extraction dev pages.

A page is labelled with its publication date when independent signals agree: the date in the URL path,
the structured metadata (JSON-LD / meta datePublished, in the publisher's own UTC offset when given) and
the byline date visible in the page text. Pages where they disagree, and pages whose only signal is a UTC
timestamp before 08:00 (possibly the previous day where the publisher is), were inspected by hand; the
verdicts are in MANUAL with the reason: the date the page shows its readers, in the publisher's time zone. Pages with no dependable signal are left out (and listed as such).

Run: .venv/bin/python bench/dates_label.py
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

from lxml import html as lxml_html

from newsdesk.enrich.dates import FULL_DATE, parse_full_date

DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "extraction-dev"
OUT = Path(__file__).resolve().parent / "dates_dev.json"

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
URL_PATH_DATE = re.compile(r"/((?:19|20)\d\d)[/-](\d\d?|[a-z]{3})[/-](\d\d?)(?=/|-|_|\.|$)", re.I)
STRUCTURED = re.compile(
    r'"datePublished"\s*:\s*"([^"]+)"'
    r'|<meta[^>]+(?:property|name|itemprop)="(?:article:published_time|datePublished|pubdate|og:pubdate'
    r'|DC\.date\.issued|date)"[^>]+content="([^"]+)"'
    r'|<meta[^>]+content="([^"]+)"[^>]+(?:property|name|itemprop)="(?:article:published_time|datePublished'
    r'|pubdate|og:pubdate)"', re.I)
BYLINE_CUE = re.compile(r"(?:published|posted|by [^|]{0,60}\|?|^)\s*(?:on\s*)?[:|]?\s*$", re.I)

MANUAL: dict[str, tuple[str | None, str]] = {
    "7a664e40": ("2019-11-20", "visible byline 'November 20, 2019 / 1:07 AM' (ET) and <time> -0500; "
                               "the URL slug's 2019-11-19 is the hearing date"),
    "9e8c9f08": ("2019-11-18", "URL path /2019/nov/18/ is the ruling date; body dates are of the statement"),
    "5fbc7ccb": ("2019-11-18", "visible byline 'November 18, 2019 -- 19:14 GMT' and <time>; JSON-LD says 11-19"),
    "1ace8c85": ("2019-11-18", "URL path and sailthru.date 2019-11-18 20:58 (US time); JSON-LD is 04:58 UTC next day"),
    "d605bdef": ("2019-11-18", "URL path 2019/11/18; pubdate 02:34 UTC Nov 19 is Nov 18 evening US time"),
    "87bf6057": ("2019-11-18", "visible byline 'November 18, 2019 12:01 PM'; <time> elements are other stories"),
    "9eef8162": ("2019-11-19", "syndicated copy: its own <time datetime=2019-11-19T11:45Z> shown as '1 day ago'; "
                               "the original's date is not on the page"),
    "11ea381a": ("2010-10-22", "standings page: JSON-LD datePublished 2010-10-22T23:13+00:00 and the visible byline "
                               "'sexta-feira, 22 de outubro de 2010 às 20:13' (Brazil); modified 2019"),
    "08f79376": ("2019-11-18", "visible <time> text 'Nov 18, 2019' (US); metadata 02:24 UTC Nov 19"),
    "0d461229": ("2019-11-19", "meta sn-post-date 2019/11/19 and visible 'Nov. 19, 2019'"),
    "33fe2471": ("2018-09-15", "JSON-LD datePublished 2018-09-15+02:00; visible dates are sidebar items"),
    "358cc4a0": ("2018-08-08", "JSON-LD 2018-08-08+02:00, URL path /2018/08/, first visible 'August 08, 2018'"),
    "3ce1c8fd": ("2018-02-16", "visible 'Posted: Fri 6:45 PM, Feb 16, 2018'"),
    "57b4dafd": ("2018-09-25", "visible German byline 'publiziert am 25. September 2018'; no metadata date"),
    "5ae11e58": ("2017-10-12", "the only date on the page, under the headline: 'October 12, 2017'"),
    "70cb2d5b": ("2019-11-19", "JSON-LD 2019-11-19T09:44Z and visible '19 November 2019' under the headline"),
    "7916ecca": ("2019-11-20", "JSON-LD '20 Nov 2019 08:02 GMT' and visible '20 Nov 2019'"),
    "a860fb5e": ("2018-10-05", "the only date on the page: <time> 'October 5, 2018'"),
    "ba07d1e6": ("2018-07-30", "visible German byline 'publiziert am 30. Juli 2018'; no metadata date"),
    "bdb56ac8": ("2019-11-15", "visible byline 'November 15, 2019' under the author's name; 'Correction added "
                               "Nov. 18, 2019' at the end is a later correction note"),
    "c69e539d": ("2018-08-23", "the only date on the page, under the headline: 'August 23, 2018'"),
    "d1c57d78": ("2019-11-18", "visible <time datetime=2019-11-18> 'November 18, 2019'; metadata 04:50 UTC Nov 19"),
    "3f65af7b": ("2019-11-18", "meta article_date_original 'Monday, November 18, 2019, 08:19 PM'; "
                               "metadata 01:19 UTC Nov 19"),
    "ecb46e3e": ("2019-11-19", "visible 'Published 11:26 pm EST, Tuesday, November 19, 2019'; metadata 04:26 UTC"),
    "ef2b3f26": ("2019-11-19", "visible '11:21 pm CST, Tuesday, November 19, 2019'; metadata 05:14 UTC"),
    "e1c7023e": ("2019-11-18", "JSON-LD 2019-11-18T08:55-05:00 and visible 'November 18, 2019'"),
}


def url_date(url: str) -> date | None:
    match = URL_PATH_DATE.search(url or "")
    if not match:
        return None
    year, month, day = match.groups()
    month_number = MONTHS.get(month.lower()[:3]) if month.isalpha() else int(month)
    try:
        return date(int(year), month_number or 0, int(day))
    except ValueError:
        return None


def structured_date(html: str) -> date | None:
    for match in STRUCTURED.finditer(html):
        value = next(g for g in match.groups() if g)
        try:
            stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "T"))
        except ValueError:
            continue
        if stamp.year >= 1995:
            return stamp.date()  # the date in the offset the publisher wrote
    return None


def visible_date(html: str) -> date | None:
    try:
        text = " ".join(lxml_html.fromstring(html).text_content().split())
    except (ValueError, lxml_html.etree.ParserError):
        return None
    for match in FULL_DATE.finditer(text):
        if BYLINE_CUE.search(text[max(0, match.start() - 80):match.start()]):
            value = parse_full_date(match)
            if value:
                return value
    return None


def main() -> None:
    truth = json.loads((DEV / "ground-truth.json").read_text())
    labels: dict[str, dict[str, object]] = {}
    left_out: dict[str, str] = {}
    for key, page in sorted(truth.items()):
        html = gzip.open(DEV / "html" / f"{key}.html.gz", "rt", errors="replace").read()
        signals = {"url": url_date(page.get("url", "")), "metadata": structured_date(html),
                   "byline": visible_date(html)}
        found = {k: v for k, v in signals.items() if v}
        manual = MANUAL.get(key[:8])
        if manual:
            if manual[0] is None:
                left_out[key] = manual[1]
            else:
                labels[key] = {"date": manual[0], "how": f"manual: {manual[1]}", "url": page.get("url")}
            continue
        votes = Counter(found.values()).most_common()
        if votes and votes[0][1] >= 2 and (len(votes) == 1 or votes[1][1] < votes[0][1]):
            value = votes[0][0]
            how = "agree: " + "+".join(k for k, v in found.items() if v == value)
            if len(votes) > 1:
                how += " (outvoted: " + "+".join(k for k, v in found.items() if v != value) + ")"
        elif len(found) == 1:
            (source, value), = found.items()
            how = f"only signal: {source}"
        else:
            left_out[key] = f"signals disagree, not inspected: {found}"
            continue
        labels[key] = {"date": value.isoformat(), "how": how, "url": page.get("url")}
    OUT.write_text(json.dumps({"labels": labels, "left_out": left_out}, indent=1) + "\n")
    print(f"{len(labels)} labelled, {len(left_out)} left out -> {OUT}")
    for key, reason in left_out.items():
        print(key[:8], reason)


if __name__ == "__main__":
    main()
