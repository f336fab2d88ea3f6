"""manifest.yml is a valid Slack app manifest and asks for exactly what the bot uses.

The JSON schema lives in the shared folder beside the checkout (../shared/slack-manifest-schema).
Locally a missing shared folder skips these tests; under CI (env CI set) it fails them.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from forms import ids

REPO_ROOT = Path(__file__).resolve().parents[1]
MANIFEST_PATH = REPO_ROOT / "manifest.yml"
SCHEMA_DIR = REPO_ROOT.parent / "shared" / "slack-manifest-schema"
SCHEMA_PATH = SCHEMA_DIR / "manifest.schema.1.0.0.json"

# What each Slack Web API method needs, as the bot uses it (in public and in private channels: the
# scope for each kind), from ../shared/reference/slack-facts.md (1.2 and 10). The methods are those
# the code calls (found below): a method called without an entry here fails the test, so calling a
# new one is a decision about scopes, not an accident.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "chat.postEphemeral": {"chat:write"},
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "conversations.archive": {"channels:manage", "groups:write"},
    "conversations.create": {"channels:manage", "groups:write"},
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.invite": {"channels:manage", "groups:write"},
    "conversations.kick": {"channels:manage", "groups:write"},
    "conversations.list": {"channels:read", "groups:read"},
    "conversations.open": {"im:write"},
    "conversations.setTopic": {"channels:manage", "groups:write"},
    "files.upload.v2": {"files:write"},  # files.getUploadURLExternal + files.completeUploadExternal
    "files.info": {"files:read"},  # and the file's url_private with the bot token (bot.photos)
    "pins.add": {"pins:write"},
    "reactions.add": {"reactions:write"},
    "usergroups.list": {"usergroups:read"},
    "usergroups.users.list": {"usergroups:read"},
    "users.info": {"users:read"},
    "views.open": set(),
    "views.publish": set(),
    "views.push": set(),
    "views.update": set(),
}
# Beyond the Web API: the /so command, and the thread replies the bot hears (message.channels,
# message.groups) need the history scopes already listed for conversations.history.
OTHER_SCOPES = {"commands"}
WEB_API_FAMILIES = (
    "auth",
    "chat",
    "conversations",
    "files",
    "pins",
    "reactions",
    "usergroups",
    "users",
    "views",
)
CALL = re.compile(r"\.(" + "|".join(WEB_API_FAMILIES) + r")_(\w+)\b")


def methods_the_bot_calls() -> set[str]:
    """Every slack_sdk WebClient method named in the bot's code, as Slack's method name."""
    found = set()
    for path in (REPO_ROOT / "bot").rglob("*.py"):
        for family, rest in CALL.findall(path.read_text(encoding="utf-8")):
            found.add(f"{family}.{rest.replace('_', '.')}")
    return found


@pytest.fixture(scope="module")
def manifest() -> dict:
    with MANIFEST_PATH.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict), "manifest.yml must be a YAML mapping"
    return data


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    if not SCHEMA_PATH.is_file():
        reason = f"Slack manifest schema not found at {SCHEMA_PATH} (expected ../shared beside the checkout)"
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI is set, so this is an error")
        pytest.skip(reason)
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _errors(validator, instance) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def test_manifest_matches_slack_schema(validator, manifest):
    errors = _errors(validator, manifest)
    assert not errors, "manifest.yml violates the Slack manifest schema:\n" + "\n".join(errors)


def test_schema_rejects_command_without_command(validator, manifest):
    broken = copy.deepcopy(manifest)
    del broken["features"]["slash_commands"][0]["command"]
    assert _errors(validator, broken), "schema accepted a slash command without 'command'"


def test_schema_rejects_unknown_top_level_key(validator, manifest):
    broken = copy.deepcopy(manifest)
    broken["setings"] = {"socket_mode_enabled": True}
    assert _errors(validator, broken), "schema accepted a misspelled top-level key"


def test_slash_command_matches_code(manifest):
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [ids.SLASH_COMMAND]
    cmd = commands[0]
    assert cmd["should_escape"] is True
    assert cmd["description"] == "Service orders: new, list, export, show, help"
    hint = "[new | list FILTERS | export FILTERS | show SO-0042 | help | role @user ROLE]"
    assert cmd["usage_hint"] == hint


def test_socket_mode_and_interactivity(manifest):
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_bot_events(manifest):
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"message.channels", "message.groups", "app_home_opened"} <= events


def test_bot_scopes_are_exactly_what_the_bot_uses(manifest):
    called = methods_the_bot_calls()
    assert {"chat.postMessage", "conversations.create", "views.open"} <= called  # the scan sees calls
    unknown = sorted(called - set(METHOD_SCOPES))
    assert not unknown, f"the bot calls {unknown}: add the scopes each needs to METHOD_SCOPES"
    needed = set().union(*(METHOD_SCOPES[m] for m in called)) | OTHER_SCOPES
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes)), "duplicate bot scopes"
    assert set(scopes) == needed, (
        f"asked for and never used: {sorted(set(scopes) - needed)}, used and not asked for: "
        f"{sorted(needed - set(scopes))}"
    )
    assert "user" not in manifest["oauth_config"]["scopes"], "the bot needs no user scopes"


def test_bot_user_and_app_home(manifest):
    features = manifest["features"]
    assert features["bot_user"] == {"display_name": "Service Orders", "always_online": True}
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["app_home"]["home_tab_enabled"] is True  # bot.home publishes it
