"""Sources: find inputs and load them into `RawDocument`s, one module per kind of source.

`files` reads local files, folders and globs (`.txt`, `.html`, `.json`, `.jsonl`, optionally `.gz`).
"""

from newsdesk.sources.files import (
    SUPPORTED,
    InputFile,
    LoadError,
    decode,
    discover,
    display_path,
    documents,
    format_of,
    jsonl_lines,
    jsonl_record,
    load,
)

__all__ = ["SUPPORTED", "InputFile", "LoadError", "decode", "discover", "display_path", "documents", "format_of",
           "jsonl_lines", "jsonl_record", "load"]
