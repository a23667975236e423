"""Names in a claim and whether the evidence has them, and who-did-what-to-whom order.

Names are capitalised words (not sentence-initial function words) and acronyms; "Hungary" meets
"Hungarian" by a shared 5-letter stem or the demonym table.
"""

from __future__ import annotations

import re

from assistant.verifier.polarity import stem

_WORD = re.compile(r"[A-Za-z][A-Za-z'’.-]*[A-Za-z]|[A-Z]")
_NOT_NAMES = frozenset("""The A An In On At By For From With Of And Or But If As It Its This That These Those
    He She They We You I His Her Their Our My Your Mr Mrs Ms Dr After Before When While Although However
    Meanwhile Also Still Yet So Then There Here What Which Who Whom Whose Where Why How According Both
    Each Every Some Many Most More Such No Not Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March April May June July August September October November December Prime Minister
    President Secretary General Secretary-General Chancellor King Queen Sir Lord""".split())
DEMONYMS = {
    "french": "france", "british": "britain", "english": "england", "dutch": "netherlands", "chinese": "china",
    "japanese": "japan", "swiss": "switzerland", "spanish": "spain", "turkish": "turkey", "polish": "poland",
    "danish": "denmark", "swedish": "sweden", "finnish": "finland", "greek": "greece", "irish": "ireland",
    "welsh": "wales", "scottish": "scotland", "israeli": "israel", "iraqi": "iraq", "pakistani": "pakistan",
    "saudi": "saudi", "thai": "thailand", "filipino": "philippines", "vietnamese": "vietnam", "us": "united",
    "american": "america", "americans": "america", "u.s.": "united", "usa": "united", "u.s.a.": "united", "uk": "united", "u.k.": "united",
    "norwegian": "norway", "portuguese": "portugal", "belgian": "belgium", "czech": "czechia",
    "kiev": "kyiv", "soviet": "russia", "moscow": "russia", "kremlin": "russia", "washington": "united",
}


def name_key(word: str) -> str:
    low = word.lower().replace("’", "'").removesuffix("'s").strip(".-")
    low = DEMONYMS.get(low, low)
    return low[:5]


def names(text: str) -> list[str]:
    """Capitalised words of the text that look like names (in order, repeats kept)."""
    out = []
    for match in _WORD.finditer(text):
        word = match.group()
        if not word[0].isupper() or word in _NOT_NAMES or word.rstrip(".") in _NOT_NAMES:
            continue
        before = text[max(0, match.start() - 3) : match.start()]
        sentence_start = match.start() == 0 or bool(re.search(r"[.!?\"“]\s*$", before))
        if sentence_start and word.lower() in _FUNCTIONISH:
            continue
        out.append(word)
    return out


_FUNCTIONISH = frozenset("""the a an in on at by for from with of and or but if as it its this that these those
    he she they we you i his her their our my your after before when while although however meanwhile also
    still yet so then there here what which who where why how according both each every some many most more
    such no not to of is was were are be been will would has have had do did does by""".split())


def name_keys(text: str) -> set[str]:
    return {name_key(n) for n in names(text)}


def evidence_keys(text: str) -> set[str]:
    """Keys of every word of the evidence (so a claim's name matches a lower-case mention too)."""
    words = _WORD.findall(text)
    return {name_key(w) for w in words} | {name_key(p) for w in words if "-" in w for p in w.split("-") if p}


def missing_names(claim: str, evidence: str, have: set[str] | None = None) -> list[str]:
    """The claim's names the evidence never mentions (``have``: ``evidence_keys(evidence)`` when read)."""
    have = evidence_keys(evidence) if have is None else have
    return [n for n in dict.fromkeys(names(claim)) if name_key(n) not in have]


MAX_GAP = 12  # words between the two names in the evidence
MAX_CLAIM_GAP = 5  # and in the claim


def role_swap(claim: str, evidence_sentence: str) -> tuple[str, str] | None:
    """Two names the claim and the evidence sentence both hold, on opposite sides of a verb they
    share, in reversed order ("Ukraine will train NATO troops" vs "NATO will train Ukrainian
    troops"); a passive in one of them ("trained by") reverses the order back. None if no swap."""
    c_seq = _keyed_positions(claim)
    e_seq = _keyed_positions(evidence_sentence)
    c_names = [(k, i) for k, i, is_name in c_seq if is_name]
    e_first = {}
    for k, i, is_name in e_seq:
        if is_name:
            e_first.setdefault(k, i)
    c_verbs = {k: i for k, i, is_name in c_seq if not is_name}
    e_verbs = {k: i for k, i, is_name in e_seq if not is_name}
    c_by = [i for i, w in enumerate(re.findall(r"[A-Za-z][A-Za-z'’-]*", claim)) if w.lower() == "by"]
    e_by = [i for i, w in enumerate(re.findall(r"[A-Za-z][A-Za-z'’-]*", evidence_sentence)) if w.lower() == "by"]
    seen = set()
    for x in range(len(c_names)):
        for y in range(x + 1, len(c_names)):
            (a, ia), (b, ib) = c_names[x], c_names[y]
            if a == b or (a, b) in seen or a not in e_first or b not in e_first:
                continue
            seen.add((a, b))
            ja, jb = e_first[a], e_first[b]
            if ja == jb or ib - ia > MAX_CLAIM_GAP or abs(ja - jb) > MAX_GAP:
                continue
            shared_between = [v for v, ci in c_verbs.items() if ia < ci < ib and v in e_verbs
                              and min(ja, jb) < e_verbs[v] < max(ja, jb)]
            if not shared_between:
                continue
            reversed_order = ja > jb
            # "X was trained by Y": a "by" between the names reverses who does what
            passive_flip = any(ia < i < ib for i in c_by) != any(min(ja, jb) < i < max(ja, jb) for i in e_by)
            if reversed_order != passive_flip:
                return (a, b)
    return None


def _keyed_positions(text: str) -> list[tuple[str, int, bool]]:
    """(key, position, is_name) of the words: names by name_key, lower-case words (verbs and the
    rest) by stem; capitalised words that are no names (titles) are left out."""
    name_set = {name_key(n) for n in names(text)}
    out = []
    for i, match in enumerate(re.finditer(r"[A-Za-z][A-Za-z'’-]*", text)):
        word = match.group()
        key = name_key(word)
        if word[0].isupper():
            if key in name_set:
                out.append((key, i, True))
        elif len(word) > 3 and "-" not in word:
            out.append((stem(word), i, False))
    return out


def substituted_names(claim: str, evidence: str, window: str, keys: set[str] | None = None) -> list[tuple[str, str]]:
    """(claim name, evidence name) where a name the whole evidence lacks stands where the deciding
    sentences have another name in the same place ("headquarters in Vienna" vs "headquarters in
    Brussels", "Slovakia promised" vs "Hungary promised", "urged Poland" vs "urged the United States")."""
    have = evidence_keys(evidence) if keys is None else keys
    claim_keys = name_keys(claim)
    c_words = re.findall(r"[A-Za-z][A-Za-z'’-]*", claim)
    w_words = re.findall(r"[A-Za-z][A-Za-z'’-]*", window)
    starts = {0} | {i + 1 for i, m in enumerate(re.finditer(r"[A-Za-z][A-Za-z'’-]*", window))
                    if re.match(r"\s*[.!?:\"“]", window[m.end():m.end() + 3])}
    w_names = {i for i, w in enumerate(w_words) if len(w) >= 3 and w[0].isupper() and w not in _NOT_NAMES
               and not w.isupper() and i not in starts and name_key(w) not in claim_keys}
    out = []
    for i, word in enumerate(c_words):
        if len(word) < 3 or not word[0].isupper() or word in _NOT_NAMES or name_key(word) in have:
            continue
        if word.lower() in _FUNCTIONISH:
            continue
        prev2 = tuple(w.lower() for w in c_words[max(0, i - 2) : i])
        nxt = c_words[i + 1].lower() if i + 1 < len(c_words) else ""
        prev_content = _content_before(c_words, i)
        for j in w_names:
            w_prev2 = tuple(w.lower() for w in w_words[max(0, j - 2) : j])
            w_next = w_words[j + 1].lower() if j + 1 < len(w_words) else ""
            if word[:3].lower() == w_words[j][:3].lower():  # "Empire" / "Emperor": a variant, not another name
                continue
            if (len(prev2) == 2 and prev2 == w_prev2) or (nxt and nxt == w_next and nxt not in _FUNCTIONISH) or (
                    prev_content and prev_content == _content_before(w_words, j)):
                out.append((word, w_words[j]))
                break
    return out


def _content_before(words: list[str], i: int) -> str:
    """The nearest lower-case content word before position i, across at most one function word."""
    for k in range(i - 1, max(-1, i - 3), -1):
        w = words[k]
        if w.lower() in _FUNCTIONISH:
            continue
        return stem(w) if w[0].islower() and len(w) > 3 else ""
    return ""


TITLES = ("secretary-general", "secretary general", "prime minister", "foreign minister", "defense minister",
          "defence minister", "finance minister", "president", "vice president", "chancellor", "minister", "king",
          "queen", "governor", "mayor", "ceo", "chief executive", "chairman", "chairwoman", "spokesman",
          "spokeswoman", "senator", "ambassador", "premier", "pope", "pm", "coach", "captain", "director")
_TITLE = "(?i:" + "|".join(sorted((r"[\s-]+".join(re.split(r"[\s-]", t)) for t in TITLES), key=len, reverse=True)) + ")"
_NAME = r"((?:[A-Z][\w'’.-]*\s+){0,2}[A-Z][\w'’-]+)"
_TITLE_THEN_NAME = re.compile(rf"\b({_TITLE})\s+{_NAME}")
_NAME_IS_TITLE = re.compile(
    rf"{_NAME}\s*(?:,\s*|\s+(?:is|was|became|remains|serves as|served as)\s+)(?:(?:the|a|an)\s+)?"
    rf"(?:[A-Z][\w'’-]*(?:'s|’s)?\s+|[a-z]+\s+)?({_TITLE})\b")


def _norm_title(title: str) -> str:
    t = re.sub(r"[\s-]+", " ", title.lower()).strip()
    return {"pm": "prime minister", "defence minister": "defense minister", "chief executive": "ceo"}.get(t, t)


def titles(text: str, claim_forms: bool = False) -> list[tuple[set[str], str]]:
    """(name keys, title) pairs the text states: "Prime Minister Viktor Orban", and with
    ``claim_forms`` also "Joe Biden is NATO's Secretary-General", "Viktor Orban, Hungary's prime minister"."""
    out = []
    for match in _TITLE_THEN_NAME.finditer(text):
        if match.group(2)[0].isupper():
            out.append(({name_key(w) for w in match.group(2).split() if w not in _NOT_NAMES}, _norm_title(match.group(1))))
    if claim_forms:
        for match in _NAME_IS_TITLE.finditer(text):
            keys = {name_key(w) for w in match.group(1).split() if w not in _NOT_NAMES and w.lower() not in _FUNCTIONISH}
            if keys:
                out.append((keys, _norm_title(match.group(2))))
    return [(k, t) for k, t in out if k]


def title_conflicts(claim: str, evidence: str, held: list | None = None) -> list[tuple[str, str]]:
    """(claim title, evidence title) where the claim gives a person a title that the evidence gives
    someone else, or gives that person another title ("Joe Biden is NATO's Secretary-General" against
    "Secretary-General Jens Stoltenberg ... President Joe Biden")."""
    held = titles(evidence) if held is None else held
    out = []
    for keys, title in titles(claim, claim_forms=True):
        own = {t for k, t in held if k & keys}
        others = {t for k, t in held if not k & keys}
        if own and title not in own and not any(title in t or t in title for t in own):
            out.append((title, sorted(own)[0]))
        elif not own and title in others:
            out.append((title, title))
    return out


def missing_places(claim: str, have: set[str]) -> list[str]:
    """Names after "in"/"at" ("held in Warsaw") that the evidence (its ``evidence_keys``) never mentions."""
    out = []
    for match in re.finditer(r"\b(?:in|at)\s+(?:the\s+)?((?:[A-Z][\w'’-]+\s+){0,2}[A-Z][\w'’-]+)", claim):
        words = [w for w in match.group(1).split() if len(w) > 2 and w not in _NOT_NAMES and w not in _DIRECTIONS]
        if words and not any(name_key(w) in have for w in words):  # "Western Australia" is in "Australia"
            out.append(match.group(1))
    return out


_DIRECTIONS = frozenset("North South East West Northern Southern Eastern Western Central Upper Lower New Old".split())


_PRONOUNS = frozenset("he she they it".split())
_LEADS = frozenset("meanwhile however also but and then later earlier still moreover separately".split())


def _subject(words: list[str], upto: int) -> tuple[set[str], bool]:
    """Name keys before position ``upto`` in a sentence's words, and whether a pronoun stands there
    instead ("He also urged ...")."""
    keys = {name_key(w) for w in words[:upto] if w[0].isupper() and w not in _NOT_NAMES
            and w.lower() not in _FUNCTIONISH and w.lower() not in _LEADS and not (w.isupper() and len(w) > 4)}
    pronoun = any(w.lower() in _PRONOUNS for w in words[:upto])
    return keys, pronoun


def sentence_subject(sentence: str) -> set[str]:
    """The name keys a sentence opens with (its subject), empty when it opens otherwise."""
    if re.match(r"\s*[\"“'‘]", sentence):
        return set()
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", sentence)
    keys: set[str] = set()
    for w in words:
        if w.lower() in _LEADS:
            continue
        if w[0].isupper() and w not in _NOT_NAMES and w.lower() not in _FUNCTIONISH:
            keys.add(name_key(w))
            continue
        if w in _NOT_NAMES and w[0].isupper():  # "Prime Minister Viktor Orban", "President Joe Biden"
            continue
        break
    return keys


def proper_keys(text: str) -> set[str]:
    """Keys of the capitalised words that stand inside a sentence (not first): proper names."""
    out = set()
    for match in re.finditer(r"(?<=[a-z0-9,;:] )([A-Z][A-Za-z'’-]+)", text):
        word = match.group(1)
        if word not in _NOT_NAMES and not (word.isupper() and len(word) > 4):
            out.add(name_key(word))
    return out


def actor_conflict(claim: str, sentence: str, previous: list[str], proper: set[str] | None = None,
                   window: str = "") -> tuple[str, str] | None:
    """(claim's actor, evidence's actor) when the claim names someone else as doing what the evidence
    sentence says ("Biden urged the United States ..." against "He [Stoltenberg] also urged the United
    States ..."): the names before the first verb both use. A pronoun subject is read as the subject
    of the nearest earlier sentence that opens with a name (``previous``, nearest last). Passives
    ("by") are left alone."""
    if re.match(r"\s*[\"“'‘]", sentence):  # a quotation: its speaker comes after it
        return None
    c_words = re.findall(r"[A-Za-z][A-Za-z'’-]*", claim)
    s_words = re.findall(r"[A-Za-z][A-Za-z'’-]*", sentence)
    if not c_words or not c_words[0][0].isupper() or " by " in f" {claim.lower()} " or " by " in f" {sentence.lower()} ":
        return None
    c_keys, _ = _subject(c_words, 1)
    first = c_words[0]
    if not c_keys or first.lower() in _FUNCTIONISH or first in _NOT_NAMES:
        return None
    proper = proper_keys(" ".join([sentence, *previous])) if proper is None else proper
    if not c_keys <= proper:  # "Black holes are ...": a capital, not a name
        return None
    # the claim's actor named in the deciding sentences (as written: "Russian territory" does not name
    # Russia as an actor) is taken for some other clause of theirs, unless the evidence's subject is a
    # pronoun ("He also urged") and no sentence with the claim's verb names the claim's actor
    around = {_plain(w) for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", f"{sentence} {window}")}
    if c_keys & {name_key(w) for w in around if w in DEMONYMS}:
        return None
    actor_words = {_plain(first)}
    s_stems = {stem(w): i for i, w in reversed(list(enumerate(s_words))) if w[0].islower() and len(w) > 3}
    for j, w in enumerate(c_words[1:4], start=1):
        if w[0].isupper():
            c_keys.add(name_key(w))
            actor_words.add(_plain(w))
            continue
        if len(w) <= 3 or w.lower() in _FUNCTIONISH:
            continue
        at = s_stems.get(stem(w))
        if at is None:
            continue
        lead = [k for k in range(at) if s_words[k][0].isupper() or s_words[k].lower() in _PRONOUNS]
        if not lead or at - lead[-1] > 3:  # the subject stands right before the verb ("He also urged")
            return None
        e_keys, pronoun = _subject(s_words, at)
        if actor_words & around and (e_keys or not pronoun or _in_a_sentence_with(actor_words, stem(w), f"{sentence} {window}")
                                     or (previous and actor_words & {_plain(x) for x in re.findall(r"[A-Za-z][A-Za-z'’-]*", previous[-1])})):
            return None  # the claim's actor named in the deciding sentences: some other clause of theirs
        if not e_keys and pronoun:
            for earlier in previous[::-1]:
                e_keys = sentence_subject(earlier)
                if e_keys:
                    break
        e_keys &= proper
        if any(a.startswith(b[:3]) or b.startswith(a[:3]) for a in e_keys for b in c_keys):  # "Cas" / "Castleford"
            return None
        if e_keys and not (e_keys & c_keys):
            shown = [x for x in re.findall(r"[A-Z][A-Za-z'’-]*", " ".join([sentence] + previous[::-1])) if name_key(x) in e_keys]
            return first, shown[0] if shown else sorted(e_keys)[0]
        return None
    return None


def _plain(word: str) -> str:
    return word.lower().replace("’", "'").removesuffix("'s")


def _in_a_sentence_with(words: set[str], verb: str, text: str) -> bool:
    """Whether one of ``words`` (``_plain``) is in a sentence of ``text`` that uses ``verb`` (a stem)."""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        found = {_plain(w) for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", sentence)}
        if words & found and any(stem(w) == verb for w in found):
            return True
    return False
