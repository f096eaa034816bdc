"""``list_repo_directory``: the entries of a directory of the project's linked GitHub repository."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from agents.tools._github import repository_contents
from agents.tools.base import ReadTool, ToolContext

MAX_ENTRIES = 200
"""Entries listed at most; the rest are counted."""


class RepoDirectory(BaseModel):
    """A directory of the repository."""

    path: str = Field(default="", max_length=500, description="A directory's path; empty for the root.")


class ListRepoDirectory(ReadTool):
    """A directory listing of the linked repository: names, paths and whether each is a file or directory."""

    name = "list_repo_directory"
    description = (
        "List a directory of this project's linked GitHub repository (default branch): each entry's "
        "name, path and type (file or dir). Empty path: the repository's root."
    )
    input_model = RepoDirectory

    def read(self, args: RepoDirectory, ctx: ToolContext) -> Any:
        """Return ``{path, entries, more}``; LookupError for a file or no repository."""
        data = repository_contents(ctx, args.path)
        if not isinstance(data, list):
            raise LookupError(f"{args.path!r} is a file: use read_repo_file.")
        entries = [{"name": e.get("name"), "path": e.get("path"), "type": e.get("type")} for e in data]
        return {
            "path": args.path,
            "entries": entries[:MAX_ENTRIES],
            "more": max(0, len(entries) - MAX_ENTRIES),
        }
