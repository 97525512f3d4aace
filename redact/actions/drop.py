"""``drop``: remove the whole field that holds the finding."""

from __future__ import annotations

from typing import ClassVar

from redact.actions.base import Action, Span

__all__ = ["Drop"]


class Drop(Action):
    """Leaf-level: the Redactor removes the field (the key from its mapping, or the item
    from its list). :meth:`replace` is not used; if called it removes the span only."""

    name: ClassVar[str] = "drop"
    leaf_level: ClassVar[bool] = True

    __slots__ = ()

    def replace(self, span: Span) -> str:
        return ""
