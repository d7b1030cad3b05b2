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

        assert client.get("/stories/nope").status_code == 404
        assert client.get("/stories", params={"limit": 0}).status_code == 422
        facet = client.get("/facets/story_id").json()
        assert facet["buckets"] == [{"value": story_id, "count": 2}]
