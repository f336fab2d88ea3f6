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
MARK_INVOICED = "mark_invoiced"
RESTORE_ORDER = "restore_order"
CANCEL_ORDER = "cancel_order"
DELETE_ORDER = "delete_order"
EMAIL_CUSTOMER = "email_customer"
CREATE_BACKORDER = "create_backorder"

# Order card buttons (action ids); the button value carries the order id (never trusted)
APPROVE = "order_approve"
REJECT = "order_reject"
OPEN_ADD_FIELD_WORKERS = "order_add_field_workers"
OPEN_CONFIRMATION = "order_create_confirmation"
OPEN_CLOSE = "order_close"
# The office's half: Ready for invoicing (a click), Mark as invoiced and Restore (each a form)
READY_FOR_INVOICING = "order_ready_for_invoicing"
OPEN_MARK_INVOICED = "order_mark_invoiced"
OPEN_RESTORE = "order_restore"
# Cancel order (a form: the reason) on a live or closed order
OPEN_CANCEL = "order_cancel"
# Create backorder (a form: the lines to carry over) on an order ready for invoicing or invoiced
OPEN_BACKORDER = "order_backorder"

# The order card's Customer copy button (value: the order id, never trusted): the current revision's
# PDF without prices, posted in the order's channel
CUSTOMER_COPY = "order_customer_copy"
# Email customer (a form: to, subject, text) on an order with a PDF, when an SMTP server is configured
OPEN_EMAIL_CUSTOMER = "order_email_customer"
CUSTOMER_LINK = "order_customer_link"

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
CONFIRMATION_PHOTOS = "confirmation_photos"  # a file_input: photos of the work (workflow.photos)
CLOSE_OUTCOME = "close_outcome"
CLOSE_REASON = "close_reason"
CLOSE_ATTEST = "close_attest"  # the technician attestation's checkbox (block_id == action_id)
INVOICE_NUMBER = "invoice_number"
RESTORE_REASON = "restore_reason"
CANCEL_REASON = "cancel_reason"
DELETE_CONFIRM = "delete_confirm"
EMAIL_TO = "email_to"
EMAIL_SUBJECT = "email_subject"
EMAIL_TEXT = "email_text"
BACKORDER_TITLE = "backorder_title"
BACKORDER_DATE = "backorder_date"
BACKORDER_NOTE = "backorder_note"
BACKORDER_LINES = "backorder_lines"  # block ids f"{BACKORDER_LINES}:{first index}", ten lines each

# The company's own fields (forms.custom): block_id == action_id == f"{CUSTOM_PREFIX}{key}"
CUSTOM_PREFIX = "cf:"

# Master-data pickers in the forms: external_selects answered by options load requests
# (bot.listeners.options), and the choices that refill the form (bot.listeners.pickers).
CLIENT_PICK = "client_pick"  # action id of the Client external_select (in block CLIENT)
NEW_CLIENT = "new:"  # prefix of the value of the "not in the client list" option: new:<typed>
SITE_PICK = "site_pick"  # action id (and block id prefix) of the client's sites static_select
CATALOG_ITEM = "line_catalog_item"  # action id of the catalog external_select in a line's actions block

# Saved filters on the Home tab: one button per saved filter (the value is its name, never trusted;
# Slack wants the action ids of one block distinct, so each ends in :N), and the modal of its results
SAVED_FILTER_RUN = "saved_filter_run"
SAVED_FILTER_RUN_PATTERN = r"^saved_filter_run:\d+$"
SAVED_FILTER_RESULTS = "saved_filter_results"

# The Roles modal (/so role, admins): Revoke buttons carry "role:user" and Sync now the role (never
# trusted); block ids name the role (and person) so that each is distinct
ROLES = "roles"
ROLES_NOTICE = "roles_notice"
ROLES_HISTORY = "roles_history"
ROLE_REVOKE = "role_revoke"
ROLE_SYNC = "role_sync"
ROLE_GRANT_USER = "role_grant_user"  # input blocks: block_id == action_id
ROLE_GRANT_ROLE = "role_grant_role"


def custom_block(key: str) -> str:
    """Block id (and action id) of the company's field `key`."""
    return f"{CUSTOM_PREFIX}{key}"


def line_block(key: int, part: str) -> str:
    """Block id of one part of the line row identified by key."""
    return f"{LINE_PREFIX}{key}:{part}"


def saved_filter_run(n: int) -> str:
    """Action id of the Home tab's n-th saved-search button."""
    return f"{SAVED_FILTER_RUN}:{n}"


# Master data kept by admins (/so catalog, /so clients): modal callback ids; inputs (block_id ==
# action_id); buttons whose value is the record's id (never trusted: the server checks it and the
# clicker's role). Edit buttons sit one per section block, so the same action id may repeat.
MASTER_ITEM = "master_item"
MASTER_CLIENT = "master_client"
MASTER_SITE = "master_site"
MASTER_CONTACT = "master_contact"
ITEM_CODE = "master_item_code"
ITEM_NAME = "master_item_name"
ITEM_KIND = "master_item_kind"
ITEM_UNIT = "master_item_unit"
ITEM_PRICE = "master_item_price"
ITEM_ACTIVE = "master_item_active"
CLIENT_NAME = "master_client_name"
CLIENT_NUMBER = "master_client_number"
CLIENT_EMAIL = "master_client_email"
CLIENT_PHONE = "master_client_phone"
CLIENT_ADDRESS = "master_client_address"
CLIENT_ACTIVE = "master_client_active"
SITE_NAME = "master_site_name"
SITE_ADDRESS = "master_site_address"
SITE_ACCESS = "master_site_access"
SITE_ACTIVE = "master_site_active"
CONTACT_NAME = "master_contact_name"
CONTACT_PHONE = "master_contact_phone"
CONTACT_EMAIL = "master_contact_email"
CONTACT_SITE = "master_contact_site"
CONTACT_ACTIVE = "master_contact_active"
EDIT_ITEM = "master_edit_item"
EDIT_CLIENT = "master_edit_client"
EDIT_SITE = "master_edit_site"
EDIT_CONTACT = "master_edit_contact"
ADD_SITE = "master_add_site"  # value: the client's id
ADD_CONTACT = "master_add_contact"  # value: the client's id
ADD_TYPED_CLIENT = "master_add_typed_client"  # in the admins' DM: value is the name a coordinator typed


def role_revoke_block(role: str, user_id: str) -> str:
    return f"{ROLE_REVOKE}:{role}:{user_id}"


def role_sync_block(role: str) -> str:
    return f"{ROLE_SYNC}:{role}"


# Time from the field: the card's buttons (value: the order's id), the Log time form and its inputs,
# and the Edit button of /so time's list (value: the time entry's id)
REINSTATE = "order_reinstate"
START_WORK = "start_work"
STOP_WORK = "stop_work"
OPEN_LOG_TIME = "open_log_time"
LOG_TIME = "log_time"  # the form's callback_id
TIME_DATE = "time_date"
TIME_HOURS = "time_hours"
TIME_NOTE = "time_note"
TIME_REMOVE = "time_remove"
EDIT_TIME = "edit_time"

# Articles to be ordered: the card's buttons (value: the order's id), the Articles form (callback id)
# and its inputs: one status select per article (block id f"{ARTICLE_STATUS}:{article id}"), and the
# fields of an article to add (block_id == action_id)
OPEN_ARTICLES = "order_articles"
USE_ARTICLES = "order_use_articles"
ARTICLES = "articles"
ARTICLE_STATUS = "article_status"
ARTICLE_CATALOG = "article_catalog_item"
ARTICLE_DESC = "article_description"
ARTICLE_QUANTITY = "article_quantity"
ARTICLE_UNIT = "article_unit"


def article_status_block(article_id: int) -> str:
    """Block id of the status select of one article in the Articles form."""
    return f"{ARTICLE_STATUS}:{article_id}"


# Self-checks (forms.checklists): the card's button (value: the order's id), the picker's buttons
# when the order has several checklists (value: "order id:checklist id"), the form (callback id)
# and one input per item (block id f"{SELF_CHECK_ITEM}:{item key}")
OPEN_SELF_CHECKS = "order_self_checks"
OPEN_CHECKLIST = "open_checklist"
SELF_CHECK = "self_check"
SELF_CHECK_PICKER = "self_check_picker"
SELF_CHECK_ITEM = "self_check_item"


def self_check_block(key: str) -> str:
    """Block id of one item's input in a self-check form."""
    return f"{SELF_CHECK_ITEM}:{key}"
