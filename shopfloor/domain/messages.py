"""Translatable messages without Flask.

The domain speaks English, but people read Romanian too. A message written as
`t("only {held} {unit} left", held=..., unit=...)` is an English `str` (so logs, tests and
the API read naturally) that also remembers its template and values, so the web layer can
show it in the reader's language: `translate(message, gettext)`. Babel extracts `t(...)`
templates into the catalogue like any `_()`.
"""

from __future__ import annotations

from collections.abc import Callable


class Message(str):
    template: str
    params: dict

    def __new__(cls, template: str, params: dict):
        text = super().__new__(cls, template.format(**params) if params else template)
        text.template = template
        text.params = params
        return text


def t(template: str, **params) -> Message:
    return Message(template, params)


def translate(message: str, gettext: Callable[[str], str]) -> str:
    """The message in the reader's language: its template translated, then filled in."""
    if isinstance(message, Message):
        try:
            return gettext(message.template).format(**message.params)
        except (KeyError, IndexError, ValueError):  # a bad translation must not break a page
            return str(message)
    return gettext(message) if message else message
