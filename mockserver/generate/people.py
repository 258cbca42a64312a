"""People, names and text: persons with e-mail domains per team, team, project, model and collection names,
prompts, descriptions and error messages. A blake2b-seeded `random.Random` picks from Faker's en_US tables
(Faker's weights) and the vocabularies; re-seeding Faker itself would cost ~180 us a name."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from itertools import accumulate

from faker.providers.lorem.en_US import Provider as _LoremProvider
from faker.providers.person.en_US import Provider as _PersonProvider

from mockserver.generate.ids import make_id, stable_seed
from mockserver.generate.vocabulary import (
    BASE_MODELS,
    BYOK,
    COLLECTION_NAMES,
    DASH,
    DESCRIPTION_TEMPLATES,
    ERRORS,
    FREE_MAIL,
    GENRES,
    MODIFIERS,
    PROJECT_WORDS,
    SEASONS,
    STUDIO_SUFFIXES,
    STUDIO_WORDS,
    SUBJECTS,
    THEMES,
)

__all__ = ["NameGenerator"]

_CDN = "https://cdn.cloud.scenario.com"

_Table = tuple[tuple[str, ...], tuple[float, ...]]


def _weighted(table: Mapping[str, float]) -> _Table:
    return tuple(table), tuple(accumulate(table.values()))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


class NameGenerator:
    """Names and text, each a pure function of this generator's seed and the key it is asked for."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._female = _weighted(_PersonProvider.first_names_female)
        self._male = _weighted(_PersonProvider.first_names_male)
        self._last = _weighted(_PersonProvider.last_names)
        self._words: tuple[str, ...] = tuple(w for w in _LoremProvider.word_list if len(w) > 2)
        self._domains: dict[str, str] = {}  # team name -> e-mail domain

    def rng(self, *key: object) -> random.Random:
        """Return a fresh `random.Random` for this seed and key (for callers that need their own draws)."""
        return random.Random(stable_seed(self.seed, *key))

    @staticmethod
    def _pick(rng: random.Random, table: _Table) -> str:
        return rng.choices(table[0], cum_weights=table[1])[0]

    def _full_name(self, rng: random.Random) -> tuple[str, str]:
        first = self._pick(rng, self._female if rng.random() < 0.5 else self._male)
        return first, self._pick(rng, self._last)

    def person(self, key: object, *, team_name: str | None = None) -> dict[str, str]:
        """Make a person: `fullName`, `email` (at the team's domain, if any), `avatarAssetId`, `avatarUrl`."""
        rng = self.rng("person", key)
        first, last = self._full_name(rng)
        f, la = _slug(first), _slug(last)
        local = rng.choice((f"{f}.{la}", f"{f}.{la}", f"{f[0]}{la}", f, f"{f}{la[0]}", f"{f}_{la}"))
        if team_name and rng.random() < 0.85:
            domain = self.team_domain(team_name)
        else:
            domain = rng.choice(FREE_MAIL)
            if rng.random() < 0.4:
                local += str(rng.randint(1, 99))
        asset_id = make_id("asset_", self.seed, "avatar", key)
        return {
            "fullName": f"{first} {last}",
            "email": f"{local}@{domain}",
            "avatarAssetId": asset_id,
            "avatarUrl": self.asset_url(asset_id, width=256),
        }

    def team_domain(self, team_name: str) -> str:
        """Return the e-mail domain of a team, the same for all of its members."""
        domain = self._domains.get(team_name)
        if domain is None:
            domain = self._domains[team_name] = self._team_domain(team_name)
        return domain

    def _team_domain(self, team_name: str) -> str:
        rng = self.rng("team_domain", team_name)
        words = team_name.split()
        if len(words) > 1 and words[-1] in STUDIO_SUFFIXES and rng.random() < 0.5:
            return _slug(" ".join(words[:-1])) + rng.choice((".games", ".studio", ".io"))
        return (_slug(team_name) or "example") + rng.choice((".com", ".com", ".io", ".co"))

    @staticmethod
    def asset_url(asset_id: str, *, width: int | None = None) -> str:
        """Return a CDN transform URL for an asset, shaped like the real API's."""
        size = f"&width={width}&height={width}&format=webp" if width else ""
        return f"{_CDN}/assets-transform/{asset_id}?p=100{size}"

    def team_name(self, key: object) -> str:
        """Make a game-studio-like team name, e.g. "Copperleaf Games"."""
        rng = self.rng("team_name", key)
        pattern = rng.random()
        if pattern < 0.6:
            return f"{rng.choice(STUDIO_WORDS)} {rng.choice(STUDIO_SUFFIXES)}"
        last = self._pick(rng, self._last)
        if pattern < 0.8:
            return f"{last} {rng.choice(STUDIO_SUFFIXES)}"
        return f"{last} & {self._pick(rng, self._last)} {rng.choice(STUDIO_SUFFIXES)}"

    def project_name(self, key: object) -> str:
        """Make a project name, e.g. "Project Nightfall" or "Skyforge \u2013 Season 3"."""
        rng = self.rng("project_name", key)
        word = rng.choice(PROJECT_WORDS)
        return rng.choice(
            (
                f"Project {word}",
                word,
                f"{word} {DASH} {rng.choice(SEASONS)}",
                f"{rng.choice(GENRES)} Prototype",
                f"Marketing {DASH} {rng.choice(SEASONS)}",
                f"{rng.choice(THEMES)} Exploration",
            )
        )

    def model_name(self, key: object) -> str:
        """Make a model name, e.g. "Isometric Buildings v2" or "Flux Dev LoRA \u2013 Characters"."""
        rng = self.rng("model_name", key)
        theme = rng.choice(THEMES)
        return rng.choice(
            (
                theme,
                f"{theme} v{rng.randint(2, 5)}",
                f"{rng.choice(BASE_MODELS)} LoRA {DASH} {theme}",
                f"{theme} ({rng.choice(BASE_MODELS)})",
                f"{rng.choice(PROJECT_WORDS)} {theme}",
            )
        )

    def collection_name(self, key: object) -> str:
        """Make a collection name, e.g. "Hero Concepts" or "Moodboard: Spell Effects"."""
        rng = self.rng("collection_name", key)
        name = rng.choice(COLLECTION_NAMES)
        return rng.choice((name, f"{name}: {rng.choice(THEMES)}", f"{rng.choice(THEMES)} {DASH} {name}"))

    def short_description(self, key: object) -> str:
        """Make a one-sentence model description."""
        return self._description(self.rng("short_description", key))

    def _description(self, rng: random.Random) -> str:
        theme = rng.choice(THEMES)
        return rng.choice(DESCRIPTION_TEMPLATES).format(
            n=rng.randint(12, 80), theme=theme.lower(), Theme=theme, mod=rng.choice(MODIFIERS)
        )

    def prompt(self, key: object) -> str:
        """Make an image-generation prompt, e.g. "a cozy cabin in a snowy forest, golden hour, 35mm"."""
        return self._prompt(self.rng("prompt", key))

    @staticmethod
    def _prompt(rng: random.Random) -> str:
        return ", ".join((rng.choice(SUBJECTS), *rng.sample(MODIFIERS, rng.randint(1, 4))))

    def error_message(self, key: object) -> str:
        """Make a realistic job failure message."""
        rng = self.rng("error_message", key)
        return rng.choice(ERRORS).format(
            gib=rng.choice((2, 4, 8)),
            secs=rng.choice((60, 120, 300, 600)),
            model=make_id("model_", self.seed, "error", key),
            asset=make_id("asset_", self.seed, "error", key),
            small=rng.randint(1, 4),
            small4=4,
            big=rng.choice((3072, 4096)),
        )

    def byok_provider(self, key: object) -> dict[str, str]:
        """Pick a bring-your-own-key provider: `{"id", "displayName"}`."""
        pid, name = self.rng("byok_provider", key).choice(BYOK)
        return {"id": pid, "displayName": name}

    def _sentence(self, rng: random.Random) -> str:
        words = rng.sample(self._words, rng.randint(5, 11))
        return " ".join(words).capitalize() + "."

    def _email(self, rng: random.Random) -> str:
        first, last = self._full_name(rng)
        return f"{_slug(first)}.{_slug(last)}@{rng.choice(FREE_MAIL)}"
