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
        if not message.params:  # filled in only when there are values, as in Message
            return gettext(message.template) if message.template else str(message)
        # A value that is itself a message ("{sku}: {problem}") is read in the same language.
        params = {name: translate(value, gettext) if isinstance(value, Message) else value
                  for name, value in message.params.items()}
        try:
            return gettext(message.template).format(**params)
        except (KeyError, IndexError, ValueError):  # a bad translation must not break a page
            return str(message)
    return gettext(message) if message else message


def join(messages, separator: str = ", ") -> Message:
    """Several messages as one value ("A (short 2 kg), B (short 1 l)"), each of them read
    in the reader's language."""
    params = {f"m{number}": message for number, message in enumerate(messages)}
    return Message(separator.join("{" + name + "}" for name in params), params)


# Codes that messages name ("PO-0003 is sent", "it holds quarantine stock"), written out
# so that a translator can reach them; the English word is the code itself.
_WORDS = {
    "draft": t("draft"), "released": t("released"), "in_progress": t("in_progress"),
    "completed": t("completed"), "cancelled": t("cancelled"), "sent": t("sent"),
    "partial": t("partial"), "received": t("received"), "available": t("available"),
    "quarantine": t("quarantine"), "rejected": t("rejected"), "wip": t("wip"),
}


def word(code: str) -> str:
    """A status or kind code as a message value: the code in English, a word in any other
    language."""
    return _WORDS.get(code, code)
