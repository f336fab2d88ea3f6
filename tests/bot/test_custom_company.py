"""The company file: the committed example loads; every kind of mistake is one line naming the
file, the place and the problem; a broken file stops the command line with exit code 2."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from bot.company import CompanyFileError, load_company
from bot.config import ConfigError, load_settings
from forms import new_order
from forms.custom import Choice

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "company.example.yml"

# A 1×1 PNG: the smallest logo fpdf2 can place
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def write(tmp_path: Path, text: str, name: str = "company.yml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def test_the_committed_example_loads_with_every_kind_of_field() -> None:
    company = load_company(str(EXAMPLE))
    assert company.print.company_name == "Andes IT & Consulting"
    assert company.print.address.splitlines()[1] == "28001 Madrid, España"
    assert (company.print.currency, company.print.locale) == ("EUR", "es_ES")
    kinds = {spec.type for form in company.forms.values() for spec in form}
    assert kinds == {"text", "long_text", "number", "date", "select", "checkbox"}
    order_type = company.fields("new_order")[0]
    assert order_type.required and order_type.default == "repair"
    assert order_type.options[0] == Choice("repair", "Repair", "#d62728")
    hours = next(s for s in company.fields("new_order") if s.key == "budget_hours")
    assert (hours.min, hours.max, hours.decimals, hours.pdf) == (Decimal(0), Decimal(1000), 1, False)
    assert company.field_keys[-1] == "customer_signed"


def test_settings_read_the_file_and_fall_back_to_the_environment_for_what_it_leaves_out(
    tmp_path: Path,
) -> None:
    logo = tmp_path / "img" / "logo.png"
    logo.parent.mkdir()
    logo.write_bytes(PNG)
    path = write(tmp_path, "print:\n  logo: img/logo.png\n  locale: de_DE\n")
    settings = load_settings({"SO_COMPANY_FILE": path, "SO_COMPANY_NAME": "Acme", "SO_CURRENCY": "chf"})
    printed = settings.company.print
    assert (printed.company_name, printed.currency, printed.locale) == ("Acme", "CHF", "de_DE")
    assert printed.logo == PNG and printed.logo_name == "logo.png"
    assert settings.company.forms == {} and settings.company.path == path
    without = load_settings({"SO_COMPANY_NAME": "Acme"})
    assert without.company.print.company_name == "Acme" and without.company.forms == {}


TOO_MANY = 100 - new_order.FIXED_BLOCKS - 29  # the new-order form then holds 9 lines, one too few

FIELD = """\
forms:
  new_order:
    - key: cost_center
      label: Cost center
      type: text
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("print: [1, 2\n", "line 2: could not read YAML: expected ',' or ']', but got '<stream end>'"),
        ("", "the file is empty (see company.example.yml)"),
        (
            "print:\n  company_name: A\n  company_name: B\n",
            "line 3: could not read YAML: duplicate key 'company_name'",
        ),
        ("prnt:\n  company_name: A\n", "line 1: unknown setting 'prnt' — did you mean 'print'?"),
        ("print:\n  curency: EUR\n", "line 2: print: unknown setting 'curency' — did you mean 'currency'?"),
        ("print:\n  currency: euro\n", "line 2: print: currency: at most 3 characters, not 4"),
        (
            "print:\n  currency: XYZ\n",
            "line 2: print: currency: expected a currency code like EUR or USD, not 'XYZ'",
        ),
        (
            "print:\n  locale: german\n",
            "line 2: print: locale: expected a locale like en, de_DE or es_ES, not 'german'",
        ),
        ("print:\n  locale: qq_QQ\n", "line 2: print: locale: unknown locale 'qq_QQ'"),
        ("print:\n  company_name: 42\n", "line 2: print: company_name: expected text, not 42"),
        ("print:\n  logo: missing.png\n", "line 2: print: logo: no file"),
        ("print:\n  logo: notes.txt\n", "line 2: print: logo: notes.txt is not a PNG or JPEG image"),
        ("print:\n  logo: broken.png\n", "line 2: print: logo: broken.png cannot be put on a PDF"),
        (
            "forms:\n  new_order: cost_center\n",
            "line 2: forms.new_order: expected a list of fields (- key: …), not 'cost_center'",
        ),
        ("forms:\n  closing: []\n", "line 2: forms: unknown setting 'closing' — did you mean 'close'?"),
        (
            FIELD + "      lable: X\n",
            "line 3: forms.new_order[0] (cost_center): unknown setting 'lable' — did you mean 'label'?",
        ),
        (
            FIELD.replace("cost_center", "Cost Center"),
            "line 3: forms.new_order[0] (Cost Center): key: use lower-case letters",
        ),
        (
            FIELD.replace("cost_center", "title"),
            "line 3: forms.new_order[0] (title): key: 'title' is a built-in field's name",
        ),
        (
            FIELD + "  close:\n    - {key: cost_center, label: Again, type: text}\n",
            "line 7: forms.close[0] (cost_center): key: 'cost_center' is already used by forms.new_order[0]",
        ),
        (
            FIELD.replace("type: text", "type: string"),
            "line 3: forms.new_order[0] (cost_center): type: expected one of text, long_text, number, date, "
            "select, checkbox, not 'string'",
        ),
        (
            FIELD.replace("label: Cost center", "label: ''"),
            "line 3: forms.new_order[0] (cost_center): label: must not be empty",
        ),
        (
            FIELD + "      required: sometimes\n",
            "line 3: forms.new_order[0] (cost_center): required: expected true or false, not 'sometimes'",
        ),
        (
            FIELD + "      decimals: 2\n",
            "line 3: forms.new_order[0] (cost_center): decimals: a text field has no decimals",
        ),
        (
            FIELD + "      max_length: 5000\n",
            "line 3: forms.new_order[0] (cost_center): max_length: "
            "expected a whole number from 1 to 3,000, not 5000",
        ),
        (
            FIELD.replace("type: text", "type: select"),
            "line 3: forms.new_order[0] (cost_center): options: a select needs at least one option",
        ),
        (
            FIELD.replace("type: text", "type: select") + "      options: []\n",
            "line 3: forms.new_order[0] (cost_center): options: a select needs at least one option",
        ),
        (
            FIELD.replace("type: text", "type: select") + "      options: [A, A]\n",
            "line 3: forms.new_order[0] (cost_center): options[1]: value: 'A' is already an option",
        ),
        (
            FIELD.replace("type: text", "type: select")
            + "      options:\n        - {value: a, colour: red}\n",
            "line 7: forms.new_order[0] (cost_center): options[0]: colour: "
            "expected a colour like \"#d62728\", not 'red'",
        ),
        (
            FIELD.replace("type: text", "type: select") + "      options: [A, B]\n      default: C\n",
            "line 3: forms.new_order[0] (cost_center): default: 'C' is not one of the options' values",
        ),
        (
            FIELD.replace("type: text", "type: select")
            + "      options: ["
            + ", ".join(f"o{i}" for i in range(101))
            + "]\n",
            "line 3: forms.new_order[0] (cost_center): options: at most 100 options (Slack's limit), not 101",
        ),
        (
            FIELD.replace("type: text", "type: number") + "      min: 10\n      max: 1\n",
            "line 3: forms.new_order[0] (cost_center): min: 10 is more than max 1",
        ),
        (
            FIELD.replace("type: text", "type: number") + "      min: 0.5\n",
            "line 3: forms.new_order[0] (cost_center): min: "
            "0.5 has more digits after the point than decimals allows",
        ),
        (
            FIELD.replace("type: text", "type: number") + "      max: lots\n",
            "line 3: forms.new_order[0] (cost_center): max: expected a number, not 'lots'",
        ),
        (
            FIELD.replace("type: text", "type: date") + "      default: tomorrow\n",
            "line 3: forms.new_order[0] (cost_center): default: 'tomorrow' is not a valid date",
        ),
        (
            FIELD.replace("type: text", "type: checkbox") + "      default: 1\n",
            "line 3: forms.new_order[0] (cost_center): default: expected true or false, not 1",
        ),
        (
            "forms:\n  new_order:\n"
            + "".join(f"    - {{key: f{i}, label: F{i}, type: text}}\n" for i in range(TOO_MANY)),
            f"line 2: forms.new_order: {TOO_MANY} fields leave room for only 9 lines in the form "
            "(Slack shows at most 100 blocks); keep at least 10",
        ),
    ],
)
def test_each_mistake_is_one_line_naming_the_file_the_place_and_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "broken.png").write_bytes(PNG[:40])
    path = write(tmp_path, text)
    with pytest.raises(CompanyFileError) as raised:
        load_company(path)
    line = str(raised.value)
    assert "\n" not in line
    assert line.startswith(
        f"{path}{'' if message.startswith('the file') else ' ' if message.startswith('line') else ': '}"
    )
    assert message in line, line
    with pytest.raises(ConfigError, match="^" + path):  # the same line from the settings
        load_settings({"SO_COMPANY_FILE": path})


def test_a_missing_file_is_named() -> None:
    with pytest.raises(ConfigError, match="^nowhere/company.yml: no such file$"):
        load_settings({"SO_COMPANY_FILE": "nowhere/company.yml"})


def test_a_broken_file_stops_the_command_line_with_exit_2_and_that_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, FIELD.replace("type: text", "type: select"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SO_", "DATABASE_URL"))}
    env.update(SO_COMPANY_FILE=path, DATABASE_URL=f"sqlite:///{tmp_path / 'so.db'}")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "role", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"service-orders: {path} line 3: forms.new_order[0] (cost_center): options: "
        "a select needs at least one option\n"
    )
    assert result.stdout == ""
