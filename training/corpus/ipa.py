"""espeak-ng IPA phonemes (as Piper reports them, one symbol at a time) -> ARPAbet phone spans.

Piper aligns each phoneme *symbol* with a sample count; stress marks, length marks and the
second half of diphthongs and affricates are separate symbols. :func:`ipa_to_spans` merges
them into ARPAbet phones, gives stress marks' time to the next phone and length marks' time
to the previous one, turns pauses (punctuation, long word gaps) into ``SIL`` and splits short
word gaps between the neighbouring phones.
"""
from __future__ import annotations

from training.phones import PhoneSpan

PAIRS = {"oʊ": "OW", "aɪ": "AY", "aʊ": "AW", "eɪ": "EY", "ɔɪ": "OY", "tʃ": "CH", "dʒ": "JH", "ɜː": "ER",
         "iə": "IY", "ʊə": "UH", "eə": "EH", "əʊ": "OW"}
SINGLE = {"ɑ": "AA", "a": "AA", "ɒ": "AA", "æ": "AE", "ʌ": "AH", "ə": "AH", "ɐ": "AH", "ɔ": "AO", "ɛ": "EH",
          "e": "EH", "ɜ": "ER", "ɚ": "ER", "ɪ": "IH", "ᵻ": "IH", "i": "IY", "o": "OW", "ʊ": "UH", "u": "UW",
          "b": "B", "d": "D", "ð": "DH", "f": "F", "ɡ": "G", "g": "G", "h": "HH", "k": "K", "l": "L", "m": "M",
          "n": "N", "ŋ": "NG", "p": "P", "ɹ": "R", "r": "R", "s": "S", "ʃ": "SH", "t": "T", "θ": "TH", "v": "V",
          "w": "W", "j": "Y", "z": "Z", "ʒ": "ZH", "ɾ": "D", "ʔ": "T", "x": "K", "ç": "HH", "ɬ": "L", "ɫ": "L"}
STRESS = {"ˈ", "ˌ"}
LENGTH = {"ː", "ˑ"}
IGNORED = {"\u0329", "\u030d", "\u0303", "-"}  # syllabic marks, nasalisation, hyphen
PAUSES = set(",.;:!?—…\"()") | {"^", "$", "_"}
WORD_GAP = " "
LONG_GAP_S = 0.12


def ipa_to_spans(symbols: list[tuple[str, int]], sample_rate_hz: int) -> list[PhoneSpan]:
    """``[(symbol, num_samples), ...]`` in order -> contiguous ARPAbet spans covering the audio."""
    items: list[list] = []  # [phone, samples]; phone may be "GAP" or "SIL"
    carry = 0  # stress-mark samples waiting for the next phone
    i = 0
    while i < len(symbols):
        sym, n = symbols[i][0], int(symbols[i][1])
        pair = sym + symbols[i + 1][0] if i + 1 < len(symbols) else ""
        if pair in PAIRS:
            items.append([PAIRS[pair], n + int(symbols[i + 1][1]) + carry])
            carry, i = 0, i + 2
            continue
        if sym in STRESS:
            carry += n
        elif sym in LENGTH or sym in IGNORED:
            if items:
                items[-1][1] += n
            else:
                carry += n
        elif sym in PAUSES:
            items.append(["SIL", n + carry])
            carry = 0
        elif sym == WORD_GAP:
            items.append(["GAP", n + carry])
            carry = 0
        elif sym in SINGLE:
            items.append([SINGLE[sym], n + carry])
            carry = 0
        else:  # an unknown symbol: keep its time with the previous phone
            if items:
                items[-1][1] += n + carry
                carry = 0
            else:
                carry += n
        i += 1
    if carry and items:
        items[-1][1] += carry
    return _to_spans(_resolve_gaps(items, sample_rate_hz), sample_rate_hz)


def _resolve_gaps(items: list[list], rate: int) -> list[list]:
    out: list[list] = []
    for k, (phone, n) in enumerate(items):
        if phone != "GAP":
            out.append([phone, n])
        elif n / rate >= LONG_GAP_S or not out or k + 1 >= len(items):
            out.append(["SIL", n])
        else:  # a short word boundary: half to each neighbour
            out[-1][1] += n // 2
            items[k + 1][1] += n - n // 2
    merged: list[list] = []
    for phone, n in out:
        if merged and phone == "SIL" and merged[-1][0] == "SIL":
            merged[-1][1] += n
        else:
            merged.append([phone, n])
    return merged


def _to_spans(items: list[list], rate: int) -> list[PhoneSpan]:
    spans, t = [], 0
    for phone, n in items:
        if n <= 0:
            continue
        spans.append(PhoneSpan(phone, t / rate, (t + n) / rate))
        t += n
    return spans
