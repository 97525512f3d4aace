"""The action interface: what a Redactor does with one detected span.

An action is bound once, when the policy loads (parameters validated, keys resolved),
and then maps a :class:`Span` to its replacement text. Neither a span's ``repr`` nor an
action's shows detected text or key material.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from typing_extensions import Self

    from redact.actions.keyring import Keyring

__all__ = ["Span", "Action", "ActionParams", "NoParams"]


@dataclass(frozen=True, slots=True, repr=False)
class Span:
    """One detected span: its text, category, detector id and the RFC 6901 pointer of the
    leaf that holds it; ``path`` the leaf's segments with their types (str: dict key,
    int: list index), when known (encryption binds them; else the pointer's segments are
    read as keys). ``whole``: the text also covers other findings overlapping this one,
    so no part of it may stay visible (a mask shows no domain or last digits). ``repr``
    omits the text."""

    text: str
    category: str
    detector: str
    pointer: str
    path: tuple[str | int, ...] | None = None
    whole: bool = False

    def __repr__(self) -> str:
        return f"Span(category={self.category!r}, detector={self.detector!r}, pointer={self.pointer!r})"


class ActionParams(BaseModel):
    """Base of every action's parameter model: unknown fields rejected, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(ActionParams):
    """The parameters of an action that takes none."""


class Action(abc.ABC):
    """One redaction action. Subclasses set ``name`` and ``params_model`` and implement
    :meth:`replace`.

    ``leaf_level`` actions (drop, block) act on the whole field; the Redactor does not use
    their :meth:`replace`. ``changes_value`` is False for actions that only record (allow).
    """

    name: ClassVar[str]
    params_model: ClassVar[type[ActionParams]] = NoParams
    leaf_level: ClassVar[bool] = False
    changes_value: ClassVar[bool] = True

    __slots__ = ("params",)

    def __init__(self, params: ActionParams | None = None) -> None:
        if params is None:
            params = self.params_model()
        if not isinstance(params, self.params_model):
            raise TypeError(
                f"action {self.name!r} takes {self.params_model.__name__}, not {type(params).__name__}"
            )
        self.params = params

    @classmethod
    def bind(cls, params: ActionParams, keyring: Keyring) -> Self:
        """Build the action from validated parameters, taking the keys it needs from
        ``keyring`` (KeyringError when a key is missing). Actions without keys ignore it."""
        return cls(params)

    @abc.abstractmethod
    def replace(self, span: Span) -> str:
        """The replacement text for ``span``; never contains key material."""

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.params.model_dump().items())
        return f"{type(self).__name__}({fields})"
