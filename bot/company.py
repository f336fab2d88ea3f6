"""The company's own settings: print settings and the fields it adds to the forms.

They come from one YAML file (SO_COMPANY_FILE; `company.example.yml` shows every option), checked
at start-up: a mistake stops the command with one line naming the file, the field and what is
wrong, and exit code 2. Without a file, the defaults below and SO_COMPANY_NAME / SO_CURRENCY apply.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from bot.company_checklists import read_checklists
from bot.company_email import EmailSettings, read_email
from bot.company_invoicing import InvoicingSettings, read_invoicing
from forms import close, confirmation, new_order
from forms.custom import (
    DECIMALS_MAX,
    FORMS,
    NUMBER_INPUT_MAX,
    OPTION_TEXT_MAX,
    OPTION_VALUE_MAX,
    OPTIONS_MAX,
    TEXT_MAX,
    TYPES,
    Choice,
    FieldSpec,
)
from forms.lines import VIEW_MAX_BLOCKS


@dataclass(frozen=True)
class PrintSettings:
    """What every PDF shows of the company, and how it writes numbers and dates."""

    company_name: str = "Service Orders"
    address: str = ""  # may span lines
    footer: str = ""  # on every page, e.g. "Registered in … · VAT …"
    logo: bytes | None = field(default=None, repr=False)  # PNG or JPEG, read and checked at start-up
    logo_name: str = ""  # the file's name, for messages
    currency: str = "EUR"
    locale: str = "en"  # e.g. "de_DE": 1.234,56 and 24.11.2026
    self_checks: bool = True  # the self-checks printed in full (who, when, answers)
    show_images: bool = True  # photos of the work printed on the PDFs (false: listed by name)


@dataclass(frozen=True)
class CompanyConfig:
    print: PrintSettings = field(default_factory=PrintSettings)
    # form name (new_order | confirmation | close) → its extra fields (forms.custom.FieldSpec)
    forms: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    path: str = ""  # the file it was read from; "" when none
    invoicing: InvoicingSettings = field(default_factory=InvoicingSettings)  # bot.company_invoicing
    # time: the catalog item (its code) that recorded time is priced as: labour lines per worker/day
    labour_item: str = ""
    # articles: the address emailed "Articles to order on SO-0042" when articles are added ("": none)
    articles_email: str = ""
    # email: reply-to, signature, which emails go out by themselves (bot.company_email)
    email: EmailSettings = field(default_factory=EmailSettings)
    checklists: tuple[Any, ...] = ()  # the self-checks (bot.company_checklists)

    def fields(self, form: str) -> tuple[FieldSpec, ...]:
        """The company's own fields of one form, in the file's order (none when it adds none)."""
        return tuple(self.forms.get(form, ()))

    @property
    def field_keys(self) -> list[str]:
        """The key of every field, in the file's order: the export's columns (custom:<key>)."""
        return [spec.key for form in FORMS for spec in self.fields(form)]


class CompanyFileError(Exception):
    """A mistake in the company file, as one line: file, where, what."""


# --- limits -----------------------------------------------------------------------------------

NAME_MAX = 100
ADDRESS_MAX = 500
FOOTER_MAX = 300
LOGO_MAX_BYTES = 2_000_000
LABEL_MAX = 80  # Slack allows 2000, but the card and the PDF show it beside the value
PLACEHOLDER_MAX = 150  # Slack's limit
HINT_MAX = 2000  # Slack's limit
KEY_MAX = 40
MIN_LINES = 10  # the line editor keeps room for at least this many lines in any form

KEY_PATTERN = re.compile(rf"[a-z][a-z0-9_]{{0,{KEY_MAX - 1}}}")
COLOUR_PATTERN = re.compile(r"#[0-9a-fA-F]{6}")
LOCALE_PATTERN = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")

# What the orders, the forms and the export already call something: a field may not take these names.
RESERVED_KEYS = frozenset(
    "number status outcome client site contact title description priority planned_date requester "
    "approver approved_at field_workers revision created_at closed_at lines total note final reason "
    "order_id custom custom_fields".split()
)

TOP_KEYS = ("print", "forms", "invoicing", "time", "articles", "email", "checklists")
TIME_KEYS = ("labour_item",)
ARTICLES_KEYS = ("email",)
EMAIL = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"'.]+")
PRINT_KEYS = ("company_name", "address", "footer", "logo", "currency", "locale", "show_images", "self_checks")
FIELD_KEYS = (
    "key",
    "label",
    "type",
    "required",
    "pdf",
    "placeholder",
    "hint",
    "max_length",
    "min",
    "max",
    "decimals",
    "options",
    "default",
)
OPTION_KEYS = ("value", "label", "colour")
# Which settings a field type takes besides key, label, type, required, pdf, hint and default.
TYPE_KEYS = {
    "text": ("placeholder", "max_length"),
    "long_text": ("placeholder", "max_length"),
    "number": ("placeholder", "min", "max", "decimals"),
    "date": ("placeholder",),
    "select": ("placeholder", "options"),
    "checkbox": (),
}

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


# --- reading YAML with line numbers -----------------------------------------------------------


class _Mapping(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers the line it starts on, for messages."""

    line = 0


class _Loader(yaml.SafeLoader):
    """yaml.safe_load's loader, with line numbers on mappings and duplicate keys refused."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Any:
    data = _Mapping()
    data.line = node.start_mark.line + 1
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in data:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        data[key] = loader.construct_object(value_node, deep=True)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


# --- checking -----------------------------------------------------------------------------------


class _Checker:
    """Walks the parsed file; the first mistake raises CompanyFileError naming where it is."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.keys_seen: dict[str, str] = {}

    def fail(self, where: str, what: str, node: Any = None) -> CompanyFileError:
        line = f" line {node.line}" if isinstance(node, _Mapping) and node.line else ""
        return CompanyFileError(
            f"{self.name}{line}: {where}: {what}" if where else f"{self.name}{line}: {what}"
        )

    def mapping(self, value: Any, where: str, known: tuple[str, ...] | None, parent: Any = None) -> _Mapping:
        """value, when it is a mapping with only known keys (None: not checked yet)."""
        if not isinstance(value, dict):
            raise self.fail(where, f"expected settings (key: value), not {_kind(value)}", parent)
        for key in value if known is not None else ():
            if key not in known:
                close_match = difflib.get_close_matches(str(key), known, n=1)
                hint = (
                    f" — did you mean {close_match[0]!r}?" if close_match else f" (known: {', '.join(known)})"
                )
                raise self.fail(where, f"unknown setting {str(key)!r}{hint}", value)
        return value  # type: ignore[return-value]

    def text(
        self, d: _Mapping, key: str, where: str, limit: int, *, required: bool = False, default: str = ""
    ) -> str:
        if key not in d or d[key] is None:
            if required:
                raise self.fail(where, f"{key}: missing", d)
            return default
        value = d[key]
        if not isinstance(value, str):
            raise self.fail(where, f"{key}: expected text, not {_kind(value)}", d)
        value = value.strip()
        if required and not value:
            raise self.fail(where, f"{key}: must not be empty", d)
        if len(value) > limit:
            raise self.fail(where, f"{key}: at most {limit:,} characters, not {len(value):,}", d)
        return value

    def email(self, d: _Mapping, key: str, where: str) -> str:
        """An email address (one), or "" when not given."""
        value = self.text(d, key, where, 254)
        if value and not EMAIL.fullmatch(value):
            raise self.fail(where, f"{key}: not an email address: {value!r} (e.g. purchasing@example.com)", d)
        return value

    def flag(self, d: _Mapping, key: str, where: str, default: bool) -> bool:
        value = d.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(where, f"{key}: expected true or false, not {value!r}", d)
        return value

    def whole(self, d: _Mapping, key: str, where: str, low: int, high: int, default: int) -> int:
        value = d.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(where, f"{key}: expected a whole number from {low} to {high:,}, not {value!r}", d)
        return value

    def decimal(self, d: _Mapping, key: str, where: str) -> Decimal | None:
        value = d.get(key)
        if value is None:
            return None
        number = _decimal(value)
        if number is None:
            raise self.fail(where, f"{key}: expected a number, not {value!r}", d)
        return number

    # print ---------------------------------------------------------------------------------

    def print_settings(self, raw: Any, defaults: PrintSettings) -> PrintSettings:
        if raw is None:
            return defaults
        d = self.mapping(raw, "print", PRINT_KEYS)
        logo, logo_name = self.logo(d)
        currency = self.text(d, "currency", "print", 3, default=defaults.currency)
        if not CURRENCY_PATTERN.fullmatch(currency) or not _known_currency(currency):
            raise self.fail(
                "print", f"currency: expected a currency code like EUR or USD, not {currency!r}", d
            )
        locale = self.text(d, "locale", "print", 20, default=defaults.locale)
        problem = _locale_problem(locale)
        if problem:
            raise self.fail("print", f"locale: {problem}", d)
        return replace(
            defaults,
            company_name=self.text(d, "company_name", "print", NAME_MAX, default=defaults.company_name)
            or defaults.company_name,
            address=self.text(d, "address", "print", ADDRESS_MAX, default=defaults.address),
            footer=self.text(d, "footer", "print", FOOTER_MAX, default=defaults.footer),
            logo=logo,
            logo_name=logo_name,
            currency=currency,
            locale=locale,
            show_images=self.flag(d, "show_images", "print", defaults.show_images),
            self_checks=self.flag(d, "self_checks", "print", defaults.self_checks),
        )

    def logo(self, d: _Mapping) -> tuple[bytes | None, str]:
        name = self.text(d, "logo", "print", 1000)
        if not name:
            return None, ""
        path = self.folder / name
        try:
            data = path.read_bytes() if path.stat().st_size <= LOGO_MAX_BYTES else None
        except FileNotFoundError:
            raise self.fail(
                "print", f"logo: no file {str(path)!r} (a path relative to this file)", d
            ) from None
        except OSError as e:
            raise self.fail("print", f"logo: cannot read {str(path)!r}: {e.strerror}", d) from None
        if data is None:
            raise self.fail("print", f"logo: {name} is larger than {LOGO_MAX_BYTES // 1_000_000} MB", d)
        if not (data.startswith(PNG_MAGIC) or data.startswith(JPEG_MAGIC)):
            raise self.fail("print", f"logo: {name} is not a PNG or JPEG image", d)
        problem = _pdf_image_problem(data)
        if problem:
            raise self.fail("print", f"logo: {name} cannot be put on a PDF: {problem}", d)
        return data, path.name

    # forms ---------------------------------------------------------------------------------

    def forms(self, raw: Any) -> dict[str, tuple[FieldSpec, ...]]:
        if raw is None:
            return {}
        d = self.mapping(raw, "forms", FORMS)
        out: dict[str, tuple[FieldSpec, ...]] = {}
        for form in FORMS:
            fields = d.get(form)
            if fields is None:
                continue
            if not isinstance(fields, list):
                raise self.fail(
                    f"forms.{form}", f"expected a list of fields (- key: …), not {_kind(fields)}", d
                )
            out[form] = tuple(self.field(f, form, i, d) for i, f in enumerate(fields))
        self.room(out, d)
        return {form: specs for form, specs in out.items() if specs}

    def field(self, raw: Any, form: str, index: int, parent: _Mapping) -> FieldSpec:
        where = f"forms.{form}[{index}]"
        d = self.mapping(raw, where, None, parent)
        key = d.get("key")
        if not isinstance(key, str) or not key:
            raise self.fail(where, "key: missing (a name like cost_center, used in the export)", d)
        where = f"{where} ({key})"
        self.mapping(d, where, FIELD_KEYS)
        if not KEY_PATTERN.fullmatch(key):
            raise self.fail(
                where,
                f"key: use lower-case letters, digits and _ , starting with a letter, at most {KEY_MAX} "
                "characters (like cost_center)",
                d,
            )
        if key in RESERVED_KEYS:
            raise self.fail(where, f"key: {key!r} is a built-in field's name; choose another", d)
        if key in self.keys_seen:
            raise self.fail(where, f"key: {key!r} is already used by {self.keys_seen[key]}", d)
        self.keys_seen[key] = f"forms.{form}[{index}]"
        label = self.text(d, "label", where, LABEL_MAX, required=True)
        kind = d.get("type")
        if kind not in TYPES:
            raise self.fail(where, f"type: expected one of {', '.join(TYPES)}, not {kind!r}", d)
        for name in d:
            if name not in ("key", "label", "type", "required", "pdf", "hint", "default", *TYPE_KEYS[kind]):
                raise self.fail(where, f"{name}: a {kind} field has no {name}", d)
        spec = FieldSpec(
            key=key,
            label=label,
            type=kind,
            required=self.flag(d, "required", where, False),
            pdf=self.flag(d, "pdf", where, True),
            placeholder=self.text(d, "placeholder", where, PLACEHOLDER_MAX),
            hint=self.text(d, "hint", where, HINT_MAX),
            max_length=self.whole(d, "max_length", where, 1, TEXT_MAX, 0),
            min=self.decimal(d, "min", where),
            max=self.decimal(d, "max", where),
            decimals=self.whole(d, "decimals", where, 0, DECIMALS_MAX, 0),
            options=self.options(d, where) if kind == "select" else (),
        )
        if kind == "number":
            self.number_range(spec, d, where)
        return replace(spec, default=self.default(spec, d, where))

    def number_range(self, spec: FieldSpec, d: _Mapping, where: str) -> None:
        for name, bound in (("min", spec.min), ("max", spec.max)):
            if bound is not None and _places(bound) > spec.decimals:
                raise self.fail(
                    where, f"{name}: {bound} has more digits after the point than decimals allows", d
                )
        if spec.min is not None and spec.max is not None and spec.min > spec.max:
            raise self.fail(where, f"min: {spec.min} is more than max {spec.max}", d)

    def options(self, d: _Mapping, where: str) -> tuple[Choice, ...]:
        raw = d.get("options")
        if not isinstance(raw, list) or not raw:
            raise self.fail(where, "options: a select needs at least one option", d)
        if len(raw) > OPTIONS_MAX:
            raise self.fail(
                where, f"options: at most {OPTIONS_MAX} options (Slack's limit), not {len(raw)}", d
            )
        choices: list[Choice] = []
        for i, item in enumerate(raw):
            at = f"{where}: options[{i}]"
            if isinstance(item, str | int) and not isinstance(item, bool):
                o = _Mapping(value=str(item), label=str(item))
                o.line = d.line
            else:
                o = self.mapping(item, at, OPTION_KEYS, d)
            value = o.get("value")
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or not value.strip():
                raise self.fail(at, "value: missing (text stored with the order and exported)", o)
            value = value.strip()
            if len(value) > OPTION_VALUE_MAX:
                raise self.fail(at, f"value: at most {OPTION_VALUE_MAX} characters", o)
            if any(c.value == value for c in choices):
                raise self.fail(at, f"value: {value!r} is already an option", o)
            label = self.text(o, "label", at, OPTION_TEXT_MAX - 2, default=value) or value
            if len(label) > OPTION_TEXT_MAX - 2:  # the colour square and a space go before it
                raise self.fail(at, f"label: at most {OPTION_TEXT_MAX - 2} characters, not {len(label)}", o)
            colour = o.get("colour")
            if colour is not None and not (isinstance(colour, str) and COLOUR_PATTERN.fullmatch(colour)):
                raise self.fail(at, f'colour: expected a colour like "#d62728", not {colour!r}', o)
            choices.append(Choice(value, label, (colour or "").lower()))
        return tuple(choices)

    def default(self, spec: FieldSpec, d: _Mapping, where: str) -> Any:
        value = d.get("default")
        if value is None:
            return None
        wrong = self.fail(where, f"default: {value!r} is not a valid {spec.type.replace('_', ' ')}", d)
        if spec.type in ("text", "long_text"):
            if not isinstance(value, str) or len(value) > spec.length_limit:
                raise wrong
            return value
        if spec.type == "number":
            number = _decimal(value)
            if (
                number is None
                or _places(number) > spec.decimals
                or (spec.min is not None and number < spec.min)
                or (spec.max is not None and number > spec.max)
            ):
                raise self.fail(where, f"default: {value!r} is not a number this field accepts", d)
            return format(number, "f")
        if spec.type == "date":
            if isinstance(value, date) and not isinstance(value, datetime):  # YAML reads 2026-01-31 as a date
                return value.isoformat()
            raise wrong
        if spec.type == "select":
            if spec.choice(str(value)) is None:
                raise self.fail(where, f"default: {value!r} is not one of the options' values", d)
            return str(value)
        if not isinstance(value, bool):
            raise self.fail(where, f"default: expected true or false, not {value!r}", d)
        return value

    def room(self, forms: dict[str, tuple[FieldSpec, ...]], d: _Mapping) -> None:
        """Every form must still fit in Slack's 100 blocks with room for MIN_LINES lines, and a
        confirmation must take every line the new-order form can hold."""
        new_lines = new_order.line_limit(len(forms.get("new_order", ())))
        confirm_lines = confirmation.line_limit(len(forms.get("confirmation", ())))
        for form, lines in (("new_order", new_lines), ("confirmation", confirm_lines)):
            if lines < MIN_LINES:
                raise self.fail(
                    f"forms.{form}",
                    f"{len(forms[form])} fields leave room for only {lines} lines in the form "
                    f"(Slack shows at most {VIEW_MAX_BLOCKS} blocks); keep at least {MIN_LINES}",
                    d,
                )
        if confirm_lines < new_lines:
            raise self.fail(
                "forms.confirmation",
                f"{len(forms['confirmation'])} fields leave room for {confirm_lines} lines, fewer than the "
                f"{new_lines} a new order may have: such an order could not be confirmed",
                d,
            )
        shown = len(close.close_modal(1, "SO-0001", True, forms.get("close", ()))["blocks"])
        if shown > VIEW_MAX_BLOCKS:
            raise self.fail(
                "forms.close",
                f"too many fields: the form would have {shown} blocks, Slack shows at most 100",
                d,
            )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a set of settings"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and len(str(value)) <= NUMBER_INPUT_MAX else None


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _known_currency(code: str) -> bool:
    try:
        from babel.numbers import is_currency
    except ImportError:  # without Babel the shape is all that can be checked
        return True
    return bool(is_currency(code))


def _locale_problem(locale: str) -> str:
    """'' when locale names a language (and region) the PDF can write numbers and dates for."""
    if not LOCALE_PATTERN.fullmatch(locale):
        return f"expected a locale like en, de_DE or es_ES, not {locale!r}"
    try:
        from babel import Locale, UnknownLocaleError
    except ImportError:
        return ""
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return f"unknown locale {locale!r}"
    return ""


def _pdf_image_problem(data: bytes) -> str:
    """'' when fpdf2 can place the image on a page; else what it said."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    try:
        pdf.image(io.BytesIO(data), w=20)
    except Exception as e:  # noqa: BLE001 - any failure means the PDF could not show it
        return str(e).splitlines()[0][:200] if str(e) else type(e).__name__
    return ""


def load_company(path: str, defaults: PrintSettings | None = None) -> CompanyConfig:
    """The company file at path, checked; defaults fill what its print part leaves out.

    Raises CompanyFileError with one line naming the file, where in it and what is wrong."""
    defaults = defaults or PrintSettings()
    name = path
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CompanyFileError(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise CompanyFileError(f"{name}: not UTF-8 text") from None
    except OSError as e:
        raise CompanyFileError(f"{name}: cannot read it: {e.strerror}") from None
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise CompanyFileError(f"{name}{line}: could not read YAML: {problem}") from None
    checker = _Checker(name, file.parent)
    if raw is None:
        raise CompanyFileError(f"{name}: the file is empty (see company.example.yml)")
    top = checker.mapping(raw, "", TOP_KEYS)
    forms = checker.forms(top.get("forms"))
    keys = [spec.key for form in FORMS for spec in forms.get(form, ())]
    return CompanyConfig(
        print=checker.print_settings(top.get("print"), defaults),
        forms=forms,
        path=str(file),
        invoicing=read_invoicing(checker, top.get("invoicing"), keys),
        labour_item=checker.text(
            checker.mapping(top.get("time") or {}, "time", TIME_KEYS), "labour_item", "time", 40
        ),
        articles_email=checker.email(
            checker.mapping(top.get("articles") or {}, "articles", ARTICLES_KEYS), "email", "articles"
        ),
        email=read_email(checker, top.get("email")),
        checklists=read_checklists(checker, top.get("checklists"), forms.get("new_order", ())),
    )
