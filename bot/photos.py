"""Fetching a photo from Slack, once (the FETCH_PHOTO effect): files.info for where Slack keeps the
file now and how big it is, then its url_private with the bot token as `Authorization: Bearer`
(scope files:read), then the copy the bot keeps (bot.images) — or, when Slack will not give it (the
file deleted, not shared with the bot, a 403 or 404) or it is no photo the bot can keep (not an
image, too big), the photo recorded as unavailable, to be listed by name on the PDF.

The effect never fails: a fetch that fails for good holds up nothing of the order. A 5xx, a refused
connection or a timeout is tried again with a backoff, FETCH_ATTEMPTS times, then the photo is
unavailable too; a 429 waits out Retry-After. A photo settled before (a retry after a lost answer,
the effect performed twice) is not fetched again.

The bot token goes only to Slack: to the API's own host (a test server, GovSlack) or, over HTTPS, to
a host of slack.com or slack-gov.com; redirects are not followed (Slack answers a request it does
not accept with a redirect to its login page).
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPException

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.images import MAX_BYTES, NotAnImage, keep_photo
from bot.slack_calls import Retry, SlackCalls
from workflow.snapshots import EffectView, OrderView

log = logging.getLogger("bot.effects")

FETCH_ATTEMPTS = 8  # about a minute and a half of backoff before a photo is given up as unavailable
TIMEOUT_SECONDS = 30.0
SLACK_HOSTS = (".slack.com", ".slack-gov.com")
# files.info errors that mean the file is not to be had (others: tried again, then unavailable)
GONE = {
    "file_not_found": "deleted, or not shared with the bot",
    "file_deleted": "deleted in Slack",
    "access_denied": "not shared with the bot",
    "not_visible": "not shared with the bot",
    "missing_scope": "the bot lacks the files:read scope",
    "not_allowed_token_type": "the bot lacks the files:read scope",
}


class _Refused(Exception):
    """Slack will not give the file (why in str())."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # a 3xx surfaces as an HTTPError: Slack did not accept the token


_OPENER = urllib.request.build_opener(_NoRedirects)


def fetch_photo(slack: SlackCalls, effect: EffectView, order: OrderView | None) -> None:
    """Fetch the photo effect names and keep it, or record why it cannot be had."""
    p = effect.payload
    photo = slack.wf.photo(int(p["photo_id"]))
    if photo is None or photo.status != "pending":
        return  # kept or given up before: fetched once
    try:
        data = _download(slack, str(p["file_id"]))
        kept = keep_photo(data)
    except (_Refused, NotAnImage) as why:
        log.info("photo %s (%s) unavailable: %s", photo.id, photo.name, why)
        slack.wf.photo_unavailable(photo.id, str(why))
        return
    except SlackApiError as e:
        if e.response.status_code == 429 or e.response.get("error") == "ratelimited":
            raise  # the dispatcher waits out Retry-After (not an attempt)
        _again(slack, effect, photo.id, str(e.response.get("error") or e.response.status_code))
        return
    except (SlackClientError, OSError, HTTPException) as e:  # timeouts, connection errors, 5xx
        _again(slack, effect, photo.id, f"{type(e).__name__}: {e}"[:200])
        return
    slack.wf.photo_fetched(photo.id, kept.jpeg, kept.thumb, kept.width, kept.height)


def _again(slack: SlackCalls, effect: EffectView, photo_id: int, error: str) -> None:
    """Try again later; after FETCH_ATTEMPTS, give the photo up as unavailable (the order goes on)."""
    if effect.attempts + 1 >= FETCH_ATTEMPTS:
        slack.wf.photo_unavailable(photo_id, f"Slack did not give it after {FETCH_ATTEMPTS} tries ({error})")
        return
    raise Retry(error, min(60.0, 0.5 * 2**effect.attempts))


def _download(slack: SlackCalls, file_id: str) -> bytes:
    """The file's bytes from Slack; _Refused when Slack will not give them."""
    try:
        info = slack.call(("files.info",), slack.client.files_info, file=file_id)["file"]
    except SlackApiError as e:
        error = str(e.response.get("error") or "")
        if error in GONE:
            raise _Refused(GONE[error]) from None
        raise
    mimetype = str(info.get("mimetype") or "")
    if mimetype and not mimetype.startswith("image/"):
        raise NotAnImage(f"not an image ({mimetype[:60]})")
    size = info.get("size")
    if isinstance(size, int) and size > MAX_BYTES:
        raise NotAnImage(f"larger than {MAX_BYTES // 1_000_000} MB")
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    if not _slack_url(url, slack.settings.slack_api_url):
        raise _Refused("Slack gave no address the bot may use")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {slack.client.token}"})
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            data = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as e:
        if e.code >= 500 or e.code == 429:
            raise OSError(f"HTTP {e.code}") from None  # tried again
        raise _Refused(f"Slack would not give it (HTTP {e.code})") from None
    if len(data) > MAX_BYTES:
        raise NotAnImage(f"larger than {MAX_BYTES // 1_000_000} MB")
    return data


def _slack_url(url: str, api_url: str) -> bool:
    """Whether url is Slack's: the API's own scheme and host, or HTTPS on a Slack host."""
    target, api = urllib.parse.urlsplit(url), urllib.parse.urlsplit(api_url)
    if not target.hostname:
        return False
    if (target.scheme, target.netloc) == (api.scheme, api.netloc):
        return True
    return target.scheme == "https" and target.hostname.endswith(SLACK_HOSTS)
