"""What the repository read tools share: the githubkit client and the project's linked repository.

Nothing is cloned: each read is one REST call (``GET /repos/{owner}/{repo}/contents/{path}``).
"""

from __future__ import annotations

from githubkit import GitHub
from githubkit.exception import GitHubException, RequestFailed

from agents.tools.base import ToolContext
from maestro.github_store import GitHubStore
from maestro.settings import Settings, build_settings

GITHUB_API_URL = "https://api.github.com"
"""GitHub's REST API root, when ``MAESTRO_GITHUB_API_URL`` isn't set."""


def github_client(settings: Settings) -> GitHub | None:
    """Return a githubkit client with ``MAESTRO_GITHUB_TOKEN`` (None when it isn't set)."""
    if settings.maestro_github_token is None:
        return None
    base_url = (settings.maestro_github_api_url or GITHUB_API_URL).rstrip("/")
    return GitHub(settings.maestro_github_token.get_secret_value(), base_url=base_url, timeout=20)


def repository_contents(ctx: ToolContext, path: str) -> object:
    """Return the JSON of ``GET contents/{path}`` in the project's linked repository.

    Raises:
        LookupError: no linked repository, no token, no such path, or GitHub refused (the message
            says which; the token never appears in it).
    """
    repo = GitHubStore(ctx.redis, ctx.team_id).repository(ctx.channel_id)
    if repo is None:
        raise LookupError("This project isn't linked to a GitHub repository.")
    client = github_client(build_settings())
    if client is None:
        raise LookupError("Maestro has no GitHub token (MAESTRO_GITHUB_TOKEN): it can't read the repository.")
    owner, name = repo.split("/", 1)
    try:
        return client.rest.repos.get_content(owner, name, path.strip("/")).json()
    except RequestFailed as error:
        code = error.response.status_code
        if code == 404:
            raise LookupError(f"{repo} has no {path!r}.") from None
        raise LookupError(f"GitHub answered {code} for {path!r} in {repo}.") from None
    except GitHubException as error:
        raise LookupError(f"GitHub couldn't be reached ({type(error).__name__}).") from None
