"""`GET /stories` and `GET /stories/{id}` over a real embedded index and story store (seeds via the pipeline)."""

from __future__ import annotations

from contextlib import closing as backend_closed

from fastapi.testclient import TestClient

from test_stories import _index, seeds_processed  # noqa: F401 (module fixture: seeds cleaned and enriched once)


def test_stories_endpoints_list_and_show_claims(settings, seeds_processed) -> None:
    from newsdesk.api.app import create_app

    backend, _ = _index(settings, seeds_processed)
    with backend_closed(backend), TestClient(create_app(backend, settings)) as client:
        listed = client.get("/stories", params={"limit": 5})
        assert listed.status_code == 200
        page = listed.json()
        assert page["total"] == 1 and page["stories"][0]["articles"] == 2
        story_id = page["stories"][0]["id"]

        shown = client.get(f"/stories/{story_id}")
        assert shown.status_code == 200
        story = shown.json()
        assert {a["publisher"] for a in story["article_list"]} == set(story["publishers"])
        speakers = {c["speaker"]: c for c in story["claims_by_speaker"]}
        assert len(speakers["Taliban"]["publishers"]) == len(speakers["Amrullah Saleh"]["publishers"]) == 2
        assert all(s["sources"] for c in story["claims_by_speaker"] for s in c["statements"])

        # only sure speakers: an attribution below 0.9 is listed apart, its speaker and confidence kept as the hint
        unsure, confidence = next((s["text"], s["confidence"]) for s in speakers["Taliban"]["statements"]
                                  if s["text"].startswith("By the grace of Allah Almighty"))
        assert confidence < 0.9
        sure = client.get(f"/stories/{story_id}", params={"min_confidence": 0.9}).json()
        assert all(s["confidence"] >= 0.9 for c in sure["claims_by_speaker"] for s in c["statements"])
        assert unsure not in {s["text"] for c in sure["claims_by_speaker"] for s in c["statements"]}
        apart = {s["text"]: s for s in sure["unattributed"]}
        assert apart[unsure]["speaker_hint"] == "Taliban" and apart[unsure]["confidence"] == confidence
        assert apart[unsure]["speaker"] == "(unattributed)" and apart[unsure]["sources"]
        assert {s["text"] for s in story["unattributed"]} < set(apart)  # the unclear ones stay listed apart
        assert len(apart) + sum(len(c["statements"]) for c in sure["claims_by_speaker"]) \
            == len(story["unattributed"]) + sum(len(c["statements"]) for c in story["claims_by_speaker"])
        assert client.get(f"/stories/{story_id}", params={"min_confidence": 1.5}).status_code == 422

        assert client.get("/stories/nope").status_code == 404
        assert client.get("/stories", params={"limit": 0}).status_code == 422
        facet = client.get("/facets/story_id").json()
        assert facet["buckets"] == [{"value": story_id, "count": 2}]


def test_search_filters_by_story_id(settings, seeds_processed) -> None:
    from newsdesk.api.app import create_app

    backend, _ = _index(settings, seeds_processed)
    ids = {a.id for p in seeds_processed for a in p.articles}
    with backend_closed(backend), TestClient(create_app(backend, settings)) as client:
        story_id = client.get("/stories").json()["stories"][0]["id"]

        r = client.get("/search", params={"story_id": story_id})
        assert r.status_code == 200
        assert {h["id"] for h in r.json()["hits"]} == ids and {h["story_id"] for h in r.json()["hits"]} == {story_id}
        r = client.get("/search", params={"q": "Panjshir", "story_id": "no-such-story"})
        assert r.status_code == 200 and r.json()["total"] == 0
        r = client.get("/search", params=[("story_id", "no-such-story"), ("story_id", story_id)])  # OR-ed
        assert r.json()["total"] == 2
        r = client.get("/search", params={"story_id": story_id, "publisher": "Sputnik", "facets": "story_id"})
        assert r.json()["total"] == 1 and r.json()["facets"]["story_id"] == [{"value": story_id, "count": 1}]
        # /facets takes the same filters: the page counts a story's versions this way.
        r = client.get("/facets/story_id", params=[("story_id", story_id), ("story_id", "other"), ("size", 2)])
        assert r.json()["buckets"] == [{"value": story_id, "count": 2}]

        spec = client.get("/openapi.json").json()
        params = {p["name"]: p for p in spec["paths"]["/search"]["get"]["parameters"]}
        assert params["story_id"]["in"] == "query" and "story" in params["story_id"]["description"].lower()
        assert params["story_id"]["schema"]["anyOf"][0]["type"] == "array"
