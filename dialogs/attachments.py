"""Files people attach in the personal chat: what Teams sends, and fetching them.

Teams puts each file in the message as an attachment of type
``application/vnd.microsoft.teams.file.download.info`` whose content holds a short-lived,
pre-authorised ``downloadUrl`` (and the file type); a pasted link arrives as text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import aiohttp
from microsoft_agents.activity import Activity

from bot.evidence import FileTooBig, IncomingFile

FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"
_LINK = re.compile(r"https?://\S+")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TIMEOUT = aiohttp.ClientTimeout(total=60)


def incoming_files(activity: Activity) -> list[IncomingFile]:
    """The files attached to a message."""
    found = []
    for attachment in activity.attachments or []:
        content = attachment.content if isinstance(attachment.content, dict) else {}
        url = content.get("downloadUrl")
        if attachment.content_type == FILE_DOWNLOAD and isinstance(url, str) and url:
            size = content.get("size")
            found.append(
                IncomingFile(
                    str(attachment.name or "fil"), url, size if isinstance(size, int) else None
                )
            )
    return found


def pasted_links(text: str) -> list[str]:
    """The links in a message that is nothing but links (a pasted link, not a sentence)."""
    words = text.split()
    if not words or not all(_LINK.fullmatch(w) for w in words):
        return []
    return [w.rstrip(".,;)") for w in words]


def is_evidence(activity: Activity) -> bool:
    """Whether a message brings files or nothing but links."""
    return bool(incoming_files(activity) or pasted_links(activity.text or ""))


def _allowed(url: str) -> bool:
    # Teams' download URLs are https; plain http only on this machine (the Playground and
    # the tests serve files on loopback), never to a host on the network.
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)


async def download(url: str, limit: int) -> bytes:
    """The file at ``url``; FileTooBig past ``limit`` bytes; ValueError for a URL that is
    not allowed; aiohttp's errors when the download fails."""
    if not _allowed(url):
        raise ValueError("download URL not allowed")
    async with (
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
        session.get(url, allow_redirects=False) as response,
    ):
        response.raise_for_status()
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise FileTooBig(url)
            chunks.append(chunk)
        return b"".join(chunks)


def names(files: Sequence[IncomingFile]) -> list[str]:
    """The files' names, as sent."""
    return [f.name for f in files]
