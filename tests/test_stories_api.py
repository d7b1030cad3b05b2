"""`GET /stories` and `GET /stories/{id}` over a real embedded index and story store (seeds via the pipeline)."""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient

from conftest import SEEDS


@pytest.fixture(scope="module")
def seeds_processed(tmp_path_factory: pytest.TempPathFactory):
    from newsdesk.config import Settings, use_settings
    from newsdesk.pipeline import process_files
    from newsdesk.sources import discover

    settings = Settings(home=tmp_path_factory.mktemp("seeds-home"), workers=1, max_document_seconds=0)
    use_settings(settings)
    try:
        return process_files([f for f in discover([str(SEEDS)]) if hasattr(f, "identity")], settings)
    finally:
        use_settings(None)


def test_stories_endpoints_list_and_show_claims(settings, seeds_processed) -> None:
    from newsdesk.api.app import create_app
    from newsdesk.index import open_backend
    from newsdesk.model import IngestSummary
    from newsdesk.pipeline import index_processed
    from newsdesk.state import IngestState

    backend, state = open_backend(settings), IngestState(settings.state_path)
    index_processed(copy.deepcopy(seeds_processed), backend, state, IngestSummary())
    state.close()
    with TestClient(create_app(backend, settings)) as client:
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
