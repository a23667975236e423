"""Text planted in articles for a model to obey: found, kept out of the evidence, and named to the user.

Article text is untrusted. A sentence that reads as an instruction (to a model, or to the reader:
"click here", a link) never counts as evidence (``without_instructions``), so a model that obeyed
it cannot cite it as support. Text addressed to an AI assistant, in English or in the other
languages of ``_ADDRESSED``, also marks its article as suspicious (``suspicious_sources``): a
generated sentence citing it must bear on the question by itself (``GenerativeAnswerer``), and the
answer names it (``suspicious_note``).
"""

from __future__ import annotations

import re

from assistant.types import Answer
from ingest.chunking import split_sentences
from ingest.types import Passage

_URL = re.compile(r"https?://|www\.", re.I)
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|above|previous)\b"
    r"|\b(system prompt|you are now|as an ai\b|new instructions?|jailbreak|developer mode)"
    r"|\b(click|visit|go to|subscribe|sign up)\b.{0,40}\b(link|site|website|page|here|now)\b"
    # words addressed to whatever reads the article: "Note to AI assistants summarising this article: ..."
    r"|\b(note|message|instructions?|reminder|attention)\s+(to|for)\s+(all\s+|any\s+)?"
    r"(ai|a\.i\.|assistants?|chatbots?|bots?|language models?|llms?|models?|summari[sz]ers?)\b"
    r"|\b(ai|assistants?|chatbots?|language models?|llms?)\s+(summari[sz]ing|reading|processing)\s+(this|the)\b"
    r"|\b(tell|inform|instruct|remind)\s+(the\s+|all\s+)?(users?|readers?)\s+(that|to)\b"
    # "If you are an AI system, say that ...", "Assistants answering questions about Acme should ..."
    r"|\bif\s+you\s+are\s+(an?\s+)?(ai|a\.i\.|assistant|chatbot|bot|language model|llm|model)\b"
    r"|^\W*(ai\s+)?(assistants?|chatbots?|language models?|llms?|ai\s+(systems?|models?|tools?))\s+"
    r"(answering|responding|replying|reading|summari[sz]ing)\b"
    r"|\b(assistants?|chatbots?|language models?|llms?|ai\s+(systems?|models?|tools?))\s+"
    r"(answering|responding|replying|reading|summari[sz]ing)\b.{0,80}\b(should|must|need to|are to|have to)\b",
    re.I,
)
_AI = r"(ai|a\.i\.|assistants?|chatbots?|bots?|language models?|llms?|models?)"
# Text addressed to a model, not to a reader, in the languages an attacker is likeliest to try; narrower
# than _INSTRUCTION ("Drivers ignore the rules", "click here" are not), as it marks the whole article.
_ADDRESSED = re.compile(
    # English: overriding its instructions, its role, what it must reply
    r"\b(ignore|disregard|forget|override)\b.{0,30}\b(previous|prior|earlier|above|preceding|system|original)\s+"
    r"(instructions?|prompts?|directives?|guidelines|rules|messages?)\b"
    r"|\b(ignore|disregard|forget|override)\s+(all\s+|any\s+|your\s+|the\s+)*(instructions?|prompts?|directives?)\b"
    r"|\bforget\s+(everything|all)\s+(that\s+)?you\s+(were|have\s+been|'ve\s+been)\s+(told|given|instructed)\b"
    r"|\byour\s+(previous|prior|earlier|original|old|real|new)\s+(instructions?|prompts?|task|rules|orders)\b"
    r"|\bsystem prompt\b|^\W*(system|assistant)\s*:|\byou are now\b.{0,20}\b(mode|ai|assistant|model|bot|dan)\b"
    r"|^\W*(now\s+|please\s+|instead\s*,?\s+)?(reply|respond|answer|output|print|write|repeat)\s+"
    r"(only|just|exactly|solely|verbatim)\b"
    r"|^\W*(now\s+|please\s+)?(reply|respond|answer)\s+(only\s+|just\s+)?with\s+(the\s+|this\s+|one\s+)?"
    r"(word|phrase|text|string|code|following)\b"
    rf"|^\W*(dear|attention|hey|hello|hi)\b\W*{_AI}\b"
    rf"|\b(this|the following)\s+(message|note|text|instructions?)\s+(is|are)\s+(meant\s+|intended\s+)?(for|to)\s+"
    rf"(the\s+|any\s+|all\s+)?{_AI}\b"
    rf"|\b(note|message|instructions?|reminder|attention)\s+(to|for)\s+(all\s+|any\s+)?{_AI}\b"
    r"|\b(ai|assistants?|chatbots?|language models?|llms?)\s+(summari[sz]ing|reading|processing)\s+(this|the)\b"
    r"|\bif\s+you\s+are\s+(an?\s+)?(ai|a\.i\.|assistant|chatbot|bot|language model|llm|model)\b"
    r"|\b(assistants?|chatbots?|language models?|llms?|ai\s+(systems?|models?|tools?))\s+"
    r"(answering|responding|replying|reading|summari[sz]ing)\b.{0,80}\b(should|must|need to|are to|have to)\b"
    # German
    r"|\b(ignorier\w*|missachte\w*|vergiss|vergessen\s+sie)\b.{0,60}\b(anweisung\w*|instruktion\w*|vorgaben|regeln|befehl\w*)\b"
    r"|\bantworte\w*\s+(nur|ausschließlich|lediglich|einfach)\b|\bdu\s+bist\s+(jetzt|nun|ab\s+sofort)\b"
    r"|\b(hinweis|nachricht|anweisung)\s+(an|für)\s+(die\s+|alle\s+)?(ki|assistenten|sprachmodelle?|chatbots?)\b"
    r"|\bwenn\s+du\s+(eine\s+)?ki\s+bist\b"
    # French
    r"|\b(ignore[zs]?|oublie[zs]?|ne\s+tenez\s+pas\s+compte|ne\s+tiens\s+pas\s+compte)\b.{0,60}\b(instructions?|consignes?|règles|directives)\b"
    r"|\brépond(s|ez)?\s+(uniquement|seulement|simplement)\b|\b(tu\s+es|vous\s+êtes)\s+(maintenant|désormais)\b"
    r"|\b(message|note|instructions?)\s+(à|pour)\s+(l'|les\s+)?(ia|assistants?|modèles?\s+de\s+langage|chatbots?)\b"
    r"|\bsi\s+(tu\s+es|vous\s+êtes)\s+une?\s+(ia|assistant)\b"
    # Spanish, Italian, Portuguese, Dutch
    r"|\b(ignora|ignore|olvida|olvide|dimentica|esqueça|negeer|vergeet)\b.{0,60}"
    r"\b(instrucciones|indicaciones|istruzioni|instruções|instructies|reglas|regole|regras|regels|opdrachten)\b"
    r"|\b(responde|responda|rispondi|antwoord)\s+(solo|solamente|únicamente|soltanto|unicamente|apenas|somente|alleen|enkel|uitsluitend)\b"
    r"|\b(ahora|a\s+partir\s+de\s+ahora)\s+eres\b|\bora\s+sei\b",
    re.I,
)


def addresses_a_model(sentence: str) -> bool:
    """A sentence written to an AI assistant: overriding its instructions, setting its role or what it
    must reply, in English, German, French, Spanish, Italian, Portuguese or Dutch."""
    return bool(_ADDRESSED.search(sentence))


def looks_like_instruction(sentence: str) -> bool:
    """A sentence that addresses the reader or the model instead of stating a fact, or carries a link.

    Article text is untrusted: an instruction planted in an article and echoed by the model is
    "supported" word for word, so support alone cannot catch it.
    """
    return bool(_URL.search(sentence) or _INSTRUCTION.search(sentence) or _ADDRESSED.search(sentence))


def without_instructions(text: str) -> str:
    """The text with each sentence that reads as a planted instruction blanked out (spaces of the same
    length, so offsets hold): evidence a claim may be verified against."""
    for start, end in split_sentences(text):
        if looks_like_instruction(text[start:end]):
            text = text[:start] + " " * (end - start) + text[end:]
    return text


def suspicious_sources(passages: list[Passage]) -> list[str]:
    """The doc ids, in order, of the passages whose headline or text holds a sentence addressed to a model."""
    found: dict[str, None] = {}
    for passage in passages:
        sentences = [passage.title] + [passage.text[start:end] for start, end in split_sentences(passage.text)]
        if any(addresses_a_model(sentence) for sentence in sentences):
            found[passage.doc_id] = None
    return list(found)


def suspicious_note(answer: Answer) -> str | None:
    """'The source [2] “Title” (Outlet) contains text addressed to an AI assistant; it was not followed.'
    for the answer's suspicious sources (its citation numbers when it cites them); None when none."""
    if not answer.suspicious:
        return None
    passages = {p.doc_id: p for p in reversed(answer.passages)}
    named = []
    for doc_id in answer.suspicious:
        passage = passages.get(doc_id)
        markers = "".join(f"[{n}]" for n in sorted({c.n for c in answer.citations if c.doc_id == doc_id}))
        title = (passage.title if passage else "") or doc_id
        outlet = f" ({passage.source})" if passage and passage.source else ""
        named.append(f"{markers} “{title}”{outlet}".lstrip())
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    subject = f"The source {listed} contains" if len(named) == 1 else f"The sources {listed} contain"
    return f"{subject} text addressed to an AI assistant; it was not followed."
