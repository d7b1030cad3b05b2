"""Stories: near-duplicate detection, incremental story clustering, and claims side by side per story.

`assign_stories` runs on each ingest batch (before the index write); `list_stories` and `get_story`
serve the CLI (`newsdesk stories`) and the API. State lives in a SQLite store beside the ingest state.
"""

from newsdesk.stories.assign import DEFAULT_PARAMS, AssignResult, StoryParams, assign_stories, forget_articles
from newsdesk.stories.store import StoryStore, settings_store_path, store_path
from newsdesk.stories.views import (
    SURE,
    PublisherClaims,
    SpeakerClaims,
    Statement,
    StoryArticle,
    StoryDetail,
    StoryList,
    StorySummary,
    get_story,
    list_stories,
)

__all__ = ["DEFAULT_PARAMS", "SURE", "AssignResult", "PublisherClaims", "SpeakerClaims", "Statement", "StoryArticle",
           "StoryDetail", "StoryList", "StoryParams", "StoryStore", "StorySummary", "assign_stories",
           "forget_articles", "get_story", "list_stories", "settings_store_path", "store_path"]
