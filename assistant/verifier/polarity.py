"""Negation, polarity and antonyms: pure word-level checks.

``negated_terms("Hungary promised not to veto the proposal")`` -> {"veto", "propos"}: the stems a
negation governs (up to a clause break). ``antonym_conflicts`` finds a claim word whose opposite the
evidence uses instead ("rejected" vs "accepted", "rose" vs "fell").
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?|[0-9]+|[,;:.!?()\"“”]")
NEGATORS = frozenset("""not no never nobody nothing none neither nor without cannot nowhere""".split())
# verbs whose complement they deny: "refused to veto" ~ "did not veto"
NEGATIVE_VERBS = frozenset("""refuse refused refuses refusing fail failed fails failing decline declined declines
    declining unable deny denied denies denying reject rejected rejects rejecting oppose opposed opposes opposing
    halt halted stop stopped avoid avoided prevent prevented ruled ban banned forbid forbade forbidden lack lacked
    lacks against""".split())
# verbs that deny their object: "cut financial support" against "announce financial support"
OBJECT_NEGATING = frozenset("""cut cuts cutting reduce reduced reduces withdraw withdrew withdrawn withdraws suspend
    suspended suspends cancel cancelled canceled cancels scrap scrapped scraps abandon abandoned abandons halt
    halted halts end ended ends ending stop stopped stops""".split())
BREAKS = frozenset(""", ; : . ! ? ( ) but while although though whereas however because since unless if
    as when who which that and""".split())
SCOPE = 6

_IRREGULAR = {
    "won": "win", "lost": "lose", "rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall",
    "grew": "grow", "grown": "grow", "began": "begin", "begun": "begin", "sold": "sell", "bought": "buy",
    "gave": "give", "given": "give", "took": "take", "taken": "take", "left": "leave", "went": "go",
    "gone": "go", "came": "come", "made": "make", "said": "say", "told": "tell", "met": "meet",
    "led": "lead", "held": "hold", "kept": "keep", "sent": "send", "spent": "spend", "built": "build",
    "broke": "break", "broken": "break", "chose": "choose", "chosen": "choose", "wrote": "write",
    "written": "write", "knew": "know", "known": "know", "saw": "see", "seen": "see", "shut": "shut",
    "cut": "cut", "paid": "pay", "rang": "ring", "higher": "high", "lower": "low", "larger": "large",
    "smaller": "small", "better": "good", "worse": "bad", "best": "good", "worst": "bad", "more": "more",
    "less": "less", "fewer": "less", "most": "more", "least": "less", "women": "woman", "men": "man",
    "children": "child", "defence": "defense", "offence": "offense", "centre": "center", "centres": "center", "people": "people", "allies": "ally", "countries": "country",
}


def stem(word: str) -> str:
    """A light stem: irregular forms mapped, then -ing/-ed/-es/-s and -ly removed."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ying", "y"), ("ing", ""), ("ed", ""), ("es", ""),
                         ("ly", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)] + repl
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":  # "stopp" -> "stop"
        w = w[:-1]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


def tokens(text: str) -> list[str]:
    out = []
    for tok in _TOKEN.findall(text):
        low = tok.lower().replace("’", "'")
        if low.endswith("n't"):
            out += [low[:-3] or "not", "not"]
        else:
            out.append(low)
    return out


def negated_terms(text: str, scope: int = SCOPE, objects: bool = False) -> set[str]:
    """Stems inside the scope of a negation: the words after "not"/"never"/"no"/"without", or after
    a verb of denial taking "to" or a gerund ("refused to", "failed to", "rejected sending"), up to the next clause
    break or ``scope`` content words (1: the negated head word alone)."""
    toks = tokens(text)
    out: set[str] = set()
    i = 0
    while i < len(toks):
        tok = toks[i]
        starts = tok in NEGATORS or tok == "unable" or (
            tok in NEGATIVE_VERBS and i + 1 < len(toks) and (toks[i + 1] == "to" or toks[i + 1].endswith("ing"))) or (
            objects and tok in OBJECT_NEGATING)
        if starts:
            j = i + 1
            taken = 0
            # "refused to send troops": in a narrow scope, the verb it denies
            limit = scope if tok in NEGATORS or scope > 2 else 1
            while j < len(toks) and taken < limit and toks[j] not in BREAKS:
                if toks[j] not in NEGATORS and toks[j] not in _FUNCTION:
                    out.add(stem(toks[j]))
                    taken += 1
                j += 1
            i = j if tok in NEGATORS else i + 1
        else:
            i += 1
    return out


def negation_count(text: str) -> int:
    """How many negators and negative verbs the text has ("did not", "refused", "failed to")."""
    return sum(1 for tok in tokens(text) if tok in NEGATORS or tok in NEGATIVE_VERBS)


_CLAUSE = re.compile(r",?\s+(?:and|but|while|whereas|although|though|as well as|after|before|which|who)\s+|[;:]\s+|,\s+", re.I)


def clauses(text: str) -> list[str]:
    """The claim cut at conjunctions and commas (for finding a clause the evidence lacks)."""
    return [part for part in _CLAUSE.split(text) if part and part.strip()]


_FUNCTION = frozenset("""a an the to be is are was were been being do does did have has had will would shall
    should can could may might must it its this that these those of in on at by for with from into onto
    about as any anyone anything ever yet even also only just so too very their his her them they he she
    we you i our your than then there here""".split())


def content_stems(text: str) -> set[str]:
    return {stem(t) for t in tokens(text) if t.isalpha() and t not in _FUNCTION and t not in NEGATORS and len(t) > 1}


def polarity_conflicts(claim: str, evidence_sentence: str, scope: int = 2) -> set[str]:
    """Stems both texts use where one negates the word and the other does not: "vowed to veto"
    against "promised not to veto" -> {"veto"}; "failed to sign" against "signed" -> {"sign"}."""
    shared = content_stems(claim) & content_stems(evidence_sentence)
    neg_claim, neg_evid = negated_terms(claim, scope, True), negated_terms(evidence_sentence, scope, True)
    wide_claim, wide_evid = negated_terms(claim, objects=True), negated_terms(evidence_sentence, objects=True)
    out = set()
    for s in shared:  # negated closely on one side, and nowhere near a negation on the other
        if not ((s in neg_claim and s not in wide_evid) or (s in neg_evid and s not in wide_claim)):
            continue
        positive = evidence_sentence if s in neg_claim else claim
        forms = [t for t in tokens(positive) if t.isalpha() and stem(t) == s]
        if forms and all(f.endswith("ing") for f in forms):  # "sending troops would harm": no assertion
            continue
        out.add(s)
    return out - {stem(w) for w in NEGATIVE_VERBS | OBJECT_NEGATING}


_ANTONYM_PAIRS = """agree refuse; agree reject; accept reject; accept refuse; approve reject; approve veto; support oppose;
    allow ban; allow forbid; allow prevent; allow block; permit ban; permit forbid; include exclude; rise fall;
    increase decrease; increase reduce; increase cut; raise cut; raise lower; grow shrink; expand shrink; gain lose;
    win lose; victory defeat; succeed fail; success failure; manage fail; confirm deny; admit deny; open close;
    start end; begin end; begin finish; first last; before after; early late; earlier later; more less; more fewer;
    high low; larger smaller; large small; big small; long short; up down; above below; north south; east west;
    increase drop; strengthen weaken; win defeat; positive negative; permanent temporary; public private;
    legal illegal; true false; strong weak; rich poor; maximum minimum; majority minority;
    inside outside; import export; buy sell; hire fire; arrive depart; join leave; enter leave; attack defend;
    welcome reject; praise criticise; praise criticize; condemn praise; ally enemy; peace war; ceasefire war;
    release detain; release arrest; acquit convict; lift impose; ease tighten; boost cut; boost reduce;
    same different; all none; always never; possible impossible; likely unlikely; able unable; certain uncertain;
    lead trail; profit loss; surplus deficit; western eastern; northern southern; domestic foreign; men women;
    male female; husband wife; father mother; son daughter; brother sister; king queen; offense defense;
    offensive defensive; withdraw deploy; withdraw send; send withhold; resume suspend; continue stop;
    continue end; survive die; alive dead; guilty innocent; upheld overturn; sign reject; pass reject; pass fail;
    elected defeated; ally adversary; present absent; full empty; heavy light; cheap expensive; fast slow;
    hot cold; wet dry; best worst; better worse; highest lowest; largest smallest; most least; oldest youngest;
    up down; morning evening; day night; yes no; won lost; raised lowered; rose fell; allow stop;
    week month; today yesterday; today tomorrow; support reject; support refuse; benefit harm; help harm;
    help hurt; benefit hurt; strengthen harm; last end; protect harm; safe dangerous; approve postpone;
    approve delay; approve suspend; adopt reject; adopt postpone; support close; support cut; support withdraw;
    support abandon; announce cancel; expand close; build close; start stop; begin stop; member candidate;
    arrest release; guilty acquit; lift extend; surge plunge; gain drop; boost slash; hike cut""".replace("\n", " ")

ANTONYMS: dict[str, set[str]] = {}
for _pair in _ANTONYM_PAIRS.split(";"):
    _words = _pair.split()
    if len(_words) == 2:
        _a, _b = stem(_words[0]), stem(_words[1])
        ANTONYMS.setdefault(_a, set()).add(_b)
        ANTONYMS.setdefault(_b, set()).add(_a)


def antonym_conflicts(claim: str, evidence_sentence: str) -> list[tuple[str, str]]:
    """(claim word, evidence word) pairs of opposites where the evidence lacks the claim's word and
    neither side negates them (a negated opposite is a paraphrase: "did not reject" ~ "accepted")."""
    claim_stems, evid_stems = content_stems(claim), content_stems(evidence_sentence)
    neg_claim, neg_evid = negated_terms(claim), negated_terms(evidence_sentence)
    out = []
    for word in sorted(claim_stems - evid_stems):
        for opposite in sorted(ANTONYMS.get(word, ())):
            if opposite in evid_stems and opposite not in claim_stems:
                if (word in neg_claim) == (opposite in neg_evid):
                    out.append((surface(claim, word), surface(evidence_sentence, opposite)))
    return out


def surface(text: str, stem_: str) -> str:
    """The text's first word with this stem, as written ("rejected" for "reject")."""
    for tok in _TOKEN.findall(text):
        if tok.isalpha() and stem(tok) == stem_:
            return tok
    return stem_
