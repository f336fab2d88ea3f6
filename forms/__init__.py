"""The bot's forms: each renders a Block Kit modal and parses a submitted view into typed data.

Pure functions: no Slack calls, no database. Parsers never raise; they return a FormResult whose
errors are keyed by input block_id, ready for `ack(response_action="errors", errors=...)`.
"""

from forms.articles import ArticleRow, articles_modal, parse_articles
from forms.backorder import backorder_modal, parse_backorder
from forms.checklists import FormChecklist, FormItem, checklist_modal, parse_self_check, picker_modal
from forms.close import close_modal, parse_close
from forms.confirmation import confirmation_modal, parse_confirmation
from forms.editor import with_line_added, with_line_removed
from forms.email_customer import email_customer_modal, parse_email_customer
from forms.field_workers import field_workers_modal, parse_field_workers
from forms.filters import FILTER_SYNTAX, OrderFilters, filters_from_fields, parse_filters
from forms.invoicing import mark_invoiced_modal, parse_mark_invoiced, parse_restore, restore_modal
from forms.lifecycle import cancel_modal, delete_modal, parse_cancel, parse_delete
from forms.new_order import new_order_modal, parse_new_order
from forms.reject import parse_reject, reject_modal
from forms.result import FormResult
from forms.timesheet import log_time_modal, parse_hours, parse_log_time

__all__ = [
    "FormChecklist",
    "FormItem",
    "checklist_modal",
    "parse_self_check",
    "picker_modal",
    "ArticleRow",
    "articles_modal",
    "parse_articles",
    "FILTER_SYNTAX",
    "FormResult",
    "OrderFilters",
    "close_modal",
    "confirmation_modal",
    "field_workers_modal",
    "log_time_modal",
    "filters_from_fields",
    "mark_invoiced_modal",
    "new_order_modal",
    "parse_close",
    "parse_confirmation",
    "parse_field_workers",
    "parse_filters",
    "parse_hours",
    "parse_log_time",
    "parse_mark_invoiced",
    "parse_new_order",
    "parse_reject",
    "cancel_modal",
    "email_customer_modal",
    "parse_email_customer",
    "backorder_modal",
    "parse_backorder",
    "delete_modal",
    "parse_cancel",
    "parse_delete",
    "parse_restore",
    "reject_modal",
    "restore_modal",
    "with_line_added",
    "with_line_removed",
]
