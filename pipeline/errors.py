"""One catalogue of coded messages.

Every error a user can see has a stable code, so that tests (and users' scripts) can match
on it: ``[E101] data/x.html: undecodable bytes (not UTF-8, GB18030 or Big5)``.
"""
from __future__ import annotations

MESSAGES: dict[str, str] = {
    # input and cleaning
    "E101": "{source}: undecodable bytes ({detail})",
    "E102": "{source}: empty input",
    "E103": "{source}: not an article ({detail})",
    "E104": "{source}: over the size limit ({size} bytes > {limit})",
    "E105": "{source}: bad JSON on line {line} ({detail})",
    "E106": "{source}: unreadable file ({detail})",
    "E107": "{source}: truncated or corrupt archive ({detail})",
    "E108": "{source}: no such file or folder",
    "E109": "{source}: internal error while processing ({detail})",
    # rule data
    "E201": "{path}:{line}: {detail}",
    "E202": "{path}: missing rule file",
    "E203": "{path}:{line}: unknown key {key!r} (allowed: {allowed})",
    "E204": "{path}:{line}: bad value {value!r} for {key} (allowed: {allowed})",
    "E205": "{path}:{line}: pattern does not compile: {detail}",
    "E206": "{path}:{line}: duplicate entry {value!r}",
    # usage
    "E301": "{detail}",
}


class FinnewsError(Exception):
    """An error with a catalogue code; ``str(err)`` is the one-line message."""

    def __init__(self, code: str, **fields: object) -> None:
        self.code = code
        self.fields = fields
        try:
            text = MESSAGES[code].format(**fields)
        except (KeyError, IndexError):  # a wrong field must not hide the real error
            text = f"{MESSAGES.get(code, code)} {fields}"
        super().__init__(f"[{code}] {text}")


class InputError(FinnewsError):
    """One input article is bad; the batch goes on."""


class RuleError(FinnewsError):
    """A rule file in models/ is malformed."""
