"""Word lists shared by the keyword index and the citation checks, and counted nouns for messages."""

ENGLISH_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours""".split()
)


def plural(count: int, noun: str) -> str:
    """"1 file", "2 files" (nouns here all take an s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
