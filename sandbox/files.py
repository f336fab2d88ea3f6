"""Files on the local Slack beyond what a message shares: a file a person uploads into a modal's
file_input (not shared in any channel), and a file deleted afterwards.

A download of a file's ``url_private`` is served only with the bot token as ``Authorization:
Bearer`` (else a 302 to a login page, as Slack does); each one is counted in ``FakeSlack.served`` as
``"file"``, and ``fail_next("file", status=404)`` (or 403, 503…), ``lose_response_next("file")``,
``delay_next("file", …)`` and ``hold_next("file")`` act on the next one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.slack import FakeSlack


def upload_file(fake: FakeSlack, user_id: str, name: str, content: bytes) -> dict:
    """A file user_id uploads in a modal's file_input: the file object Slack puts in the view's
    state (fill the file_input with a list of these)."""
    with fake._lock:
        fake._user_ref(user_id)
        file = fake._make_file(name, content, user_id)
        return fake._file_object(file)


def delete_file(fake: FakeSlack, file_id: str) -> None:
    """The file is deleted: files.info answers file_not_found, its url_private 404."""
    with fake._lock:
        fake.files.pop(file_id, None)


def downloads(fake: FakeSlack) -> int:
    """How many downloads of files' url_private the fake has answered (or dropped)."""
    with fake._lock:
        return fake.served.count("file")
