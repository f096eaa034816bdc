"""``read_repo_file``: one file of the project's linked GitHub repository."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import BaseModel, Field

from agents.tools._github import repository_contents
from agents.tools.base import MAX_RESULT_CHARS, ReadTool, ToolContext


class RepoPath(BaseModel):
    """A path in the repository."""

    path: str = Field(min_length=1, max_length=500, description="A file's path, such as src/app/reset.py.")


class ReadRepoFile(ReadTool):
    """A file of the linked repository (default branch), its text cut to the stated size."""

    name = "read_repo_file"
    description = (
        "Read one file of this project's linked GitHub repository (default branch) by its path. "
        f"Text only, cut at about {MAX_RESULT_CHARS} characters; list a directory first with "
        "list_repo_directory when you don't know the path."
    )
    input_model = RepoPath

    def read(self, args: RepoPath, ctx: ToolContext) -> Any:
        """Return ``{path, size, text, cut}``; LookupError for a directory, a binary file or no repository."""
        data = repository_contents(ctx, args.path)
        if not isinstance(data, dict) or data.get("type") != "file":
            raise LookupError(f"{args.path!r} is a directory: use list_repo_directory.")
        try:
            text = base64.b64decode(data.get("content") or "").decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise LookupError(f"{args.path!r} isn't a text file.") from None
        limit = MAX_RESULT_CHARS - 200
        return {
            "path": data.get("path"),
            "size": data.get("size"),
            "text": text[:limit],
            "cut": len(text) > limit,
        }
