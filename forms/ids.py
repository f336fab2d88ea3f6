"""Every callback_id, action_id and block_id the bot uses, named once.

Builders (forms, cards), the listener wiring and the tests import these names; nothing else
spells them.
"""

# Slash command (must match manifest.yml)
SLASH_COMMAND = "/so"

# Modal callback ids
NEW_ORDER = "new_order"
REJECT_ORDER = "reject_order"
ADD_FIELD_WORKERS = "add_field_workers"
CONFIRMATION = "confirmation"
CLOSE_ORDER = "close_order"

# Order card buttons (action ids); the button value carries the order id (never trusted)
APPROVE = "order_approve"
REJECT = "order_reject"
OPEN_ADD_FIELD_WORKERS = "order_add_field_workers"
OPEN_CONFIRMATION = "order_create_confirmation"
OPEN_CLOSE = "order_close"

# Paging buttons under a /so list result; the value carries the filters and the cursor (never trusted)
LIST_PAGING_BLOCK = "orders_list_paging"
LIST_PREVIOUS = "orders_list_previous"
LIST_NEXT = "orders_list_next"

# Buttons and selects inside the line editor of a modal
ADD_LINE = "line_add"
REMOVE_LINE = "line_remove"
LINE_KIND = "line_kind"  # action id of the kind select in a line's actions block
LINES_ACTIONS_BLOCK = "lines_actions"

# Input blocks of the new-order form: block_id == action_id
CLIENT = "client"
SITE = "site"
CONTACT = "contact"
TITLE = "title"
DESCRIPTION = "description"
PLANNED_DATE = "planned_date"
PRIORITY = "priority"

# Line rows: block ids are f"{LINE_PREFIX}{key}:{part}", parts below
LINE_PREFIX = "line:"
LINE_DESC = "desc"
LINE_AMOUNT = "amount"
LINE_ACTIONS = "actions"

# Other modal inputs
REJECT_REASON = "reject_reason"
FIELD_WORKERS = "field_workers"
CONFIRMATION_NOTE = "confirmation_note"
CONFIRMATION_FINAL = "confirmation_final"
CLOSE_OUTCOME = "close_outcome"
CLOSE_REASON = "close_reason"

# Saved filters on the Home tab: one button per saved filter (the value is its name, never trusted;
# Slack wants the action ids of one block distinct, so each ends in :N), and the modal of its results
SAVED_FILTER_RUN = "saved_filter_run"
SAVED_FILTER_RUN_PATTERN = r"^saved_filter_run:\d+$"
SAVED_FILTER_RESULTS = "saved_filter_results"


def line_block(key: int, part: str) -> str:
    """Block id of one part of the line row identified by key."""
    return f"{LINE_PREFIX}{key}:{part}"


def saved_filter_run(n: int) -> str:
    """Action id of the Home tab's n-th saved-search button."""
    return f"{SAVED_FILTER_RUN}:{n}"
