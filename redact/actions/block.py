"""``block``: refuse the whole value; the Redactor raises :class:`redact.errors.Blocked`."""

from __future__ import annotations

from typing import ClassVar

from redact.actions.base import Action, Span
from redact.errors import Blocked

__all__ = ["Block"]


class Block(Action):
    """Leaf-level: the Redactor raises :class:`~redact.errors.Blocked` for the field.
    :meth:`replace` raises it too, so a Redactor that forgets the leaf-level check still
    fails closed."""

    name: ClassVar[str] = "block"
    leaf_level: ClassVar[bool] = True

    __slots__ = ()

    def error(self, span: Span) -> Blocked:
        """The exception for ``span`` (pointer, category and detector; never the text)."""
        return Blocked(span.pointer, span.category, span.detector)

    def replace(self, span: Span) -> str:
        raise self.error(span)
