"""The clean stage: text dumps, HTML pages and JSON records become articles with a clean body.

`clean_document` lives in `document.py`; it is loaded on first use so that commands which never clean
(search, boilerplate rules) do not pay for importing trafilatura and the line classifier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsdesk.clean.boilerplate import BoilerplateRules, learn_boilerplate

if TYPE_CHECKING:
    from newsdesk.clean.document import clean_document

__all__ = ["BoilerplateRules", "clean_document", "learn_boilerplate"]


def __getattr__(name: str) -> Any:
    if name == "clean_document":
        from newsdesk.clean.document import clean_document

        return clean_document
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
