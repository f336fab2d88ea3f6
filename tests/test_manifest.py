"""manifest.yml is a valid Slack app manifest and asks for exactly what the bot uses.

The JSON schema lives in the shared folder beside the checkout (../shared/slack-manifest-schema).
Locally a missing shared folder skips these tests; under CI (env CI set) it fails them.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

from forms import ids

REPO_ROOT = Path(__file__).resolve().parents[1]
MANIFEST_PATH = REPO_ROOT / "manifest.yml"
SCHEMA_DIR = REPO_ROOT.parent / "shared" / "slack-manifest-schema"
SCHEMA_PATH = SCHEMA_DIR / "manifest.schema.1.0.0.json"

# Exactly the bot scopes the code needs. Adding one here is a decision, not an accident.
EXPECTED_BOT_SCOPES = {
    "commands",
    "chat:write",
    "channels:manage",
    "groups:write",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "pins:write",
    "reactions:write",
    "files:write",
    "im:write",
    "users:read",
    "usergroups:read",  # roles tied to Slack user groups (bot.roles)
}


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
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes)), "duplicate bot scopes"
    assert set(scopes) == EXPECTED_BOT_SCOPES, (
        f"unexpected: {sorted(set(scopes) - EXPECTED_BOT_SCOPES)}, "
        f"missing: {sorted(EXPECTED_BOT_SCOPES - set(scopes))}"
    )
    assert "user" not in manifest["oauth_config"]["scopes"], "the bot needs no user scopes"


def test_bot_user_and_app_home(manifest):
    features = manifest["features"]
    assert features["bot_user"] == {"display_name": "Service Orders", "always_online": True}
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["app_home"]["home_tab_enabled"] is True  # bot.home publishes it
