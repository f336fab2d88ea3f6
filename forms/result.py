"""The outcome of parsing a submitted form: typed data, or errors keyed by input block_id."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FormResult(Generic[T]):
    """Either `value` (when the form is valid) or `errors` for `ack(response_action="errors")`."""

    value: T | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.value is not None and not self.errors


def failed(errors: dict[str, str]) -> FormResult[Any]:
    """Gives a result that carries only errors."""
    return FormResult(value=None, errors=dict(errors))


Parser = Callable[..., FormResult[T]]


def never_raises(fallback_block: str) -> Callable[[Parser[T]], Parser[T]]:
    """Wraps a parser so that an unforeseen payload becomes a form error, not an exception.

    The parsers read everything defensively; this is the last guard, and it logs, because reaching
    it means a parser has a gap worth fixing.
    """

    def wrap(parse: Parser[T]) -> Parser[T]:
        @functools.wraps(parse)
        def guarded(*args: Any, **kwargs: Any) -> FormResult[T]:
            try:
                return parse(*args, **kwargs)
            except Exception:
                logger.exception("form parser %s failed on its input", parse.__name__)
                return failed({fallback_block: "Something in this form could not be read. Please try again."})

        return guarded

    return wrap
