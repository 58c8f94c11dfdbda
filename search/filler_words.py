"""Filler words of a question: what a long question carries besides the words that say what it is about.

"what pressure did the EU put on Belarus over migrants" is about pressure, the EU, Belarus and migrants;
"what", "did", "put", "on" and "over" say how it was asked. Whoosh's stop list leaves most of them in
("what", "did", "put", "over"), and in a relaxed query each of those alone was enough to match (59 % of
the crisis index). These are English function words (question words, auxiliaries, pronouns, determiners,
prepositions, conjunctions, common adverbs) and the light verbs questions are built with; a relaxed
query neither requires nor highlights them. The list is general English, not tuned to any corpus.
"""

from __future__ import annotations

FILLER_WORDS = frozenset(
    """
what whats which who whom whose why how where when whether whatever whoever wherever however
am is are was were be been being do does did done doing have has had having
would should could might must shall can cannot will wont dont doesnt didnt isnt arent wasnt werent
don doesn didn isn aren wasn weren won couldn wouldn shouldn
i me my mine myself you your yours yourself he him his himself she her hers herself it its itself
we us our ours ourselves they them their theirs themselves
one ones someone anyone everyone somebody anybody everybody something anything everything nothing
a an the this that these those some any all each every both either neither no none
many much more most few fewer less least other others another such same own several
about above across after against along amid amidst among amongst around as at before behind below beneath
beside besides between beyond by despite down during except for from in inside into like near of off on
onto out outside over past per since than through throughout till to toward towards under underneath
until up upon via with within without
and or but nor so yet because although though while whilst whereas unless if then else also
just only very too quite rather really here there now still even ever again already almost always never
often perhaps maybe yes not
put puts putting get gets got getting gotten make makes made making take takes took taken taking
give gives gave given giving go goes went gone going come comes came coming
say says said saying tell tells told telling
way ways thing things lot lots kind sort
""".split()
)


def is_filler(word: str) -> bool:
    """True when ``word`` (as typed, any case, apostrophes ignored) is a filler word of a question."""
    return word.casefold().replace("'", "").replace("\u2019", "") in FILLER_WORDS
