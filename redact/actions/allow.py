"""``allow``: leave the value as it is and only record the finding."""

from __future__ import annotations

from typing import ClassVar

from redact.actions.base import Action, Span

__all__ = ["Allow"]


class Allow(Action):
    """Record only: ``changes_value`` is False and :meth:`replace` returns the text."""

    name: ClassVar[str] = "allow"
    changes_value: ClassVar[bool] = False

    __slots__ = ()

    def replace(self, span: Span) -> str:
        return span.text
