"""Partnership mentions: two companies related in one clause, with relation, stage, topic, direction.

How a sentence becomes mentions:

1. **Clauses.** A sentence is cut at ";" and before "while", "whereas", ", but", so "A will supply
   B, while C signed a deal with D" gives two clauses and two mentions.
2. **Participants.** Company mentions (catalogue, references, unresolved) in the clause; a person
   or a product stands for their company when that company's group is not already named there
   ("Lee Jae-yong met Lei Jun" pairs Samsung Electronics and Xiaomi). "The two companies" / "both
   firms" stand for the participants of the previous sentence. A group gives way to its unit
   named in the same clause ("Samsung's battery arm Samsung SDI"), and a joint venture to its
   owners.
3. **Relation.** The strongest cue found in the clause, in this order: acquisition, joint_venture,
   investment, meeting, supply, partnership, talks, competition. Weak supply verbs ("use",
   "make ... for") count only with a product topic (chips, displays...) in the clause.
4. **Pairs.** Participants joined by "and", "," or "or" are coordinated: for a symmetric relation
   coordinated participants pair with the others, or with each other when they are alone ("Sony
   and Honda formed a joint venture"). For supply each participant is scored as supplier or
   customer: the subject of "supply/provide/ship/pitch", the object of "from/by" after
   "buy/source/order", "X as a supplier", and what the catalogue says it sells point to the
   supplier; "to/for X", "X as a customer", the subject of "use", a carmaker point to the customer.
   company_a is the supplier. Companies of one group, or a joint venture and its owner, are
   never paired.
5. **Stage.** From the clause's cues, first found in this order: denied, ended, speculated,
   in_talks, operational, agreed; otherwise a meeting or a competition is "operational" (it took
   place / is ongoing) and anything else "agreed". A held meeting is operational; a planned one
   ("will meet", "plans to meet") is in_talks.
6. **Topic.** The first topic in the watch's priority order named in the clause (else in the
   sentence; products count with their catalogue topic); "ev" only when nothing more specific is
   named.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter

from evwatch.extract.catalogue import Catalogue
from evwatch.extract.matching import Cues, NameHit, TermHit
from evwatch.extract.records import ArticleText, CompanyMention, PartnershipMention, PersonMention, Sentence

RELATION_ORDER = (
    "acquisition", "joint_venture", "investment", "meeting", "supply", "partnership", "talks", "competition",
)
SYMMETRIC = frozenset(RELATION_ORDER) - {"supply"}


def _cue(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


RELATION_CUES: dict[str, re.Pattern[str]] = {
    "acquisition": _cue(r"\b(?:acquir(?:e|es|ed|ing)|acquisition|takeover|take over|buy(?:s|ing)? out|bought out)\b"),
    "joint_venture": _cue(r"\b(?:joint[ -]ventures?|JV|jointly[ -]owned)\b|합작|合资"),
    "investment": _cue(r"\b(?:invest(?:s|ed|ing|ment|ments)?|stake in|funding round|backed)\b|투자|投资"),
    "meeting": _cue(r"\b(?:met|meet(?:s|ing)?|visit(?:s|ed|ing)?|hosted|shook hands|sat down with|dinner with)\b|회동|만나|会见|会面"),
    "supply": _cue(
        r"\b(?:suppl(?:y|ies|ied|ying|ier|iers)|provid(?:e|es|ed|ing)|ship(?:s|ped|ping)? \w+(?: \w+){0,4} to|"
        r"sell(?:s|ing)? \w+(?: \w+){0,4} to|sold \w+(?: \w+){0,4} to|source[sd]?|sourcing|procur(?:e|es|ed|ing)|"
        r"purchas(?:e|es|ed|ing)|ordered|orders? \w+(?: \w+){0,4} from|buy(?:s|ing)? \w+(?: \w+){0,4} from|"
        r"bought \w+(?: \w+){0,4} from|pitch(?:es|ed|ing)?|customers?|tap(?:s|ped|ping)? \w+(?: \w+){0,3} for)\b"
        r"|공급|供应|供货"
    ),
    "partnership": _cue(
        r"\b(?:partner(?:s|ed|ing|ship|ships)?|cooperat(?:e|es|ed|ing|ion)|collaborat\w*|alliance|"
        r"team(?:s|ed)? up|tie-up|tie up|work(?:s|ing)? (?:together|with)|jointly develop\w*|co-develop\w*|"
        r"deal|agreement|MoU|memorandum|contract(?!\s+manufactur))\b|협력|제휴|合作"
    ),
    "talks": _cue(r"\b(?:talks|negotiat\w*|discuss\w*|in discussions)\b|협의|논의|洽谈|谈判"),
    "competition": _cue(
        r"\b(?:compet(?:e|es|ed|ing|ition|itor|itors)|rival(?:s|ry)?|take(?:s)? on|took on|versus|vs\.?|"
        r"outsold|overtook|challenger|tak(?:e|es|ing) aim at|took aim at|go(?:es)? up against|going up against|"
        r"head-to-head with)\b|경쟁|竞争"
    ),
}
_WEAK_SUPPLY = _cue(r"\b(?:use|uses|used|using|adopt(?:s|ed)?|(?:make|makes|making|build|builds|produce|produces|"
                    r"production of|manufactur\w+)\b.{0,40}\bfor|powered by|runs on|run on|built around)\b")

STAGE_ORDER = ("denied", "ended", "speculated", "in_talks", "operational", "agreed", "reported")
# "reported" is attribution or a bare conditional, not a stage: a clause whose only cue is
# "reportedly", "people familiar said" or "a deal would bring" reads as speculated, but "met ...,
# according to people familiar" is still a meeting that took place, "signed ..., Reuters
# reported" a deal that was signed, and "exploring a deal under which A would supply B" talks.
REPORTED_STAGE = "speculated"
STAGE_CUES: dict[str, re.Pattern[str]] = {
    "denied": _cue(
        r"\b(?:den(?:y|ies|ied|ying)|dismiss(?:ed|es)? (?:the |a |such )?(?:reports?|speculation|claims?)|"
        r"reject(?:s|ed)? (?:the |a |such )?(?:reports?|speculation|claims?)|no agreement|no talks|"
        r"not in talks|no plans?|refut\w+|untrue|not true|groundless|baseless|unfounded|no truth|"
        r"(?:not|never) (?:signed|agreed|reached|struck|finali[sz]ed)|no (?:\w+ ){0,2}(?:agreement|deal|contract)s?|"
        r"not (?:partner|suppl|cooperat|invest|work with|pursu)\w*)\b|부인|否认"
    ),
    "ended": _cue(
        r"\b(?:end(?:ed|s)|terminat\w+|pull(?:ed|s)? out|scrap(?:s|ped)|cancel+ed|walked away|ceased|exited|"
        r"(?:stopped|halted|suspended|discontinued) (?:\w+ing|talks|supplies|supply|shipments|the (?:deal|partnership|talks))|"
        r"(?:collapsed|fell through|broke down|broken down|broke off|called off|no longer)|"
        r"severed|wound down|winding down)\b|종료|终止"
    ),
    "speculated": _cue(
        r"\b(?:could|(?-i:may)|might|potential(?:ly)?|possibl[ey]|speculat\w*|rumou?r\w*|"
        r"consider(?:s|ed|ing)?|weigh(?:s|ing)?|mull\w*|said to be|eyeing|courting|candidates?|contenders?|"
        r"in the running|tipped|likely to|expected to|hopes? to|hoping to|would like to|seen as|"
        r"if (?:signed|agreed|approved|completed|finali[sz]ed|confirmed))\b"
        r"|가능성|可能|传闻"
    ),
    "in_talks": _cue(
        r"\b(?:explor\w*|in talks|talks (?:with|on|over|about)|held talks|discuss\w*|negotiat\w*|"
        r"in discussions|pitch(?:es|ed|ing)?|will meet|to meet|plans to meet|seek(?:s|ing)? to|approached|not yet)\b"
        r"|협의|논의|洽谈|谈判"
    ),
    "operational": _cue(
        r"\b(?:supplies|supplied|already|(?:has|have) been \w+ing|currently|uses|buys|shipped|ships|delivers|"
        r"powers|in (?:mass )?production|since (?:19|20)\d\d|met|visited|shook hands|hosted|formed|owns|"
        r"invested|acquired|completed|(?:its|their) joint venture|operates|runs|"
        r"(?:begun|began|started|starts|entered) (?:mass |volume |series )?production)\b"
    ),
    "agreed": _cue(
        r"\b(?:sign(?:s|ed|ing)?|agree(?:s|d)?|agreement|struck|reached|inked|will (?:supply|provide|use|add|buy)|"
        r"won|awarded|selected|picked|chose|tapped|finali[sz]ed|MoU|memorandum|contract)\b|계약|签约|签署"
    ),
    "reported": _cue(
        r"\b(?:(?<!said it )(?<!said they )(?<!said that it )would(?! not)|reported(?:ly)?|people familiar|persons? familiar|sources? (?:said|say|says|familiar)|"
        r"according to (?:people|sources|a person|a source|two people|three people|insiders))\b"
    ),
}

_CLAUSE_BREAK = re.compile(
    r";\s*|,?\s+(?=(?:while|whereas)\s)|,\s+(?=but\s)"
    r"|,\s+(?=(?:(?:\w+\s+){1,2})?(?:where|when|after|before|since|following)\s)"
    # A relative clause ends the clause unless it is an aside that the main verb follows:
    # "Samsung Electro-Mechanics, which makes camera modules, is another candidate supplier".
    r"|,\s+(?=(?:which|who)\s(?![^,;]*,\s+(?:is|was|are|were|has|had|have|could|can|will|would|may|"
    r"might|should|also|remains|said|says|signed|supplies|supplied|plans|agreed)\b))"
)
# Where a new participant opens its own part of a clause ("A could supply batteries, B screens,
# and C chips"): a comma, optionally with a conjunction, or a bare "and".
_SEGMENT_BREAK = re.compile(r",\s+(?:(?:and|or|but|as is|as are)\s+)?|\s+and\s+")
# "camera modules and other automotive electronics": the term after "and other" names the category.
_HYPERNYM_BEFORE = re.compile(r"\b(?:and|or|among)\s+other\s+$", re.IGNORECASE)
# "Samsung SDI, not CATL, will supply ...": the contrasted company takes no part.
_PRONOUN = re.compile(r"\b(?:its|their|them)\b")
_NEGATED_BEFORE = re.compile(r"(?:\bnot|\brather than|\binstead of|\bunlike)\s+(?:the\s+)?$", re.IGNORECASE)
_PAIR_REFERENCE = _cue(r"\b(?:the two (?:companies|firms|groups|sides)|both (?:companies|firms|groups|sides)|the pair)\b")
_COORDINATION = re.compile(
    r"\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|&\s+|as well as\s+)(?:(?:a|an|the)\s+)?(?:[a-z-]+\s+){0,3}"
)
_VENTURE_BEFORE = _cue(r"joint venture\s+$|venture\s+$")

# Labels of the cue patterns whose anchors the Extractor's TextIndex finds in one pass over the
# article (see ``cue_patterns``): a pattern runs only on a clause that holds one of its anchors.
_RELATION_LABEL = {relation: f"relation:{relation}" for relation in RELATION_ORDER}
_STAGE_LABEL = {stage: f"stage:{stage}" for stage in STAGE_ORDER}


def cue_patterns() -> dict[str, re.Pattern[str]]:
    """The patterns this module runs on clauses and sentences, by cue label."""
    return {
        **{_RELATION_LABEL[r]: RELATION_CUES[r] for r in RELATION_ORDER},
        **{_STAGE_LABEL[s]: STAGE_CUES[s] for s in STAGE_ORDER},
        "weak_supply": _WEAK_SUPPLY,
        "pair_reference": _PAIR_REFERENCE,
        "clause_break": _CLAUSE_BREAK,
        "supply_active": _SUPPLY_ACTIVE,
        "use_verb": _USE_VERB,
        "supply_from_verb": _SUPPLY_FROM_VERB,
    }

_SUPPLY_ACTIVE = _cue(r"\b(?:suppl(?:y|ies|ied|ying)(?! (?:deals?|agreements?|contracts?|chains?|talks|pacts?|"
                      r"partners?|relationships?|orders?|arrangements?|issues?|shortages?)\b)|provid(?:e|es|ed|ing)|ship(?:s|ped|ping)?|sell(?:s|ing)?|sold|"
                      r"pitch(?:es|ed|ing)?|make|makes|making|build|builds|produce|produces)\b|공급|供应")
# The bare form is a verb only after "to" or a modal: in "talks on battery supply" it is a noun.
_VERB_BEFORE_BARE_SUPPLY = frozenset({"to", "will", "could", "would", "may", "might", "can", "also", "should", "must"})
_SUPPLY_FROM_VERB = _cue(r"\b(?:buy(?:s|ing)?|bought|source[sd]?|sourcing|procur\w+|purchas\w+|ordered|orders)\b")
# The subject of these is the customer: "Xiaomi uses ...", "Xiaomi has tapped Samsung SDI for ...".
_USE_VERB = _cue(r"\b(?:use|uses|used|using|adopt(?:s|ed)?|tap(?:s|ped|ping)?|selected|picked|chose)\b")
_BY_OR_FROM = _cue(r"\b(?:from|by)\s+(?:the\s+)?$")
_MADE_BY = re.compile(r"\b(?:supplied|made|provided|built|produced)\s+by\s+(?:the\s+)?$")
_TO_OR_FOR = _cue(r"\b(?:to|for)\s+(?:the\s+|its\s+)?$")
_OBJECT_BEFORE = _cue(r"\b(?:with|to|for|from|of|by|and|or)\s+(?:the\s+)?$")
_AS_SUPPLIER_AFTER = _cue(r"^(?:['’]s)?,?\s+(?:as|is|was|becomes|became|remains|,)?\s*(?:a|an|its|the|their)?\s*"
                          r"(?:[\w-]+\s+){0,3}suppliers?\b")
_SUPPLIER_BEFORE = _cue(r"suppliers?\s+$")
_CUSTOMER_BEFORE = _cue(r"customers?\s+(?:of|like|such as|including|include|includes|are|is)\s+$")
_AS_CUSTOMER_AFTER = _cue(r"^\s+(?:as|is|was|became)\s+(?:a|an|its|the|their)?\s*(?:[\w-]+\s+){0,2}customers?\b")
# The words without which those patterns cannot match: a supply clause missing one skips the
# patterns that need it (most clauses say neither "supplier" nor "customer").
_POSITION_WORDS = ("by", "from", "supplier", "customer")


@dataclass(slots=True)
class Participant:       # not frozen: built by the dozen per article (see matching.NameHit)
    company: str
    group: str
    start: int          # where it is named in the text
    end: int
    source: str         # company, person, product, reference


class PartnershipFinder:
    """Finds partnership mentions in one article; built once per catalogue and topic order."""

    def __init__(self, catalogue: Catalogue, topic_order: Sequence[str]) -> None:
        self.catalogue = catalogue
        self.topic_order = [t for t in topic_order if t != "ev"] + ["ev"]
        self._topic_rank = {topic: rank for rank, topic in enumerate(self.topic_order)}

    def find(
        self,
        article: ArticleText,
        sentences: Sequence[Sentence],
        companies: Sequence[CompanyMention],
        people: Sequence[PersonMention],
        products: Sequence[NameHit],
        topics: Sequence[TermHit],
        cues: Cues | None = None,
    ) -> list[PartnershipMention]:
        """Partnership mentions, sentence by sentence. ``cues`` (from the Extractor's TextIndex
        scan with ``cue_patterns``) lets clauses without an anchor of a pattern skip it."""
        text = article.text
        by_sentence: dict[int, list[Participant]] = {}
        for m in companies:
            by_sentence.setdefault(m.sentence_index, []).append(
                Participant(m.company, m.parent_company, m.char_start, m.char_end, "company"))
        proxies: list[tuple[int, Participant]] = []
        for p in people:
            company = p.company or self._person_company(p.person)
            if company:
                proxies.append((p.sentence_index, Participant(company, self.catalogue.group_of(company),
                                                              p.char_start, p.char_end, "person")))
        for hit in products:
            maker = self.catalogue.product_maker(hit.name)
            index = _sentence_index(sentences, hit.start)
            if maker and index is not None:
                proxies.append((index, Participant(maker, self.catalogue.group_of(maker), hit.start, hit.end, "product")))
        for index, proxy in proxies:
            by_sentence.setdefault(index, []).append(proxy)
        for participants in by_sentence.values():
            participants.sort(key=_start)

        context = _Context(text, cues, sorted(topics, key=_start), sorted(products, key=_start))
        mentions: list[PartnershipMention] = []
        # "The two companies" is rare: sentences look for it only in an article that has it.
        may_refer = context.cues.may("pair_reference", 0, len(text))
        # The participants and mentions of the last sentence with participants, when it named two
        # groups: what "the two companies" may stand for (worked out only when the phrase occurs).
        previous: tuple[list[Participant], list[PartnershipMention]] | None = None
        for sentence in sentences:
            participants = by_sentence.get(sentence.index, [])
            if may_refer and previous is not None:
                stand_ins = self._pair_stand_ins(context, sentence, *previous)
                if stand_ins:
                    participants = sorted(participants + stand_ins, key=lambda p: (p.start, p.source != "reference"))
            if not participants:
                continue
            if _several_groups(participants):
                found = self._sentence(article, sentence, participants, context)
                mentions.extend(found)
                previous = (participants, found)
            else:
                previous = None
        return mentions

    def _pair_stand_ins(
        self, context: _Context, sentence: Sentence, participants: list[Participant], found: list[PartnershipMention],
    ) -> list[Participant]:
        """Participants for "the two companies" / "both firms" in ``sentence``, standing for the pair
        of the previous sentence (its ``participants`` and ``found`` mentions); [] if none."""
        reference = context.cues.search("pair_reference", sentence.text, sentence.start)
        if not reference:
            return []
        pair = self._pair_of(participants, found)
        if not _several_groups(pair):
            return []
        at, end = sentence.start + reference.start(), sentence.start + reference.end()
        return [Participant(p.company, p.group, at, end, "reference") for p in _distinct(pair)[:2]]

    # ---- one sentence ------------------------------------------------------------------------

    def _sentence(
        self, article: ArticleText, sentence: Sentence, participants: list[Participant], context: _Context,
    ) -> list[PartnershipMention]:
        text = article.text
        results: list[PartnershipMention] = []
        seen: set[tuple[str, str, str, str]] = set()
        if context.cues.may("clause_break", sentence.start, sentence.end):
            clauses = _clauses(sentence)
        else:
            clauses = [(sentence.start, sentence.end)]
        work = [(start, end, None) for start, end in clauses]
        earlier_pair: list[Participant] = []
        while work:
            clause_start, clause_end, given = work.pop(0)
            everyone = given if given is not None else self._members(
                [p for p in participants if clause_start <= p.start < clause_end], text)
            members = self._first_each(everyone)
            several = _several_groups(members)
            if members and not several and earlier_pair and given is None:
                # "..., while Samsung Electro-Mechanics could provide camera modules for its cars":
                # the pronoun stands for the other side of the sentence's previous clause.
                pronoun = _PRONOUN.search(text, members[0].end, clause_end)
                if pronoun:
                    stand_ins = [Participant(p.company, p.group, pronoun.start(), pronoun.end(), "reference")
                                 for p in earlier_pair if p.group != members[0].group]
                    everyone = sorted(everyone + stand_ins, key=_start)
                    members = self._first_each(everyone)
                    several = _several_groups(members)
            if not several:
                continue
            earlier_pair = members
            clause = text[clause_start:clause_end]
            clause_topics = self._topics(context, clause_start, clause_end)
            topic = clause_topics[0] if clause_topics else ""
            if not topic and (clause_start, clause_end) != (sentence.start, sentence.end):
                topic = self._topic(context, sentence.start, sentence.end)
            relation = _relation(context, clause, clause_start, has_product_topic=bool(topic) and topic != "ev")
            if relation is None:
                continue                # then no part of the clause has one either
            segments = [(clause_start, clause_end)]
            if len(everyone) > 2 and len({p.start for p in everyone}) > 2:
                segments = _segments(text, clause_start, clause_end, everyone)
            if given is None and len(segments) > 1 and all(
                    self._complete(context, seg_start, seg_end, everyone) for seg_start, seg_end in segments):
                # "A supplies B, and C signed a deal with D": each part is a clause of its own.
                work[:0] = [(a, b, [p for p in everyone if a <= p.start < b]) for a, b in segments]
                continue
            stage = _stage(context, clause, clause_start, relation)
            if relation == "supply":
                pairs = self._supply_pairs(context, clause_start, clause_end, members, everyone, topic)
            else:
                pairs = self._symmetric_pairs(text, members, relation)
            several_suppliers = relation == "supply" and len({p.company for p, _ in pairs}) > 1
            segment_stages: dict[tuple[int, int], str | None] = {}
            region_topics = {(clause_start, clause_end): clause_topics}     # what each supplier's part names
            for a, b in pairs:
                if self.catalogue.related(a.company, b.company):
                    continue
                topics, pair_stage = [topic], stage
                if relation == "supply":
                    # The part of the clause that names the supplier says what it supplies; with
                    # several suppliers in one part, the terms nearest to each.
                    region = _segment_of(segments, a.start)
                    if several_suppliers:
                        region = _supplier_region(text, region, a, [p for p, _ in pairs])
                    if region not in region_topics:
                        region_topics[region] = self._topics(context, *region)
                    topics = region_topics[region] or [topic]
                if len(segments) > 1:
                    # The part that names the later of the two says how far their deal has got.
                    later = _segment_of(segments, max(a.start, b.start))
                    if later not in segment_stages:
                        segment_stages[later] = _stage_cue(context, text[later[0]:later[1]], later[0], relation)
                    pair_stage = segment_stages[later] or stage
                for pair_topic in topics:
                    key = (a.company, b.company, relation, pair_topic) if relation == "supply" else (
                        *sorted((a.company, b.company)), relation, pair_topic)
                    if key in seen:
                        continue
                    seen.add(key)
                    results.append(PartnershipMention(
                        article_id=article.article_id, company_a=a.company, company_b=b.company,
                        group_a=a.group, group_b=b.group, relation=relation, stage=pair_stage, topic=pair_topic,
                        sentence_index=sentence.index, sentence=sentence.text,
                        char_start=sentence.start, char_end=sentence.end,
                    ))
        return results

    def _complete(self, context: _Context, start: int, end: int, everyone: list[Participant]) -> bool:
        """A part of a clause that stands alone: two groups and a relation cue of its own."""
        own = [p for p in everyone if start <= p.start < end]
        if not _several_groups(own):
            return False
        topic = self._topic(context, start, end)
        return _relation(context, context.text[start:end], start,
                         has_product_topic=bool(topic) and topic != "ev") is not None

    def _members(self, participants: list[Participant], text: str) -> list[Participant]:
        """The participants that can pair: a group gives way to its unit, a joint venture to its
        owners, a person or product to a named company of its group."""
        named_groups: dict[str, set[str]] = {}
        for p in participants:
            if p.source in ("company", "reference"):
                named_groups.setdefault(p.group, set()).add(p.company)
        members: list[Participant] = []
        for p in participants:
            if p.source in ("person", "product") and p.group in named_groups:
                continue
            if p.company == p.group and len(named_groups.get(p.group, ())) > 1:
                continue                                    # the group, with a unit of it named
            company = self.catalogue.companies.get(p.company)
            if company and company.owners and any(o in named_groups for o in company.owners):
                continue                                    # the joint venture, with its owners named
            if _venture_before(text, p.start):
                continue                                    # "their joint venture Ultium Cells"
            if _negated(text, p.start):
                continue                                    # "Samsung SDI, not CATL, will supply"
            members.append(p)
        return members

    @staticmethod
    def _first_each(members: list[Participant]) -> list[Participant]:
        """The first mention of each company, in text order."""
        first: dict[str, Participant] = {}
        for p in members:
            first.setdefault(p.company, p)
        return list(first.values())

    def _symmetric_pairs(self, text: str, members: list[Participant], relation: str) -> list[tuple[Participant, Participant]]:
        groups = _coordinated(text, members)
        if len(groups) == 1:
            only = groups[0]
            return [(only[i], only[j]) for i in range(len(only)) for j in range(i + 1, len(only))]
        pairs = []
        for gi in range(len(groups)):
            for gj in range(gi + 1, len(groups)):
                pairs.extend((a, b) for a in groups[gi] for b in groups[gj])
        return pairs

    def _supply_pairs(
        self, context: _Context, clause_start: int, clause_end: int, members: list[Participant],
        everyone: list[Participant], topic: str,
    ) -> list[tuple[Participant, Participant]]:
        """Suppliers x customers; positional evidence is shared by coordinated participants and
        summed over every mention of a company in the clause."""
        position: dict[str, int] = {p.company: 0 for p in members}
        text = context.text
        votes = self._verb_votes(context, clause_start, clause_end, everyone)
        words = _words_in(text[clause_start:clause_end], _POSITION_WORDS)
        for group in _coordinated(text, everyone):
            shared = sum(self._position_score(context, clause_start, clause_end, p, words) + votes.get(p.start, 0)
                         for p in group)
            for p in group:
                if p.company in position:
                    position[p.company] += shared
        scores = {p.company: position[p.company] + self._catalogue_score(p, topic) for p in members}
        suppliers = [p for p in members if scores[p.company] > 0]
        customers = [p for p in members if scores[p.company] <= 0]
        if not suppliers or not customers:
            if len(members) != 2 or scores[members[0].company] == scores[members[1].company]:
                return []
            first, second = sorted(members, key=lambda p: -scores[p.company])
            suppliers, customers = [first], [second]
        return [(s, c) for s in suppliers for c in customers]

    def _catalogue_score(self, p: Participant, topic: str) -> int:
        """What the catalogue says: sells this topic (+2, +1 through its group), a supplier (+1),
        a carmaker (-1)."""
        company = self.catalogue.companies.get(p.company)
        if company is None:
            return 0
        score = 0
        group = self.catalogue.companies.get(company.group)
        if topic and topic != "ev" and topic in company.supplies:
            score += 2
        elif topic and topic != "ev" and group and topic in group.supplies:
            score += 1
        if company.kind == "supplier":
            score += 1
        elif company.kind == "carmaker":
            score -= 1
        return score

    @staticmethod
    def _position_score(
        context: _Context, clause_start: int, clause_end: int, p: Participant, words: frozenset[str],
    ) -> int:
        """What the sentence says about one mention: supplier (+) or customer (-). ``words``: the
        ``_POSITION_WORDS`` the clause holds; a pattern that needs an absent one is not tried."""
        score = 0
        text = context.text
        before = text[max(clause_start, p.start - 40):p.start]
        after = text[p.end:min(clause_end, p.end + 60)]
        if ("by" in words or "from" in words) and _BY_OR_FROM.search(before) and (
                next(context.cues.finditer("supply_from_verb", clause_start, p.start), None) or _MADE_BY.search(before)):
            score += 2
        elif _TO_OR_FOR.search(before) or ("customer" in words and _CUSTOMER_BEFORE.search(before)):
            score -= 2
        if "supplier" in words and (_AS_SUPPLIER_AFTER.match(after) or _SUPPLIER_BEFORE.search(before)):
            score += 2
        if "customer" in words and _AS_CUSTOMER_AFTER.match(after):
            score -= 2
        return score

    @staticmethod
    def _verb_votes(context: _Context, clause_start: int, clause_end: int, members: list[Participant]) -> dict[int, int]:
        """The subject of an active supply verb (the nearest participant before it that is not the
        object of a preposition) supplies (+2); the subject of "use" / "buy" is the customer (-2)."""
        text = context.text
        subjects = [m for m in members if not _OBJECT_BEFORE.search(text, max(clause_start, m.start - 12), m.start)]
        votes: dict[int, int] = {}
        for label, sign in (("supply_active", 2), ("use_verb", -2), ("supply_from_verb", -2)):
            voted: set[int] = set()
            for verb in context.cues.finditer(label, clause_start, clause_end):
                if verb.group().lower() == "supply" and not _bare_supply_is_a_verb(text, verb.start()):
                    continue
                if _passive(text, verb.start(), verb.end()):
                    continue            # "Samsung SDI was picked by Xiaomi": the subject is not the one acting
                before = [m for m in subjects if m.end <= verb.start()]
                if before:
                    subject = max(before, key=lambda m: m.end).start
                    if subject not in voted:
                        voted.add(subject)
                        votes[subject] = votes.get(subject, 0) + sign
        return votes

    def _topic(self, context: _Context, start: int, end: int) -> str:
        """The first topic, in the watch's order, that text[start:end] names ("" if none)."""
        topics = self._topics(context, start, end)
        return topics[0] if topics else ""

    def _topics(self, context: _Context, start: int, end: int) -> list[str]:
        """The first topic of text[start:end] in the watch's order, then a category it names with
        "and other" ("camera modules and other automotive electronics": cameras, automotive
        electronics)."""
        hits = context.in_span(context.topics, context.topic_starts, start, end)
        named = {t.label for t in hits}
        for hit in context.in_span(context.products, context.product_starts, start, end):
            product = self.catalogue.products.get(hit.name)
            if product and product.topic:
                named.add(product.topic)
        ranked = named & self._topic_rank.keys()
        if not ranked:
            return []
        first = min(ranked, key=self._topic_rank.__getitem__)
        categories = [h.label for h in hits if h.label not in (first, "ev")
                      and _HYPERNYM_BEFORE.search(context.text, max(start, h.start - 14), h.start)]
        return [first, *dict.fromkeys(categories)]

    def _person_company(self, person: str) -> str:
        known = self.catalogue.people.get(person)
        return known.company if known else ""

    @staticmethod
    def _pair_of(participants: list[Participant], found: list[PartnershipMention]) -> list[Participant]:
        """What "the two companies" in the next sentence stands for."""
        if found:
            first = found[0]
            chosen = {first.company_a, first.company_b}
            return [p for p in _distinct(participants) if p.company in chosen]
        return participants


def _several_groups(participants: list[Participant]) -> bool:
    """Whether the participants belong to two groups or more."""
    if participants:
        group = participants[0].group
        for p in participants:
            if p.group != group:
                return True
    return False


def _distinct(participants: list[Participant]) -> list[Participant]:
    seen, out = set(), []
    for p in participants:
        if p.company not in seen and not (p.company == p.group and any(
                q.group == p.group and q.company != p.company for q in participants)):
            seen.add(p.company)
            out.append(p)
    return out


_start = attrgetter("start")       # the sort key of participants and hits: where they are named


class _Context:
    """What every sentence of one article looks up: the text, its cue anchors, and topic and
    product hits in text order."""

    __slots__ = ("text", "cues", "topics", "topic_starts", "products", "product_starts")

    def __init__(self, text: str, cues: Cues | None, topics: list[TermHit], products: list[NameHit]) -> None:
        self.text = text
        self.cues: Cues | _Uncued = cues if cues is not None else _Uncued(text)
        self.topics, self.topic_starts = topics, [t.start for t in topics]
        self.products, self.product_starts = products, [h.start for h in products]

    @staticmethod
    def in_span(items: list, starts: list[int], start: int, end: int) -> list:  # noqa: ANN001
        return items[bisect_left(starts, start):bisect_left(starts, end)]


class _Uncued:
    """``Cues`` for a text scanned without cue anchors: every pattern runs wherever it is asked to."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text

    def search(self, label: str, string: str, offset: int) -> re.Match[str] | None:
        return _LABELLED[label].search(string)

    def finditer(self, label: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
        return _LABELLED[label].finditer(self._text, start, len(self._text) if end is None else end)

    def may(self, label: str, start: int, end: int) -> bool:
        return True


def _passive(text: str, start: int, end: int) -> bool:
    """A verb in the passive: a form of "be" before it or "by" right after it."""
    before = text[max(0, start - 12):start].split()
    return (bool(before) and before[-1].lower() in _BE_FORMS) or text[end:end + 4].lower() == " by "


_BE_FORMS = frozenset({"is", "was", "are", "were", "be", "been", "being"})


def _bare_supply_is_a_verb(text: str, start: int) -> bool:
    words = text[max(0, start - 8):start].split()
    return bool(words) and words[-1].lower() in _VERB_BEFORE_BARE_SUPPLY


def _negated(text: str, start: int) -> bool:
    """"not CATL", "rather than CATL", "instead of CATL", "unlike CATL" just before ``start``."""
    window = text[max(0, start - 16):start]
    return ("not" in window or "than" in window or "instead" in window or "nlike" in window) and bool(
        _NEGATED_BEFORE.search(window))


def _venture_before(text: str, start: int) -> bool:
    """``_VENTURE_BEFORE.search(text[start - 20:start])``: "venture" and spaces end the window."""
    if not start or not text[start - 1].isspace():
        return False
    window = text[max(0, start - 20):start]
    if not window.isascii():
        return _VENTURE_BEFORE.search(window) is not None
    return window.rstrip().lower().endswith("venture")


def _words_in(text: str, words: tuple[str, ...]) -> frozenset[str]:
    """The ``words`` that ``text`` holds, ignoring case; all of them when ``text`` is not ASCII,
    where a pattern's IGNORECASE goes beyond ``str.lower`` ("ſupplier" matches "supplier")."""
    if not text.isascii():
        return frozenset(words)
    lowered = text.lower()
    return frozenset(word for word in words if word in lowered)


def _sentence_index(sentences: Sequence[Sentence], offset: int) -> int | None:
    i = bisect_right(sentences, offset, key=_start) - 1
    return sentences[i].index if i >= 0 and offset < sentences[i].end else None


def _clauses(sentence: Sentence) -> list[tuple[int, int]]:
    bounds = [0]
    for match in _CLAUSE_BREAK.finditer(sentence.text):
        bounds.append(match.end())
    bounds.append(len(sentence.text))
    return [(sentence.start + a, sentence.start + b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _segments(text: str, start: int, end: int, everyone: list[Participant]) -> list[tuple[int, int]]:
    """The parts of a clause that each open with a new participant: cut at the last comma (or at
    "and" right before the participant) between two participants."""
    cuts = [start]
    ordered = sorted({p.start: p for p in everyone}.values(), key=_start)
    for last, nxt in zip(ordered, ordered[1:]):
        cut = None
        for match in _SEGMENT_BREAK.finditer(text, last.end, nxt.start):
            if match.group().lstrip().startswith(",") or text[match.end():nxt.start].strip() in ("", "the"):
                cut = match.start()
        if cut is not None and cut > cuts[-1]:
            cuts.append(cut)
    cuts.append(end)
    return list(zip(cuts, cuts[1:]))


def _supplier_region(text: str, region: tuple[int, int], supplier: Participant,
                     suppliers: list[Participant]) -> tuple[int, int]:
    """The stretch of ``region`` that speaks of this supplier when it names several: cut at the
    last comma or "and" between two suppliers ("buys DRAM from Samsung Electronics | and OLED
    panels from Samsung Display")."""
    start, end = region
    others = sorted({p.start: p for p in suppliers if region[0] <= p.start < region[1]
                     and p.company != supplier.company}.values(), key=_start)
    before = [p for p in others if p.end <= supplier.start]
    after = [p for p in others if p.start >= supplier.end]
    if before:
        cut = _last_conjunction(text, before[-1].end, supplier.start)
        start = cut if cut is not None else start
    if after:
        cut = _last_conjunction(text, supplier.end, after[0].start)
        end = cut if cut is not None else end
    return start, end


_CONJUNCTION = re.compile(r",\s+|;\s+|\s+and\s+|\s+while\s+")


def _last_conjunction(text: str, start: int, end: int) -> int | None:
    found = None
    for match in _CONJUNCTION.finditer(text, start, end):
        found = match.start()
    return found


def _segment_of(segments: list[tuple[int, int]], offset: int) -> tuple[int, int]:
    for segment in segments:
        if segment[0] <= offset < segment[1]:
            return segment
    return segments[-1]


def _coordinated(text: str, members: list[Participant]) -> list[list[Participant]]:
    groups: list[list[Participant]] = []
    for p in members:
        if groups:
            last = groups[-1][-1]
            between = text[last.end:p.start]
            if (last.start == p.start) or (_COORDINATION.fullmatch(between) and not _any_cue(between)):
                groups[-1].append(p)
                continue
        groups.append([p])
    return groups


def _any_cue(text: str) -> bool:
    return any(pattern.search(text) for pattern in RELATION_CUES.values())


def _relation(context: _Context, clause: str, offset: int, *, has_product_topic: bool) -> str | None:
    """The strongest relation cue of ``clause`` (the text from ``offset`` on), or None."""
    cues = context.cues
    for relation, label in _RELATION_LABEL.items():
        if cues.search(label, clause, offset):
            return relation
        if relation == "supply" and has_product_topic and cues.search("weak_supply", clause, offset):
            return relation
    return None


# A meeting that took place is held whatever it was meant to discuss: "met ... to discuss chips".
_MEETING_STAGE_ORDER = ("denied", "ended", "speculated", "operational", "in_talks", "agreed", "reported")


def _stage(context: _Context, clause: str, offset: int, relation: str) -> str:
    """The stage ``clause`` (the text from ``offset`` on) gives the relation; without a cue, what
    the relation itself implies."""
    return _stage_cue(context, clause, offset, relation) or (
        "operational" if relation in ("meeting", "competition") else "agreed")


def _stage_cue(context: _Context, clause: str, offset: int, relation: str) -> str | None:
    """The stage of the first cue ``clause`` holds, in order of precedence, or None."""
    cues = context.cues
    for stage in _MEETING_STAGE_ORDER if relation == "meeting" else STAGE_ORDER:
        if cues.search(_STAGE_LABEL[stage], clause, offset):
            return REPORTED_STAGE if stage == "reported" else stage
    return None


_LABELLED = cue_patterns()          # the patterns by label, for _Uncued
