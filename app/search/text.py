"""Chinese text for the search index: jieba tokens, character bigrams, the query language and highlights.

Two views of every text are indexed:
- words: `jieba.cut_for_search` tokens (a long word and the dictionary words inside it: 城乡居民 gives 城乡,
  居民 and 城乡居民), lowercased, punctuation dropped; BM25 ranks on these;
- grams: the character bigrams of each run of CJK characters (户籍人口 → 户籍 籍人 人口; a lone character is
  itself) and each run of ASCII letters and digits as one token, with positions. A quoted phrase is a
  phrase query on the grams (an exact substring, whatever jieba made of it), and each query word of two
  or more characters is also looked for there, so that a word jieba segmented otherwise inside a
  document is still found (a two-character word is then a single term).

Query syntax: words separated by spaces or not (segmented with jieba; every word must match), and phrases
in quotes ("…", “…”, 「…」, every phrase must occur as written). A one-character word matches where jieba
made that character a word of its own.
"""
from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

_HAS_WORD = re.compile(r"\w")
_RUNS = re.compile(r"[a-z0-9]+|[^\W_a-z0-9]+")
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』')
SEPARATOR = "¦"     # between the values of one grams field: no phrase runs across two texts


def prepare() -> None:
    """Load jieba's dictionary now (about 1 s), not in the first search or write."""
    jieba.initialize()


@lru_cache(maxsize=1 << 18)      # titles, abstracts and item names repeat a lot across a catalogue
def words(text: str) -> tuple[str, ...]:
    """The index tokens of a text (jieba search mode)."""
    return tuple(w for w in (t.strip().lower() for t in jieba.cut_for_search(text)) if w and _HAS_WORD.search(w))


def grams(text: str) -> list[str]:
    """The bigrams of each CJK run (a lone character: itself), each ASCII run whole; the rest dropped."""
    out = []
    for run in _RUNS.findall(text.lower()):
        if run[0] < "\x80" or len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def words_table(texts: set[str]) -> dict[str, tuple[str, ...]]:
    """The tokens of many texts (a rebuild), each distinct text segmented once. (Worker processes were
    tried: spawning them and loading jieba's dictionary in each cost more than they saved on 2 cores.)"""
    return {text: words.__wrapped__(text) for text in texts}


def words_field(texts: list[str], table: dict[str, tuple[str, ...]] | None = None) -> str:
    if table is None:
        return " ".join(w for text in texts for w in words(text))
    return " ".join(w for text in texts for w in table[text])


def grams_field(texts: list[str]) -> str:
    return f" {SEPARATOR} ".join(" ".join(grams(text)) for text in texts if text)


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...]        # each must match (as a jieba token, or as a run of grams)
    phrases: tuple[tuple[str, ...], ...]   # each must occur as this run of grams
    needles: tuple[str, ...]      # what highlights mark, longest first

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases


def parse(q: str) -> ParsedQuery:
    phrases, needles = [], []
    for match in _QUOTED.finditer(q):
        text = next(g for g in match.groups() if g is not None)
        run = tuple(grams(text))
        if run:
            phrases.append(run)
            needles.extend({text.strip(), "".join(text.split())})
    rest = _QUOTED.sub(" ", q)
    found = []
    for token in jieba.cut(rest):
        token = token.strip().lower()
        if token and _HAS_WORD.search(token) and token not in found:
            found.append(token)
    needles.extend(found)
    return ParsedQuery(tuple(found), tuple(dict.fromkeys(phrases)),
                       tuple(sorted(set(needles), key=len, reverse=True)))


@lru_cache(maxsize=1024)
def _pattern(needles: tuple[str, ...]) -> re.Pattern | None:
    """One pattern for all needles, the longest tried first (ASCII case ignored)."""
    return re.compile("|".join(map(re.escape, needles)), re.IGNORECASE) if needles else None


def matches(text: str, needles: tuple[str, ...]) -> bool:
    pattern = _pattern(needles)
    return bool(pattern and pattern.search(text))


def highlight(text: str | None, needles: tuple[str, ...], window: int | None = None) -> str | None:
    """`text` HTML-escaped with each occurrence of a needle in <em>…</em> (ASCII case ignored). With
    `window`, only a fragment of about that many characters around the first match (or the start)."""
    if not text:
        return text
    pattern = _pattern(needles)
    merged: list[list[int]] = []
    for match in pattern.finditer(text) if pattern else ():
        if merged and match.start() <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], match.end())
        else:
            merged.append([match.start(), match.end()])
    lo, hi = 0, len(text)
    if window is not None and len(text) > window:
        first = merged[0][0] if merged else 0
        lo = max(0, min(first - window // 4, len(text) - window))
        hi = lo + window
        hi = max([hi] + [end for start, end in merged if start < hi < end])   # never cut a match
    out, at = [], lo
    for start, end in merged:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        out.append(html.escape(text[at:start], quote=False))
        out.append("<em>" + html.escape(text[start:end], quote=False) + "</em>")
        at = end
    out.append(html.escape(text[at:hi], quote=False))
    return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(text) else "")
