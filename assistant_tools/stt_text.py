"""Word error rate: transcripts reduced to plain words, then counted word edits.

Both the reference and what the recognizer heard go through ``normalize``: lower case, no
punctuation, contractions spelled out, digits spoken as words ("5" -> "five", "7:30" ->
"seven thirty"), a few British spellings made American, fillers dropped, and a run of
single letters joined into one word ("m f a" = "MFA"). So "5 minutes." and "five minutes"
count as the same words.
"""

from __future__ import annotations

import re

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth",
            "6th": "sixth", "7th": "seventh", "8th": "eighth", "9th": "ninth", "10th": "tenth"}
CONTRACTIONS = ((r"\bwon't\b", "will not"), (r"\bcan't\b", "can not"), (r"\blet's\b", "let us"),
                (r"n't\b", " not"), (r"'re\b", " are"), (r"'s\b", " is"), (r"'d\b", " would"),
                (r"'ll\b", " will"), (r"'ve\b", " have"), (r"'m\b", " am"), (r"\bmr\b", "mister"),
                (r"\bmrs\b", "missus"), (r"\bdr\b", "doctor"), (r"\bok\b", "okay"))
SPELLINGS = {"colour": "color", "favourite": "favorite", "centre": "center", "metres": "meters",
             "metre": "meter", "grey": "gray", "realise": "realize", "organise": "organize",
             "programme": "program", "travelled": "traveled", "theatre": "theater"}
SYMBOLS = {"%": " percent ", "+": " plus ", "=": " equals ", "&": " and "}
FILLERS = {"uh", "um", "hmm", "mm", "mhm", "ah", "er"}


def spoken_number(n: int) -> str:
    """A whole number as words: 144 -> "one hundred forty four", 1961 -> "nineteen sixty one"."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + spoken_number(rest))
    if 1100 <= n < 2000 and n % 100:  # a year
        rest = n % 100
        return spoken_number(n // 100) + " " + (spoken_number(rest) if rest >= 10 else "oh " + ONES[rest])
    if n < 1_000_000:
        rest = n % 1000
        return spoken_number(n // 1000) + " thousand" + ("" if rest == 0 else " " + spoken_number(rest))
    return " ".join(ONES[int(d)] for d in str(n))


def _numbers_as_words(text: str) -> str:
    text = re.sub(r"(\d),(\d)", r"\1\2", text)
    text = re.sub(r"\b(\d+)(st|nd|rd|th)\b", lambda m: ORDINALS.get(m.group(0), m.group(1)), text)
    text = re.sub(r"\b(\d{1,2}):00\b", r"\1", text)
    text = re.sub(r"\b(\d{1,2})[:.](\d\d)\b", r"\1 \2", text)  # 7:30 (or 7.30): "seven thirty"
    text = re.sub(r"(\d)\.(\d+)", lambda m: m.group(1) + " point " + " ".join(m.group(2)), text)
    return re.sub(r"\d+", lambda m: " " + spoken_number(int(m.group(0))) + " ", text)


def normalize(text: str) -> str:
    """The words of a transcript, for counting errors (see the module's docstring)."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[<\[(][^>\])]*[>\])]", " ", text)  # [laughter], (inaudible)
    for pattern, spelled in CONTRACTIONS:
        text = re.sub(pattern, spelled, text)
    for symbol, word in SYMBOLS.items():
        text = text.replace(symbol, word)
    text = _numbers_as_words(text).replace("'", "")
    text = re.sub(r"\bhundred and\b", "hundred", re.sub(r"[^a-z]+", " ", text))
    words, spelled = [], False
    for word in text.split():
        if word in FILLERS:
            continue
        word = SPELLINGS.get(word, word)
        letter = len(word) == 1 and (spelled or word not in ("a", "i"))
        if letter and spelled:
            words[-1] += word
        else:
            words.append(word)
        spelled = letter
    return " ".join(words)


def word_edits(reference: str, heard: str) -> tuple[int, int]:
    """(word substitutions + deletions + insertions, reference words) after ``normalize``."""
    ref, hyp = normalize(reference).split(), normalize(heard).split()
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, other in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
        previous = current
    return previous[-1], len(ref)
