"""The ids of one kind of entity of a scenario, all of them (as the world will make them) and those written out, and
the message for an id that is not one of them."""

from __future__ import annotations

from collections.abc import Sequence

from mockserver.scenario.wording import did_you_mean, show_value

MAX_LISTED = 20  # known ids listed in an "unknown id" message


class EntityIds:
    """The ids of one kind of entity: all of them (as the world will make them) and those written out."""

    def __init__(
        self, noun: str, plural: str, ids: Sequence[str], explicit: Sequence[str], checked: bool = True
    ) -> None:
        self.noun = noun
        self.plural = plural
        self.all = set(ids)
        self.explicit = list(dict.fromkeys(explicit))
        self.checked = checked  # False when the ids cannot be known (their count is already a problem)

    @classmethod
    def unchecked(cls, noun: str, plural: str) -> EntityIds:
        return cls(noun, plural, [], [], checked=False)

    def __contains__(self, ref: str) -> bool:
        return not self.checked or ref in self.all

    def unknown(self, ref: str) -> str:
        message = f"unknown {self.noun} {show_value(ref)}"
        close = did_you_mean(ref, self.explicit)
        if close:
            return f"{message}; did you mean {close!r}?"
        if not self.all:
            return f"{message}: the scenario has no {self.plural}"
        if not self.explicit:
            return f"{message}: the {self.plural} have generated ids; list them with an `id` to refer to them"
        listed = ", ".join(self.explicit[:MAX_LISTED]) + (", ..." if len(self.explicit) > MAX_LISTED else "")
        return f"{message}; known {self.plural}: {listed}"
