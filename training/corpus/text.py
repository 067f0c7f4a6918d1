"""Training text: natural dialogue lines plus sentences chosen from the CMU pronouncing
dictionary (shipped by pocketsphinx) to cover as many phone pairs (diphones) as possible."""
from __future__ import annotations

import re
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from training.phones import normalise_phone

DIALOGUE = (
    "Hello there. I have been waiting for you.",
    "Where were you last night? We looked everywhere.",
    "Put the bag down by the boat and move back, please.",
    "I can't believe you did that. That was brilliant!",
    "Maybe we should leave before the storm gets worse.",
    "Follow me, and keep your voice down.",
    "The bridge is out, so we have to go around the mountain.",
    "Why would anyone build a fortress this far from the sea?",
    "Thank you. I will never forget what you did for my family.",
    "Stop right there! Drop the weapon and show me your hands.",
    "Oh, it's you. I thought the guards had come back.",
    "Bring me five pieces of iron and I will forge you a blade.",
    "The merchant wants three hundred gold for the map.",
    "Look at the sky. Something strange is happening to the moon.",
    "We lost everything in the fire. Our home, our fields, all of it.",
    "You should see the view from the top of the old watch tower.",
    "Just breathe. Everything is going to be fine, I promise.",
    "Who told you about the vault beneath the church?",
    "My brother went north three winters ago and never returned.",
    "Quick, through the window! They are breaking down the door.",
    "Very well. A deal is a deal, but don't make me regret it.",
    "The queen will judge you at dawn. Pray she is merciful.",
    "Did you hear that? Something moved behind the wall.",
    "Welcome back, friend! The usual, or something stronger tonight?",
    "Please, I beg you, take the children somewhere safe.",
    "Measure twice, cut once. That's what my father always said.",
    "Whatever happens, we face it together.",
    "How much further? My feet are killing me.",
    "The ship leaves at noon with or without you.",
    "Choose wisely. You only get one chance at this.",
)
WORD = re.compile(r"^[a-z]+$")


def cmudict_path() -> Path:
    spec = find_spec("pocketsphinx")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("pocketsphinx is needed for the CMU dictionary: pip install 'emoface-bridge[train]'")
    return Path(list(spec.submodule_search_locations)[0]) / "model" / "en-us" / "cmudict-en-us.dict"


@cache
def cmudict() -> dict[str, tuple[str, ...]]:
    """word -> phones (ARPAbet without stress); first pronunciation of plain lower-case words."""
    out: dict[str, tuple[str, ...]] = {}
    for line in cmudict_path().read_text(encoding="utf-8").splitlines():
        word, *phones = line.split()
        if WORD.match(word) and 2 <= len(word) <= 9 and word not in out:
            out[word] = tuple(normalise_phone(p) for p in phones)
    return out


def diphones(phones: tuple[str, ...]) -> set[tuple[str, str]]:
    return set(zip(phones, phones[1:]))


def coverage_sentences(count: int, seed: int, words_per_sentence: tuple[int, int] = (5, 10)) -> list[str]:
    """Greedy diphone coverage: each sentence is the best of several random candidates."""
    rng = np.random.default_rng(seed)
    lexicon = cmudict()
    words = sorted(lexicon)
    covered: set[tuple[str, str]] = set()
    sentences = []
    for _ in range(count):
        best, best_gain = None, -1
        for _ in range(8):
            n = int(rng.integers(words_per_sentence[0], words_per_sentence[1] + 1))
            cand = [words[int(i)] for i in rng.integers(0, len(words), n)]
            phones = tuple(p for w in cand for p in lexicon[w])
            gain = len(diphones(phones) - covered)
            if gain > best_gain:
                best, best_gain = cand, gain
        assert best is not None
        covered |= diphones(tuple(p for w in best for p in lexicon[w]))
        sentences.append(" ".join(best).capitalize() + ".")
    return sentences


def coverage_of(sentences: list[str]) -> float:
    """Share of the dictionary's attested diphones covered by the words of ``sentences``."""
    lexicon = cmudict()
    seen = set()
    for s in sentences:
        phones = tuple(p for w in re.findall(r"[a-z]+", s.lower()) for p in lexicon.get(w, ()))
        seen |= diphones(phones)
    attested = set().union(*(diphones(p) for p in lexicon.values()))
    return len(seen & attested) / len(attested)
