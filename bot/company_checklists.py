"""The company file's `checklists:` section: the self-checks attached to orders when approved.

checklists:
  - name: Safety                       # at most 100 characters, unique
    required: true                     # must be done before the order is closed as completed
    for: all                           # every order; or a new-order field's values:
    # for: {order_type: [maintenance, repair]}
    items:                             # 1 to 30
      - {label: Power off, kind: checkbox}          # ticked to be done
      - {label: Pressure (bar), kind: number}
      - {label: Remarks, kind: text, required: false}
      - {label: Photo of meter, kind: photo}         # a photo is required

An item is required unless `required: false` (a required checklist is done when its required items
are answered). An attached checklist is a copy: editing this file changes the orders approved
after, never those that have theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workflow.checklists import ITEMS_MAX, KINDS, ChecklistTemplate, ItemTemplate

CHECKLIST_KEYS = ("name", "required", "for", "items")
ITEM_KEYS = ("label", "kind", "required")
NAME_MAX = 100
LABEL_MAX = 150
CHECKLISTS_MAX = 20
VALUES_MAX = 50


def read_checklists(checker: Any, raw: Any, new_order_fields: Sequence[Any]) -> tuple[ChecklistTemplate, ...]:
    """The section, checked with the company file's checker (bot.company); new_order_fields: the
    new-order form's own fields (forms.custom.FieldSpec), which `for:` may name."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise checker.fail("checklists", "expected a list of checklists (- name: …)")
    if len(raw) > CHECKLISTS_MAX:
        raise checker.fail("checklists", f"at most {CHECKLISTS_MAX} checklists, not {len(raw)}")
    out: list[ChecklistTemplate] = []
    for i, entry in enumerate(raw):
        template = _checklist(checker, entry, f"checklists[{i}]", new_order_fields)
        if any(t.name.casefold() == template.name.casefold() for t in out):
            raise checker.fail(f"checklists[{i}]", f"name: {template.name!r} is already a checklist's name")
        out.append(template)
    return tuple(out)


def _checklist(checker: Any, raw: Any, where: str, fields: Sequence[Any]) -> ChecklistTemplate:
    d = checker.mapping(raw, where, CHECKLIST_KEYS)
    name = checker.text(d, "name", where, NAME_MAX, required=True)
    where = f"{where} ({name})"
    field, values = _applies_to(checker, d, where, fields)
    items = d.get("items")
    if not isinstance(items, list) or not items:
        raise checker.fail(where, "items: a checklist needs at least one item (- label: …, kind: …)", d)
    if len(items) > ITEMS_MAX:
        raise checker.fail(where, f"items: at most {ITEMS_MAX} (one form), not {len(items)}", d)
    return ChecklistTemplate(
        name=name,
        items=tuple(_item(checker, item, f"{where}: items[{n}]", d) for n, item in enumerate(items)),
        required=checker.flag(d, "required", where, False),
        field=field,
        values=values,
    )


def _item(checker: Any, raw: Any, where: str, parent: Any) -> ItemTemplate:
    d = checker.mapping(raw, where, ITEM_KEYS, parent)
    label = checker.text(d, "label", where, LABEL_MAX, required=True)
    kind = d.get("kind")
    if kind not in KINDS:
        raise checker.fail(where, f"kind: expected one of {', '.join(KINDS)}, not {kind!r}", d)
    return ItemTemplate(label, kind, checker.flag(d, "required", where, True))


def _applies_to(checker: Any, d: Any, where: str, fields: Sequence[Any]) -> tuple[str, tuple[str, ...]]:
    """('', ()) for every order; else (a new-order field's key, the values it applies to)."""
    raw = d.get("for", "all")
    if raw == "all":
        return "", ()
    known = {f.key: f for f in fields}
    if not isinstance(raw, dict) or len(raw) != 1:
        raise checker.fail(
            where, "for: expected all, or one new-order field and its values (for: {order_type: [repair]})", d
        )
    [(key, wanted)] = raw.items()
    spec = known.get(key)
    if spec is None:
        names = ", ".join(known) or "none in this file"
        raise checker.fail(where, f"for: {key!r} is not a field of forms.new_order (its fields: {names})", d)
    values = wanted if isinstance(wanted, list) else [wanted]
    if not values or len(values) > VALUES_MAX or any(isinstance(v, dict | list) or v is None for v in values):
        raise checker.fail(where, f"for: {key}: expected a value or a list of values, not {wanted!r}", d)
    texts = tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
    if spec.type == "select":
        for v in texts:
            if spec.choice(v) is None:
                options = ", ".join(c.value for c in spec.options)
                raise checker.fail(where, f"for: {key}: {v!r} is not one of its options ({options})", d)
    return key, texts
