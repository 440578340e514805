"""Figures: the quantities an article states about a company's business.

``extract_figures`` finds every number expression in an article's text, keeps those that carry a
business unit, and reads each one's metric, owner, period, kind and qualifier from its sentence.
It is a plain function of records.

What counts as a figure
    Amounts of money with their currency ("US$4.5bn", "32.7 billion yuan", "₩1.2tn", "€300m",
    "HK$10 billion", "5 billion dollars"), percentages ("15%", "30 percent", "20pc", "3 percentage
    points"), counts with a unit noun ("350,000 units", "40,000 SU7 sedans", "289,000 firm
    orders", "1,400 workers", "20 new Mi Home stores", "100,000 paid rides", "33 GWh"; customers
    who ordered count as orders), multiples ("three times faster", "3x", "twofold") and
    bare counts next to a volume word ("deliveries reached 240,000", "a target of 350,000").
    Digits, "350k", "1.2m" and spelled numbers before a scale, "percent" or "times" ("seven
    thousand", "a million", "half a million", "three times") are read. "Tens of thousands",
    "almost half" and verbs without a number ("doubled", "tripled") are not figures: they carry no
    value to compare.
    Not figures: years, dates ("March 28", "28 March 2025"), times ("10:30"), ages ("aged 55",
    "55-year-old"), durations ("seven years", "18 hours"), product specifications ("101 kWh",
    "800 km"), model numbers, designations and process nodes ("SU7", "Galaxy S25", "GTX 1660",
    "46-series cells", "3nm", "5G", "4K"), phone numbers, ordinals, weights ("243 pounds"), head counts that are no workforce
    ("28 people were quarantined") and page furniture ("Page 2 of 3", "3 min read", "12
    comments", "© 2025").

Normalisation
    ``value`` is the number times its scale ("$4.5 billion" → 4.5e9); a range
    ("300,000 to 350,000", "between 300,000 and 350,000", "$4-5 billion") keeps its low end in
    ``value`` and its high end in ``value_high``; a range may write its unit twice ("253,500 yuan
    to 329,900 yuan", "rise by 8% to 13%"). ``unit`` is an ISO currency, "units" (vehicles,
    cars, phones, panels ...), "orders", "people", "stores", "GWh", "percent",
    "percentage points" or "x". A change ("fell 12%", "down 78%") is a ``growth`` figure with a
    negative value. "¥" reads as CNY unless the sentence names the yen or Japan.

Decisions
    - A revision or a move, "raised its target from 300,000 to 350,000 units" or "rose from 10%
      to 15%", gives two figures with the same metric, kind and period: the old value is kept
      because an alert may need to say what changed. A range needs no "from" ("300,000 to
      350,000") or a range verb ("prices ranging from 200,000 to 300,000 yuan").
    - A conversion in brackets, "32.8 billion yuan ($4.5 billion)" or ", or about $830 million",
      is a second figure with the metric, owner, period and kind of the amount it converts.
    - "nearly"/"almost" read as qualifier "about"; "over", "more than", "exceeded", "top" as
      "over"; "under", "less than" as "under"; "up to", "as many as" as "up to"; "at least" as
      "at least".
    - A share-price move ("shares rose 4%") and a share price are ``valuation``; a deal or
      contract value is ``other``; a margin is ``profit`` in percent.

Owner (``company``)
    Within the sentence, in this order: a company written right before the figure, bare or
    possessive ("Xiaomi 49%", "Samsung SDI's $3bn", "Xiaomi's EV deliveries jumped to 75,869");
    for a figure inside brackets or a "which/where" clause, the companies in there, then the
    nearest one before it; the first company of the figure's clause (clauses split at "while",
    "but", "after", "up from", ";" ...), passing from a possessive company to the company named
    right after it ("Xiaomi's rival Tesla", "Samsung Electronics' Harman unit"); the nearest
    company before it elsewhere in the sentence; a company after the figure only as the speaker
    or after at/for/of/by ("..., Xiaomi said", "rose 30% at Xiaomi"; not "lifting Samsung").
    A product name ("SU7", "YU7", from ``products``) stands for its maker. A company named as the
    thing compared with ("cheaper than Tesla's Model Y", "below the cheapest Tesla Model 3") owns
    no figure but one written right after it; a counterparty ("won from the US carmaker",
    "supply to Xiaomi") owns one only when nothing else can. Research firms, brokers and media that only report
    or forecast the number ("according to Canalys", "Analysts at Citi", ", Counterpoint Research
    said", "CnEVPost put the figure at") are never owners; this is decided for unresolved mentions
    only, since catalogue companies do not act as sources. A sentence without an owner continues
    the previous subject when it refers back to it ("It", "Its", "the company", "the carmaker",
    "The segment", "The standard version" ...): the company a definite description names ("The
    venture" after "StarPlus Energy, their joint venture"), else the last company that stood near
    the start of a sentence; otherwise the owner is "".

Period
    The period expression nearest the figure in its sentence that no other figure claims (a period
    written right after a figure belongs to it): "2025", "fiscal 2024", "FY24"; "Q2 2025",
    "second quarter of 2025", "2Q25" → "2025-Q2"; "first half", "H1 2025" → "2025-H1"; "in
    March 2025", "March 28" → "2025-03"; "first year"; "by 2027", "by the end of April" →
    "by 2027", "by 2024-04"; "this year", "last quarter" read against ``article.published_at``.
    A quarter, half or month without a year takes a year named in the sentence, else the
    publication year — for an actual figure the latest such period not after publication
    ("fourth quarter" in an article of February 2025 is "2024-Q4"). Figures linked by "to",
    ", up" or a conversion share their period.

Kind
    ``forecast`` when the figure's clause carries an analyst or an estimate before it ("Analysts
    ...", "estimate", "forecast", "is expected to", "could", "may", "Citi expects Xiaomi to", an
    unresolved organisation that "expects") or the sentence ends with "according to
    analysts/estimates"; ``target`` for the company's own plans ("target", "aims", "goal", "plans
    to", "expects to", "hopes", "will", "would", "on track", "weighing") unless a past-tense result
    ("delivered", "sold", "reported") follows the plan word, and for a figure followed by
    "target"/"goal" ("a 350,000-unit target"); otherwise ``actual``.

Counts without a unit noun
    "Deliveries reached 240,000" takes its unit from a volume word within a few words; an
    elliptical count ("200,000 orders in three minutes, and more than 240,000 within 18 hours")
    takes the unit of the count just before it; otherwise a bare number is no figure.

Speed
    Python's ``re`` only skips ahead quickly when a pattern starts with a plain character set, so
    the text is scanned with such patterns only (digit runs; ``str.find`` for the words that
    follow spelled numbers); cue words, clause boundaries and period words of the sentences that
    hold a number come from one Aho–Corasick automaton over the lower-cased text; every other
    pattern is matched at a known position. IGNORECASE is avoided for the same reason.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Mapping, Sequence

import ahocorasick

from evwatch.extract.numbers import (
    CURRENCY_PREFIX,
    CURRENCY_SUFFIX,
    DIGIT_NUMBER,
    SCALE,
    SPELLED_NUMBER,
    currency_code,
    parse_number,
    scale_factor,
    scaled,
)
from evwatch.extract.records import ArticleText, CompanyMention, Figure, Sentence

__all__ = ["PRODUCTS", "extract_figures"]

#: Product names that stand for their maker when no company is named. The catalogue may pass a
#: fuller map through ``extract_figures(products=...)``.
PRODUCTS: Mapping[str, str] = {"SU7": "Xiaomi", "YU7": "Xiaomi", "YU9": "Xiaomi"}

# =========================================================================== number expressions

# Where a number may start: a digit or a currency sign. A plain character set, so ``re`` skips
# the rest of the text at C speed.
_NUMBER_ANCHOR = re.compile(r"[\d$€£¥₩][\d,.]*")
# A currency code written before the digits or the "$": "RMB365.9bn", "US$4.5bn", "W400 billion".
_CODE_BEFORE = re.compile(r"(?:U\.?S\.?\s?|HK|NT|[SAC]|(?:USD|RMB|Rmb|CNY|KRW|EUR|HKD|JPY|GBP)\s?|W)\Z")
# Words after which a spelled-out number is read ("seven thousand", "three times", "twofold").
_SPELLED_FOLLOWERS = (" hundred", " thousand", " million", " billion", " trillion", " percent",
                      " per cent", " times", "fold")
_SPELLED_AT = re.compile(
    rf"(?<![\w-])(?:{SPELLED_NUMBER})[\s-]*(?=(?:hundred|thousand|million|billion|trillion|percent|per\s+cent|times|fold)\b)"
)

_ATOM = re.compile(
    rf"""
    (?<![\w.,+/#:])(?<!\w-)             # not inside a word, a decimal, a phone number or a time
    (?:
        (?P<fold>(?:two|three|four|five|six|seven|eight|nine|ten)fold)\b
      | (?P<pre>{CURRENCY_PREFIX})?
        (?P<num>{DIGIT_NUMBER}|\b{SPELLED_NUMBER}\b)
        (?P<scale>{SCALE})?
    )
    """,
    re.X,
)
# The high end of a range right after a number: "-5 billion", " to 350,000", " and 350,000".
_RANGE_TAIL = re.compile(
    rf"""(?:\s*[-–—]\s*|\s+(?P<sep>to|and)\s+)
    (?P<pre>{CURRENCY_PREFIX})?(?P<num>{DIGIT_NUMBER}|\b{SPELLED_NUMBER}\b)(?P<scale>{SCALE})?""",
    re.X,
)

# Words that may stand between a number and its unit noun ("40,000 SU7 sedans",
# "289,000 firm orders"), minus those that show the number has ended.
_STOP = (
    r"in|of|to|and|or|for|by|at|on|the|a|an|this|that|last|next|from|than|with|per|each|its|"
    r"their|his|her|as|is|are|was|were|be|been|will|would|over|under|since|after|before|more|"
    r"less|fewer|while|but|which|who|said|says|year|years|month|months|week|weeks|day|days|"
    r"hours?|minutes?|yuan|won|dollars?|euros?|yen|percent|times|worth|every"
)
_UNIT_NOUNS = (
    r"vehicles?|cars?|units?|EVs?|sedans?|SUVs?|autos?|automobiles?|trucks?|deliveries|"
    r"(?:pre-?)?orders?|bookings?|reservations?|employees?|staff(?:ers)?|workers?|engineers?|"
    r"people|jobs|personnel|researchers?|stores?|showrooms?|outlets?|dealerships?|"
    r"smartphones?|phones?|handsets?|devices?|screens?|panels?|displays?|chips?|batteries|"
    r"battery\s+packs?|cells|modules?|cameras?|TVs?|televisions?|TV\s+sets|rides|trips|customers|buyers|"
    r"[A-Z]{1,3}\d{1,2}s"
)
_SUFFIX = re.compile(
    rf"""
    (?P<plus>\+|-plus(?![\w-]))?
    (?:
        (?P<pp>\s*(?:percentage[\s-]points?|ppts?|pp)(?![\w-]))
      | (?P<pct>\s?%|\s*(?:[Pp]ercent|[Pp]er\s?[Cc]ent|pct)(?![\w-])|pc(?![\w-]))
      | \s*(?P<cur>{CURRENCY_SUFFIX})
      | (?P<mult>x(?![\w-])|[\s-]?fold(?![\w-])
               |\s+times(?=\s+(?:as|more|higher|larger|bigger|greater|faster|the|that|those|what|its|their|over)\b))
      | \s*(?P<gwh>GWh|gigawatt[\s-]hours?)(?![\w-])
      | (?P<bad>[\s-]*(?:years?|yrs?|months?|weeks?|days?|hours?|hrs?|minutes?|mins?|seconds?|secs?
               |km|kilomet(?:re|er)s?|miles?|kWh|kW|MW|hp|horsepower|mm|cm|metres?|meters?
               |inch(?:es)?|kg|(?:metric\s+)?tonnes?|(?:metric\s+)?tons?|lit(?:re|er)s?|degrees?|nm|GB|TB
               |MP|megapixels?|seats?|seater|doors?|storeys?|floors?|mph|am|pm|a\.m\.|p\.m\.|times
               |pounds?\s+of)(?![\w]))
      | (?P<noun>(?:[\s-]+(?!(?:{_STOP})\b)[A-Za-z][\w&/-]*){{0,3}}[\s-]+(?P<head>{_UNIT_NOUNS})(?![\w-]))
    )?
    """,
    re.X,
)
_TRAILING_PLUS = re.compile(r"\s+or\s+(?P<w>more|so)\b")
_MONTH_AFTER = re.compile(
    r"\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
_CAPITALISED_AFTER = re.compile(r"\s+[A-Z]")
# A lower-case word right after a number without unit: it counts that thing ("100 cities").
_NOUN_AFTER = re.compile(
    r"[\s-]+(?!(?:in|of|to|and|or|for|by|at|on|the|a|an|this|that|these|those|last|next|from|than|with|"
    r"within|per|each|its|their|his|her|as|is|are|was|were|be|been|will|would|could|should|may|might|"
    r"has|have|had|over|under|since|after|before|more|less|while|but|which|who|so|far|already|"
    r"now|ahead|during|through|until|compared|versus|vs|across|worldwide|overall|year|month|"
    r"week|quarter|annually)\b)[a-z][\w-]*(?<!ly)\b"
)

_UNIT_OF_HEAD = {
    "deliveries": "units", "order": "orders", "preorder": "orders", "pre-order": "orders",
    "booking": "orders", "reservation": "orders",
    "employee": "people", "staff": "people", "staffer": "people", "worker": "people",
    "engineer": "people", "people": "people", "job": "people", "personnel": "people",
    "researcher": "people",
    "store": "stores", "showroom": "stores", "outlet": "stores", "dealership": "stores",
    "ride": "rides", "trip": "rides", "customer": "customers", "buyer": "customers",
}
_METRIC_OF_HEAD = {
    "deliveries": "deliveries", "employee": "employees", "staff": "employees",
    "staffer": "employees", "worker": "employees", "engineer": "employees", "job": "employees",
    "personnel": "employees", "researcher": "employees",
}

# The words right before a number, read as lower-case word tuples.
_NOT_BEFORE_WORDS = {"aged", "age", "ages", "no.", "number", "page", "chapter", "version", "rank",
                     "ranked", "model", "series", "gen", "generation"}
_RANGE_VERBS = {"range", "ranges", "ranged", "ranging", "priced", "price", "prices", "cost", "costs",
                "costing", "vary", "varies", "varying", "anywhere"}
_QUALIFIERS = {
    "about": "about", "around": "about", "roughly": "about", "approximately": "about",
    "approx.": "about", "some": "about", "an estimated": "about", "circa": "about",
    "nearly": "about", "almost": "about", "close to": "about", "just under": "about",
    "just shy of": "about",
    "over": "over", "more than": "over", "above": "over", "in excess of": "over",
    "upwards of": "over", "exceed": "over", "exceeds": "over", "exceeded": "over",
    "exceeding": "over", "top": "over", "tops": "over", "topped": "over", "topping": "over",
    "passed": "over", "passing": "over", "surpassed": "over", "surpassing": "over",
    "beyond": "over",
    "under": "under", "less than": "under", "fewer than": "under", "below": "under",
    "at most": "under", "no more than": "under", "a maximum of": "under",
    "up to": "up to", "as many as": "up to", "as much as": "up to",
    "at least": "at least", "no less than": "at least", "no fewer than": "at least",
    "a minimum of": "at least",
}
_QUALIFIER_ENDINGS = frozenset(phrase.split()[-1] for phrase in _QUALIFIERS)
_GROWTH_UP = set(
    "rose rise rises risen rising up grew grow grows grown growing increase increases increased "
    "increasing jump jumps jumped jumping surge surges surged surging soar soars soared soaring "
    "climb climbs climbed climbing gain gains gained gaining add adds added adding expand expands "
    "expanded expanding improve improves improved improving boost boosts boosted boosting lift "
    "lifts lifted lifting".split()
)
_GROWTH_DOWN = set(
    "fell fall falls fallen falling down drop drops dropped dropping decline declines declined "
    "declining decrease decreases decreased decreasing slump slumps slumped slumping plunge "
    "plunges plunged plunging plummet plummets plummeted plummeting slid slide slides sliding slip "
    "slips slipped slipping shrank shrunk shrink shrinks shrinking sank sink sinks tumble tumbles "
    "tumbled tumbling cut cuts cutting lower lowers lowered lowering reduce reduces reduced "
    "reducing".split()
)
# Words before a number that make "X to Y" a change, not a range ("cut by 10,000 yuan to ...").
_CHANGE_WORDS = _GROWTH_UP | _GROWTH_DOWN | {"by"}
_GROWTH_AFTER = re.compile(
    r"""\s*(?:(?P<up>increase|rise|jump|surge|gain|growth|climb)
    |(?P<down>drop|decline|fall|decrease|slump|plunge|contraction)
    |(?:year[\s-]on[\s-]year|year[\s-]over[\s-]year|yoy|y/y|YoY|on[\s-]year|on\s+the\s+year|quarter[\s-]on[\s-]quarter))\b""",
    re.X,
)
_KIND_AFTER = re.compile(
    r"[\s-]*(?:[\w-]+[\s-]+){0,2}?(?:(?P<target>targets?|goals?|guidance)|(?P<forecast>forecasts?|estimates?|projections?))\b"
)

# =========================================================================== sentence context


def _vocabulary() -> dict[str, tuple[tuple[str, str], ...]]:
    """Cue words of a sentence, each with its roles: ("m", metric group), ("k", kind),
    ("b", clause boundary), ("a", attribution), ("p", period word). "_" joins phrase words."""
    table: dict[str, list[tuple[str, str]]] = {}

    def add(role: str, name: str, words: str) -> None:
        for word in words.split():
            table.setdefault(word.replace("_", " "), []).append((role, name))

    add("m", "price", "price prices priced pricing cost costs costing starts_at start_at starting_at "
        "msrp undercut undercuts undercutting cheaper discount discounts discounted discounting")
    add("m", "sell", "sell sells selling sold outsold registration registrations")
    add("m", "retail", "retail retails retailing")
    add("m", "deliver", "deliver delivers delivered delivering delivery deliveries handed_over "
        "hand_over hands_over handing_over handover handovers")
    add("m", "sales", "sales")
    add("m", "order", "order orders pre-order pre-orders preorder preorders booking bookings "
        "reservation reservations backlog")
    add("m", "produce", "produce produces produced producing production output manufacture "
        "manufactures manufactured manufacturing build builds built building assemble assembles "
        "assembled assembling assembly roll_off rolls_off rolled_off rolling_off")
    add("m", "capacity", "capacity capacities can_produce can_build can_make able_to_produce able_to_build "
        "capable_of_producing capable_of_building")
    add("m", "ship", "ship ships shipped shipping shipment shipments supply supplies supplied supplying")
    add("m", "employ", "employ employs employed employing employee employees employment staff staffs "
        "staffed staffing staffer staffers workers workforce headcount hire hires hired hiring jobs "
        "layoff layoffs engineers team teams assigned")
    add("m", "revenue", "revenue revenues turnover top_line top-line takings")
    add("m", "margin", "margin margins")
    add("m", "profit", "profit profits income earn earns earned earnings ebitda ebit")
    add("m", "loss", "loss losses lost lose loses losing deficit cash_burn")
    add("m", "stake", "stake stakes holding")
    add("m", "stock", "shares stock stocks share_price")
    add("m", "invest", "invest invests invested investing investment investments fund funds funded "
        "funding capex capital_expenditure capital_expenditures spend spends spent spending raise "
        "raises raised raising placement financing buy buys buying bought acquire acquires acquired "
        "acquiring acquisition r&d research_and_development budget inject injects injected "
        "injecting injection outlay")
    add("m", "deal", "deal deals contract contracts agreement agreements worth")
    add("m", "valuation", "valuation valued value values valuing market_cap market_capitalisation "
        "market_capitalization market_value")
    add("m", "share", "share market_share")
    add("m", "market", "market")
    add("m", "goal", "target targets goal goals aim aims")

    add("k", "forecast", "analyst analysts estimate estimates estimating projected projection "
        "projections projects predict predicts predicted predicting prediction predictions "
        "expectation expectations consensus could might likely potentially may")
    add("k", "forecast?", "estimated forecast forecasts forecasted forecasting expected")
    add("k", "expect", "expect expects expecting")
    add("k", "target", "target targets targeted targeting aim aims aimed aiming goal goals plan_to "
        "plans_to planned planning_to intend intends intended seek_to seeks_to seeking_to hope hopes "
        "hoped hoping ambition ambitions guidance want_to wants_to pledge pledges pledged vow vows "
        "vowed on_track weighing considering mulling will would is_set_to are_set_to designed_to "
        "scheduled_to slated_to")
    add("k", "actual", "delivered sold shipped produced reported posted recorded booked achieved "
        "generated earned received logged reached hit surpassed exceeded topped made raised lost "
        "collected drew handed_over")

    add("b", "", "while whereas but although though after before because compared_with compared_to "
        "versus vs vs. up_from down_from ;")
    add("a", "according", "according_to")

    add("p", "quarter", "quarter")
    add("p", "half", "half")
    add("p", "year", "year")
    add("p", "month", "month")
    add("p", "yearend", "year-end year_end")
    for n in range(1, 5):
        add("p", f"q{n}", f"q{n}")
        add("p", f"nq{n}", f"{n}q")
    for n in (1, 2):
        add("p", f"h{n}", f"h{n}")
        add("p", f"nh{n}", f"{n}h")
    add("p", "fy", "fy")
    for name in _MONTHS:
        add("p", "mon", name.lower())
    return {word: tuple(roles) for word, roles in table.items()}


_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("January", "Jan"), ("February", "Feb"), ("March", "Mar"), ("April", "Apr"),
            ("May",), ("June", "Jun"), ("July", "Jul"), ("August", "Aug"),
            ("September", "Sept", "Sep"), ("October", "Oct"), ("November", "Nov"),
            ("December", "Dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_WORDS = {name.lower(): i for name, i in _MONTHS.items()}
_MONTH_ABBREVIATIONS = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_DIGIT_END_OK = {"nq1", "nq2", "nq3", "nq4", "nh1", "nh2", "fy"}   # "1Q25", "2H24", "FY24"


def _automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for word, roles in _vocabulary().items():
        automaton.add_word(word, (len(word), roles))
    automaton.make_automaton()
    return automaton


_CUES = _automaton()

# The metric each cue names, by the kind of quantity it is read for.
_COUNT_METRICS = {
    "deliver": "deliveries", "sales": "units_sold", "sell": "units_sold", "order": "orders",
    "produce": "production", "capacity": "capacity", "ship": "shipments", "employ": "employees",
}
_COUNT_INFERENCE = {**_COUNT_METRICS, "goal": ""}
_MONEY_METRICS = {
    "revenue": "revenue", "sales": "revenue", "sell": "revenue", "profit": "profit",
    "margin": "profit", "loss": "loss", "invest": "investment", "stake": "investment",
    "price": "price", "valuation": "valuation", "stock": "valuation", "deal": "other",
    "order": "other",
}
_PERCENT_METRICS = {
    "share": "market_share", "margin": "profit", "stake": "investment", "stock": "valuation",
    "price": "price",
}

# Checks made at a cue word's position.
_PRICE_TAIL = re.compile(r"\s+(?:(?:[A-Za-z][\w'’-]*|\d{1,2})\s+){0,4}?(?:for|at)\b")
_SHARE_NOT = re.compile(r"\s+(?:placement|sale|price|buyback|offering)s?\b")
_MARKET_SHARE_BEFORE = re.compile(r"\bof\s+(?:the\s+)?(?:[\w'’-]+\s+){0,3}\Z")
_NEUTRAL_BEFORE = re.compile(r"\b(?:than|as)\s+\Z")
_PASSIVE_BEFORE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+\s+)?\Z")
_TO_AFTER = re.compile(r"\s+to\b")
_ACCORDING_TAIL = re.compile(r"\s+(?:[\w.&'’-]+\s+){0,4}?(?:analysts?|estimates?|forecasts?|projections?|consensus)\b")
_ANALYSTS_SAID = re.compile(r"\s+(?:said|say|says|estimated?|forecast|expect|predicted?|wrote)\b")

# Text set apart from its sentence: brackets, "which/who/where" clauses, dashes.
_NESTED = re.compile(
    r"\([^()]*\)|,\s+(?:which|who|whose|where)\b[^,;()]*(?:,|$)|\s[—–]\s[^—–]*\s[—–]\s"
)
_NESTED_HINTS = ("(", ", which", ", who", ", where", " — ", " – ")
# Between two figures: the second converts the first ("yuan ($4.5 billion)", ", or about $830m").
_CONVERSION_GAP = re.compile(r"\s*(?:\(|,\s*or\s+)(?:(?:about|around|roughly|approximately|some)\s+)?")
_TO_GAP = re.compile(r"\s+to\s+")
_FROM_GAP = re.compile(r"\s+(?:(?:in|for|during|over)\s+(?:the\s+)?[\w-]+\s+)?from\s+(?:(?:about|around|some)\s+)?")
# A year that dates the company, not a figure: "Samsung, founded in 1938, employs 270,000 people".
_NOT_PERIOD_BEFORE = re.compile(r"\b(?:founded|established|set up|incorporated|born|listed|since)\s+(?:in\s+)?\Z",
                                re.IGNORECASE)

# Who the figure belongs to.
_POSSESSIVE_GAP = re.compile(r"(?:'s|’s|'|’)?\s+(?:[A-Za-z][\w&-]*\s+){0,4}")
_ADJACENT_GAP = re.compile(r"\s*:?\s+")
# A company named as the thing compared with ("cheaper than Tesla's Model Y") owns no figure
# but one written right after it.
_COMPARISON_WORDS = frozenset({"than", "below", "above", "versus", "vs", "vs.", "against", "unlike", "like"})
_COMPARISON_PAIRS = frozenset({("compared", "with"), ("compared", "to"), ("such", "as")})
_COMPARISON_TRIGGERS = _COMPARISON_WORDS | {second for _, second in _COMPARISON_PAIRS}
# A company that a deal comes from or goes to is a counterparty ("won from the US carmaker",
# "supply batteries to Xiaomi"); it owns a figure only when nothing else can.
_COUNTERPARTY_WORDS = frozenset({"from", "to"})
# A company that follows a figure owns it when it is named as the speaker or with at/for/of/by
# ("..., Xiaomi said", "revenue rose 30% at Xiaomi"), not as an object ("lifting Samsung").
_OWNER_AFTER_BEFORE = re.compile(r"\b(?:at|for|of|by)\s+(?:the\s+)?\Z")
_OWNER_AFTER_AFTER = re.compile(
    r"(?:'s|’s)?\s+(?:said|says|reported|reports|announced|added|told|noted|confirmed|disclosed)\b"
)
# "StarPlus Energy, their joint venture": what a later "the venture" refers to.
_DESCRIBED_AFTER = re.compile(
    r",\s+(?:their|its|his|her|a|an|the)\s+(?:[\w-]+\s+){0,3}?(?P<noun>venture|unit|affiliate|subsidiary|carmaker|"
    r"automaker|maker|supplier|company|firm|group|brand|start-?up|partner|division|arm)s?\b"
)
_ANAPHOR_HEAD = re.compile(r"(?:[\w-]+\s+){0,3}?(?P<noun>[\w-]+?)(?:'s|’s)?\Z")
# A sentence's subject stands near its start ("Samsung SDI said", "In the US, Samsung SDI ...").
_SUBJECT_LEAD = re.compile(r"(?:\S+\s+){0,4}|[^.;:]{0,80},\s+")
_APPOSITION_GAP = re.compile(r"(?:'s|’s|'|’)?\s+(?:[A-Za-z][\w&-]*\s+){0,3}")
_SOURCE_BEFORE = re.compile(
    r"\b(?:[Aa]ccording\s+to|[Dd]ata\s+from|[Ff]igures\s+from|[Ee]stimates?\s+(?:by|from)"
    r"|[Aa]nalysts?\s+(?:at|from|with)|research\s+firm|consultancy|brokerage|reported\s+by)\s+(?:the\s+)?\Z"
)
_SOURCE_AFTER = re.compile(
    r"(?:'s|’s)?\s+(?:analysts?|research\s+(?:note|report)|estimates?|estimated|data|forecasts?|forecasted"
    r"|projects|projected|predicts?|predicted|reported\s+(?:that|on)|put\s+(?:the|its)\s+(?:figure|number|total|tally)"
    r"|expects?\s+(?!to\b))"
)
_TRAILING_SAYS_BEFORE = re.compile(r",\s*(?:the\s+)?\Z")
_TRAILING_SAYS_AFTER = re.compile(r"\s+(?:said|says|reported|noted|wrote|estimated|estimates)\b")
_ANAPHOR = re.compile(
    r"""\b(?:[Ii]t|[Ii]ts|[Ii]t's|[Hh]e|[Ss]he|[Tt]hey|[Tt]heir)\b
    |\b[Tt]he\s+(?:[\w-]+\s+){0,3}?(?:company|firm|group|carmaker|automaker|maker|manufacturer|unit|division
      |segment|business|arm|brand|supplier|chipmaker|conglomerate|venture|giant|start-?up|car|sedan|SUV
      |model|vehicle|version|variant|edition|trim)(?:'s|’s)?\b""",
    re.X,
)

# Period words read at their position.
_ORDINAL_BEFORE = re.compile(r"\b(?P<o>[Ff]irst|[Ss]econd|[Tt]hird|[Ff]ourth|1st|2nd|3rd|4th)[\s-]+\Z")
_RELATIVE_BEFORE = re.compile(
    r"\b(?P<r>[Tt]his|[Ll]ast|[Nn]ext|[Tt]he\s+current|[Tt]he\s+previous|[Tt]he\s+past|[Tt]he\s+same)\s+\Z"
)
_FIRST_YEAR_BEFORE = re.compile(r"\b(?:[Ff]irst|1st)\s+(?:full\s+)?\Z")
_END_OF_YEAR_BEFORE = re.compile(r"\bthe\s+end\s+of\s+(?:the|this)\s+\Z")
_YEAR_AFTER = re.compile(r"\s+(?:of\s+)?(?:fiscal\s+)?(?P<y>(?:19|20)\d\d)\b")
_SHORT_YEAR_AFTER = re.compile(r"\s*(?:of\s+)?(?:'|20)?(?P<y>\d\d)(?!\d)")
_ATTACHED_YEAR_AFTER = re.compile(r"\s?'?(?P<y>\d\d(?:\d\d)?)\b")
_MONTH_TAIL = re.compile(r"\.?(?:\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b,?)?(?:\s+(?P<y>(?:19|20)\d\d)\b)?")
_DAY_BEFORE = re.compile(r"\b\d{1,2}\s+\Z")
_MAY_BEFORE = re.compile(
    r"\b(?:[Ii]n|[Ff]or|[Dd]uring|[Ss]ince|[Bb]y|[Uu]ntil|[Tt]hrough|of|[Ll]ast|[Tt]his|[Ee]arly|[Ll]ate|mid|end|[Ff]rom|to)\s+\Z"
)
_FISCAL_BEFORE = re.compile(r"\b(?:[Ff]iscal\s+(?:year\s+)?|FY\s?)\Z")
_YEAR_QUARTER_AFTER = re.compile(r"\s*-?\s*(?P<k>[QH])(?P<n>[1-4])\b")
_BY_BEFORE = re.compile(r"\b[Bb]y\s+(?:(?:the\s+)?end\s+of\s+(?:the\s+)?|end-)?\Z")


@dataclass(slots=True, eq=False)
class _Quantity:
    start: int
    end: int
    value: float
    high: float | None = None
    unit: str = ""
    head: str = ""               # the unit noun as written, lower-case singular
    lo_raw: float = 0.0
    scaled: bool = False         # a scale word or suffix was read
    spelled: bool = False
    before: tuple[str, ...] = ()  # the last words before the number, lower-case
    from_before: bool = False    # "from X" (a revision when "to Y" follows)
    qualifier: str = ""
    metric: str = ""
    kind: str = "actual"
    period: str = ""
    company: str = ""
    growth_sign: int = 0         # +1/-1 when a change verb governs the figure
    converts: _Quantity | None = None      # the figure this one restates ("yuan ($4.5 billion)")
    linked: _Quantity | None = None        # shares its period ("from X to Y", "Y, up X%")


@dataclass(slots=True, eq=False)
class _Mention:
    start: int
    end: int
    company: str
    resolved: bool
    possessive: bool
    # The flags below are read from the words around the mention only when asked for (see
    # _settle): most sentences hold no number, and of those only the subject is looked for.
    eligible: bool = True
    compared: bool = False       # "than Tesla": owns only a figure right after it
    counterparty: bool = False   # "from Tesla", "to Xiaomi"
    settled: bool = False


@dataclass(slots=True, eq=False)
class _Period:
    start: int
    end: int
    kind: str                    # year, quarter, half, month, rel-*, firstyear, yearend
    n: int = 0                   # quarter/half/month number, or the step of a relative period
    year: int | None = None
    by: bool = False


@dataclass(slots=True, eq=False)
class _Context:
    """What a sentence says around its numbers, read once per sentence."""

    metric: list[tuple[int, int, str]] = field(default_factory=list)
    kind: list[tuple[int, int, str]] = field(default_factory=list)
    bounds: list[int] = field(default_factory=list)
    attribution: int = -1
    periods: list[_Period] = field(default_factory=list)
    nested: list[tuple[int, int]] = field(default_factory=list)


# =========================================================================== public API


def extract_figures(
    article: ArticleText,
    sentences: Sequence[Sentence],
    companies: Sequence[CompanyMention],
    *,
    products: Mapping[str, str] | None = None,
) -> list[Figure]:
    """Every figure stated in ``article.text``, in text order.

    ``sentences`` cover the text with offsets; ``companies`` are the company mentions found in
    it (resolved or not), whose ``company`` names the owner a figure gets. ``products`` maps
    product names to their maker ("SU7" → "Xiaomi"); it defaults to :data:`PRODUCTS`. Offsets
    of each figure index ``article.text`` so that ``text[char_start:char_end] == surface``.
    """
    text = article.text
    if not text or not sentences:
        return []
    order = sorted(sentences, key=lambda s: s.start)
    starts = [s.start for s in order]

    # Numbers first: most sentences hold none and are not looked at again.
    atoms, years = _scan_numbers(text)
    by_sentence: dict[int, list[re.Match[str]]] = {}
    for m in atoms:
        i = bisect_right(starts, m.start()) - 1
        if i >= 0 and m.start() < order[i].end:
            by_sentence.setdefault(i, []).append(m)

    mentions = _mentions_by_sentence(text, order, starts, companies, products)
    low = text.lower()
    if len(low) != len(text):   # a few characters lower-case to two; keep offsets aligned
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    pub = article.published_at
    figures: list[Figure] = []
    last_subject = ""
    described: dict[str, str] = {}
    for i, sentence in enumerate(order):
        ments = mentions.get(i, [])
        sentence_atoms = by_sentence.get(i)
        if sentence_atoms:
            quantities = _read_quantities(text, sentence, sentence_atoms)
            if quantities:
                _settle_all(text, ments)
                ctx = _read_context(text, low, sentence, years)
                _describe(text, sentence, quantities, ments, last_subject, described, pub, ctx)
                figures.extend(_figure(article, sentence, q) for q in quantities)
        if ments:
            subject = _subject(text, sentence, ments)
            if subject:
                last_subject = subject
            _descriptions(text, ments, described)
    return figures


# =========================================================================== reading numbers


def _scan_numbers(text: str) -> tuple[list[re.Match[str]], list[tuple[int, int]]]:
    """Number expressions of the whole text, and the spans of digit runs that look like years."""
    atoms: list[re.Match[str]] = []
    years: list[tuple[int, int]] = []
    pos = 0
    for run in _NUMBER_ANCHOR.finditer(text):
        start = run.start()
        digits = run.group().rstrip(".,")
        if len(digits) == 4 and digits[:2] in ("19", "20") and digits.isdigit():
            years.append((start, start + 4))
            if text[start + 4:start + 5] != "%" and (start == 0 or text[start - 1] not in "$€£¥₩"):
                continue   # a year: a period, never a figure
        if start < pos:
            continue
        prev = text[start - 2:start] if start >= 2 else text[:start]
        code = None
        if prev[-1:].isupper() or prev[-1:] == "." or (prev[-1:] == " " and prev[:1].isupper()):
            code = _CODE_BEFORE.search(text, max(0, start - 7), start)
        atom = _ATOM.match(text, code.start()) if code else None
        if atom is None or atom.end() <= start:
            atom = _ATOM.match(text, start)
        if atom is not None:
            atoms.append(atom)
            pos = atom.end()
    spelled = []
    for follower in _SPELLED_FOLLOWERS:
        at = text.find(follower)
        while at != -1:
            word_start = at if follower == "fold" else at + 1
            for m in _SPELLED_AT.finditer(text, max(0, at - 26), at + len(follower) + 1):
                if m.end() == word_start:
                    atom = _ATOM.match(text, m.start())
                    if atom is not None:
                        spelled.append(atom)
            at = text.find(follower, at + len(follower))
    if spelled:
        seen = {a.start() for a in atoms}
        for atom in spelled:
            if atom.start() not in seen:
                seen.add(atom.start())
                atoms.append(atom)
        atoms.sort(key=lambda a: a.start())
    return atoms, years


def _read_quantities(text: str, sentence: Sentence, atoms: list[re.Match[str]]) -> list[_Quantity]:
    """The figures among a sentence's number expressions, each with value and unit."""
    out: list[_Quantity] = []
    consumed_to = -1
    for m in atoms:
        if m.start() < consumed_to:
            continue
        q = _read_atom(text, m, sentence.start, sentence.end)
        if q is not None:
            consumed_to = q.end
            out.append(q)
    # "from 300,000 to 350,000 units": the first number takes the unit of the second.
    for a, b in zip(out, out[1:]):
        if a.from_before and not a.unit and b.unit and _TO_GAP.fullmatch(text, a.end, b.start):
            a.unit, a.head = b.unit, b.head
            if not a.scaled and b.scaled and a.lo_raw < 1000 and b.lo_raw:
                a.value = scaled(a.value, b.value / b.lo_raw)
    # "253,500 yuan to 329,900 yuan", "rise by 8% to 13%": a range that writes its unit twice.
    # After a change word the second value must stay close: "cut by 10,000 yuan to 205,900
    # yuan" is a change and a new level.
    merged: list[_Quantity] = []
    for q in out:
        a = merged[-1] if merged else None
        if (a is not None and a.unit and a.unit == q.unit and a.high is None and q.high is None
                and not a.from_before and q.value > a.value and _TO_GAP.fullmatch(text, a.end, q.start)
                and not (a.before and a.before[-1] in _CHANGE_WORDS and q.value > 3 * a.value)):
            a.high, a.end = q.value, q.end
            continue
        merged.append(q)
    return merged


def _words_before(text: str, start: int, sentence_start: int) -> tuple[str, ...]:
    """Up to five lower-case words right before ``start``; empty if something else touches it."""
    window = text[max(sentence_start, start - 48):start]
    if not window or not window[-1].isspace():
        return ()
    return tuple(window.lower().split()[-5:])


def _read_atom(text: str, m: re.Match[str], sentence_start: int, limit: int) -> _Quantity | None:
    """One number expression read with its range, currency or unit, or None if it is no figure.

    Most numbers in news are no figures (years, dates, small counts), so the cheap rejections
    come first and the words before the number are read only for the survivors.
    """
    start = m.start()
    fold, pre, num, scale = m.group("fold", "pre", "num", "scale")
    if fold:
        value = parse_number(fold[:-4]) or 0.0
        return _Quantity(start, m.end(), value, unit="x", lo_raw=value, spelled=True,
                         before=_words_before(text, start, sentence_start))
    pre = pre or ""
    scale = scale or ""
    spelled = not num[0].isdigit()
    plain = not (pre or scale or spelled) and "," not in num
    if plain and len(num) == 4 and num[:2] in ("19", "20") and text[m.end():m.end() + 1] != "%":
        return None   # a year, also before a noun ("2021 RAV4", "2018 model TV")
    raw = parse_number(num)
    if raw is None:
        return None
    if pre.strip() == "W" and not scale:
        return None
    if scale in ("k", "K") and raw < 10:
        return None   # "4K TVs", "8K": a resolution
    lo = scaled(raw, scale_factor(scale))
    end = m.end()
    high = None
    currency = currency_code(pre, yen_context=pre.strip() == "¥" and _yen_context(text, start, limit)) if pre else ""
    lead = text[max(sentence_start, start - 9):start].lower()
    from_before = lead.endswith("from ")
    ranged_from = from_before and _ranged_from(text, start, sentence_start)
    tail = _RANGE_TAIL.match(text, end, limit)
    if tail and (tail.group("sep") != "and" or lead.endswith("between ")) and (not from_before or ranged_from):
        hi_raw = parse_number(tail.group("num"))
        hi_scale = tail.group("scale") or ""
        if hi_raw is not None and tail.group("num")[0].isdigit() == num[0].isdigit():
            if not scale and hi_scale and raw < 1000:
                lo = scaled(raw, scale_factor(hi_scale))
            hi = scaled(hi_raw, scale_factor(hi_scale or scale))
            if hi > lo:
                high = hi
                end = tail.end()
                scale = scale or hi_scale
                if not currency and tail.group("pre"):
                    currency = currency_code(tail.group("pre"), yen_context=_yen_context(text, start, limit))
                from_before = False
    q = _Quantity(start, end, lo, high, lo_raw=raw, scaled=bool(scale), spelled=spelled,
                  from_before=from_before and not ranged_from)
    suffix = _SUFFIX.match(text, end, limit)
    if suffix is not None:
        if suffix.group("bad"):
            return None
        if suffix.group("plus"):
            q.qualifier = "over"
            q.end = suffix.end("plus")
        if suffix.end() > q.end:
            if suffix.group("pp"):
                q.unit = "percentage points"
            elif suffix.group("pct"):
                q.unit = "percent"
            elif suffix.group("cur"):
                word = suffix.group("cur").lower()
                if word.startswith("pound") and not scale and "sterling" not in word:
                    return None   # "243 pounds" is a weight; money in pounds is written "£243"
                currency = currency or currency_code(word)
            elif suffix.group("mult"):
                q.unit = "x"
            elif suffix.group("gwh"):
                q.unit = "GWh"
            elif suffix.group("noun") and not currency:
                head = " ".join(suffix.group("head").lower().split())
                noun = suffix.group("noun")
                if noun[0] == "-" and not noun[1:].lower().startswith(head.rstrip("s")):
                    return None   # "46-series cells", "3-row SUVs": a designation, not a count
                singular = head if head in ("deliveries", "people", "batteries", "cells") else head.rstrip("s")
                q.head = singular
                q.unit = _UNIT_OF_HEAD.get(singular, "units")
            if q.unit or suffix.group("cur"):
                q.end = suffix.end()
    if currency:
        q.unit = currency
    elif not q.unit and ((lo < 100 and not scale) or spelled):
        return None   # a bare small number: a day, an age, a page, a rank
    nxt = text[q.end:q.end + 2]
    if nxt[:1].isalnum() or (nxt[:1] in ".,:" and nxt[1:2].isdigit()):
        return None   # glued to letters or digits: "5G", "3rd", "10:30"
    counted = q.unit in ("", "units", "orders", "people", "stores")
    if plain and counted and raw < 1000 and _capitalised_before(text, start, sentence_start):
        return None   # a model number: "GTX 1660", "LC 500", "Wi-Fi 6 devices"
    if not q.unit:
        if _NOUN_AFTER.match(text, q.end) or (plain and _CAPITALISED_AFTER.match(text, q.end)):
            return None   # it counts some other thing: "100 cities", "787 Dreamliner"
    elif q.unit == "people" and lo < 10 and not scale:
        return None       # "two people familiar with the matter"
    elif q.unit == "x" and raw >= 100:
        return None       # "777x jets"
    q.before = before = _words_before(text, start, sentence_start)
    last = before[-1] if before else ""
    if last in _NOT_BEFORE_WORDS:
        return None       # "aged 55", "Page 2", "model 3"
    if raw <= 31 and not pre and last.rstrip(".,").capitalize() in _MONTHS:
        return None       # "March 28"
    if not q.qualifier:
        q.qualifier = _qualifier(before)
    trailing = _TRAILING_PLUS.match(text, q.end, limit)
    if trailing and not q.qualifier:
        q.qualifier = "over" if trailing.group("w") == "more" else "about"
    return q


def _ranged_from(text: str, start: int, sentence_start: int) -> bool:
    """"prices ranging from X to Y": a range, unlike "rose from X to Y"."""
    before = _words_before(text, start, sentence_start)
    return len(before) > 1 and before[-2] in _RANGE_VERBS


def _capitalised_before(text: str, start: int, sentence_start: int) -> bool:
    """A capitalised word, not the first of the sentence, right before ``start``."""
    j = start - 1
    if j <= sentence_start or text[j] != " ":
        return False
    k = j
    while k > sentence_start and not text[k - 1].isspace():
        k -= 1
    return k > sentence_start and text[k].isupper()


def _qualifier(before: tuple[str, ...]) -> str:
    if not before or before[-1] not in _QUALIFIER_ENDINGS:
        return ""
    for n in (3, 2, 1):
        if len(before) >= n:
            found = _QUALIFIERS.get(" ".join(before[-n:]))
            if found:
                return found
    return ""


def _yen_context(text: str, start: int, limit: int) -> bool:
    window = text[max(0, start - 200):limit]
    return "yen" in window or "Japan" in window or "Tokyo" in window


# =========================================================================== reading context


def _read_context(text: str, low: str, sentence: Sentence, years: list[tuple[int, int]]) -> _Context:
    """Cue words, clause boundaries, periods and set-apart text of one sentence."""
    s0, s1 = sentence.start, sentence.end
    ctx = _Context()
    hits: list[tuple[int, int, tuple[tuple[str, str], ...]]] = []
    # A slice: the automaton converts the whole string it is given, bounds or not.
    size = len(low)
    for last, (length, roles) in _CUES.iter(low[s0:s1]):
        start, end = s0 + last - length + 1, s0 + last + 1
        if start > 0 and low[start - 1].isalnum() and low[start].isalnum():
            continue   # inside a word
        if end < size and low[end].isalnum() and low[end - 1].isalnum():
            if not (low[end].isdigit() and roles[0][1] in _DIGIT_END_OK):
                continue
        hits.append((start, -end, roles))
    # The longest cue wins where cues overlap ("market share" over "share").
    hits.sort()
    kept_end = -1
    for start, neg_end, roles in hits:
        end = -neg_end
        if start < kept_end:
            continue
        kept_end = end
        for role, name in roles:
            if role == "m":
                if name in _CHECKED_METRIC_CUES:
                    _metric_cue(text, ctx, start, end, name, s0)
                else:
                    ctx.metric.append((start, end, name))
            elif role == "k":
                if name in _CHECKED_KIND_CUES:
                    _kind_cue(text, ctx, start, end, name, s0)
                else:
                    ctx.kind.append((start, end, name))
            elif role == "b":
                ctx.bounds.append(start)
            elif role == "a":
                if ctx.attribution < 0 and _ACCORDING_TAIL.match(text, end):
                    ctx.attribution = start
            else:
                _period_word(text, ctx, start, end, name, s0)
    i = bisect_left(years, (s0, 0))
    while i < len(years) and years[i][0] < s1:
        _period_year(text, ctx, *years[i], s0)
        i += 1
    if ctx.periods:
        ctx.periods = _tidy_periods(text, ctx.periods, s0)
    sentence_text = sentence.text
    if any(h in sentence_text for h in _NESTED_HINTS):
        ctx.nested = [(m.start(), m.end()) for m in _NESTED.finditer(text, s0, s1)]
    return ctx


# Cue words whose meaning depends on the words around them.
_CHECKED_METRIC_CUES = frozenset({"sell", "retail", "share", "market"})
_CHECKED_KIND_CUES = frozenset({"forecast", "forecast?"})


def _metric_cue(text: str, ctx: _Context, start: int, end: int, name: str, s0: int) -> None:
    if name in ("sell", "retail"):
        tail = _PRICE_TAIL.match(text, end)
        if tail:
            ctx.metric.append((start, tail.end(), "price"))
            return
        if name == "retail":
            return
    elif name == "share" and _SHARE_NOT.match(text, end):
        return
    elif name == "market":
        if not _MARKET_SHARE_BEFORE.search(text, max(s0, start - 40), start):
            return
        name = "share"
    ctx.metric.append((start, end, name))


def _kind_cue(text: str, ctx: _Context, start: int, end: int, name: str, s0: int) -> None:
    if name == "forecast" and text[start] == "M":
        return   # "May" is a month
    if name == "forecast?":
        if _NEUTRAL_BEFORE.search(text, max(s0, start - 8), start):
            return   # "higher than expected"
        if text[start:end].lower() == "expected" and not (
            _PASSIVE_BEFORE.search(text, max(s0, start - 30), start) or _TO_AFTER.match(text, end)
        ):
            return   # "the expected death rate"
        name = "forecast"
    if name == "forecast" and text[start:end].lower().startswith("analyst") and ctx.attribution < 0:
        said = _ANALYSTS_SAID.match(text, end)
        comma = text.rfind(",", s0, start)
        if said and comma >= 0 and len(text[comma:start].split()) <= 5:
            ctx.attribution = comma
    ctx.kind.append((start, end, name))


# --------------------------------------------------------------------------- periods


def _period_word(text: str, ctx: _Context, start: int, end: int, name: str, s0: int) -> None:
    window = max(s0, start - 30)
    if name in ("quarter", "half"):
        ordinal = _ORDINAL_BEFORE.search(text, window, start)
        if ordinal:
            n = _ORDINALS[ordinal.group("o").lower()]
            if name == "half" and n > 2:
                return
            year = _YEAR_AFTER.match(text, end)
            ctx.periods.append(_Period(ordinal.start(), year.end() if year else end, name, n,
                                       int(year.group("y")) if year else None))
            return
        relative = _RELATIVE_BEFORE.search(text, window, start)
        if relative:
            ctx.periods.append(_relative(relative, end, name))
    elif name == "year":
        first = _FIRST_YEAR_BEFORE.search(text, window, start)
        if first:
            ctx.periods.append(_Period(first.start(), end, "firstyear"))
            return
        end_of = _END_OF_YEAR_BEFORE.search(text, window, start)
        if end_of:
            ctx.periods.append(_Period(end_of.start(), end, "yearend"))
            return
        relative = _RELATIVE_BEFORE.search(text, window, start)
        if relative:
            ctx.periods.append(_relative(relative, end, name))
    elif name == "month":
        relative = _RELATIVE_BEFORE.search(text, window, start)
        if relative:
            ctx.periods.append(_relative(relative, end, name))
    elif name == "yearend":
        ctx.periods.append(_Period(start, end, "yearend"))
    elif name == "mon":
        if not text[start].isupper():
            return
        word = text[start:end]
        tail = _MONTH_TAIL.match(text, end)
        day_before = _DAY_BEFORE.search(text, max(s0, start - 4), start)
        has_day = bool(tail.group("d") or day_before)
        if word == "May" and not (has_day or tail.group("y")) and not _MAY_BEFORE.search(text, window, start):
            return   # "May" as a verb at the start of a sentence
        if word.lower() in _MONTH_ABBREVIATIONS and not (has_day or tail.group("y") or text[end:end + 1] == "."):
            return   # "Mar", "Oct" alone are too often something else
        ctx.periods.append(_Period(day_before.start() if day_before else start, tail.end(), "month",
                                   _MONTH_WORDS[word.lower()], int(tail.group("y")) if tail.group("y") else None))
    elif name[0] in "qh" and text[start].isupper():          # Q2 2025, H1 2025
        year = _SHORT_YEAR_AFTER.match(text, end)
        ctx.periods.append(_Period(start, year.end() if year else end,
                                   "quarter" if name[0] == "q" else "half", int(name[1]),
                                   2000 + int(year.group("y")) if year else None))
    elif name[:2] in ("nq", "nh"):                           # 2Q25, 1H24
        year = _ATTACHED_YEAR_AFTER.match(text, end)
        value = int(year.group("y")) if year else None
        ctx.periods.append(_Period(start, year.end() if year else end,
                                   "quarter" if name[1] == "q" else "half", int(name[2]),
                                   (value + 2000 if value < 100 else value) if value is not None else None))
    elif name == "fy" and text[start] == "F":                # FY24
        year = _ATTACHED_YEAR_AFTER.match(text, end)
        if year and len(year.group("y")) == 2:
            ctx.periods.append(_Period(start, year.end(), "year", year=2000 + int(year.group("y"))))


def _relative(m: re.Match[str], end: int, unit: str) -> _Period:
    word = " ".join(m.group("r").lower().split())
    step = {"this": 0, "the current": 0, "next": 1, "the same": 99}.get(word, -1)
    return _Period(m.start(), end, "rel-" + unit, step)


def _period_year(text: str, ctx: _Context, start: int, end: int, s0: int) -> None:
    if end < len(text) and (text[end].isdigit() or text[end] == "%" or (text[end] in ",." and text[end + 1:end + 2].isdigit())):
        return
    if start > 0 and text[start - 1] in "$€£¥₩,.":
        return
    year = int(text[start:end])
    after = _YEAR_QUARTER_AFTER.match(text, end)
    if after:                                                # 2025 Q2, 2025-H1
        kind = "quarter" if after.group("k") == "Q" else "half"
        if kind == "half" and after.group("n") not in "12":
            return
        ctx.periods.append(_Period(start, after.end(), kind, int(after.group("n")), year))
        return
    if _NOT_PERIOD_BEFORE.search(text, max(s0, start - 24), start):
        return
    fiscal = _FISCAL_BEFORE.search(text, max(s0, start - 20), start)
    ctx.periods.append(_Period(fiscal.start() if fiscal else start, end, "year", year=year))


def _tidy_periods(text: str, periods: list[_Period], s0: int) -> list[_Period]:
    """Drop periods inside longer ones ("2025" in "March 2025"), mark "by ..." and order them."""
    periods.sort(key=lambda p: (p.start, -p.end))
    kept: list[_Period] = []
    for p in periods:
        if (kept and p.start < kept[-1].end) or (p.kind.startswith("rel-") and p.n == 99):
            continue   # inside a longer period; "the same year"
        by = _BY_BEFORE.search(text, max(s0, p.start - 30), p.start)
        if by:
            p.by, p.start = True, by.start()
        elif p.kind == "yearend":
            continue   # "year-end" alone is no period of a figure
        kept.append(p)
    return kept


# --------------------------------------------------------------------------- describing


def _describe(
    text: str,
    sentence: Sentence,
    qs: list[_Quantity],
    ments: list[_Mention],
    last_subject: str,
    described: dict[str, str],
    pub: datetime | None,
    ctx: _Context,
) -> None:
    """Give each quantity its metric, owner, kind, period and qualifier, in place."""
    nested, bounds = ctx.nested, ctx.bounds

    def region(pos: int) -> tuple[int, int] | None:
        for a, b in nested:
            if a <= pos < b:
                return a, b
        return None

    def visible_when_nested(pos: int, q: _Quantity) -> bool:
        r = region(pos)
        return r is None or r[0] <= q.start < r[1]

    visible = visible_when_nested if nested else _everything_visible

    def clause(pos: int) -> int:
        return bisect_right(bounds, pos)

    def between(a: int, b: int, skip: _Quantity) -> bool:
        # A conversion in brackets is transparent: it restates the figure before it.
        for o in qs:
            if o.start >= a:
                if o.end > b:
                    return False
                if o is not skip and o.converts is None:
                    return True
        return False

    # Count-like numbers without a unit take one from a volume word nearby, or from the count
    # just before them ("200,000 orders in three minutes, and more than 240,000 within 18
    # hours"), or are dropped.
    kept: list[_Quantity] = []
    for q in qs:
        if not q.unit:
            group = _nearest(q, ctx.metric, _COUNT_INFERENCE, visible, clause, between, max_distance=60)
            prior = kept[-1] if kept else None
            if group is not None:
                q.unit = {"order": "orders", "employ": "people"}.get(group, "units")
            elif prior is not None and prior.unit in ("units", "orders", "stores", "people") and q.start - prior.end <= 100:
                q.unit, q.head = prior.unit, prior.head
            else:
                continue
        kept.append(q)
    qs[:] = kept
    if not qs:
        return
    for q in qs:
        if q.unit == "customers" and _nearest(q, ctx.metric, {"order": "orders"}, visible, clause, between, max_distance=60):
            q.unit = "orders"   # "240,000 customers had confirmed orders"

    # Conversions and linked pairs: "X (Y)", "from X to Y", "fell X% to Y", "Y, up X%".
    for a, b in zip(qs, qs[1:]):
        if a.unit != b.unit and _is_money(a) and _is_money(b) and _CONVERSION_GAP.fullmatch(text, a.end, b.start):
            b.converts = a.converts or a
            continue
        source = a.converts or a
        if (_TO_GAP.fullmatch(text, a.end, b.start) or _follows_change(b.before)
                or (a.before[-1:] == ("to",) and _FROM_GAP.fullmatch(text, a.end, b.start))):
            b.linked = source                    # "... to 350,000 units from 300,000" too

    # "Citi expects Xiaomi to ...", "Edmunds expects ...": someone else's expectation is a forecast.
    expect_forecast = {
        k[0] for k in ctx.kind
        if k[2] == "expect" and (_company_at(ments, k[1]) or _outsider_before(ments, k[0]))
    }
    for q in qs:
        if q.converts is None:
            q.metric = _metric(text, q, ctx, visible, clause, between)
            q.kind = _kind(text, q, ctx, expect_forecast, visible, clause)
    # "raised its delivery target from 300,000 to 350,000 vehicles, as orders ...": the two ends of
    # a move in one unit measure the same thing, whatever cue word happens to sit nearer the second.
    for q in qs:
        link = q.linked
        if link is not None and link.unit == q.unit and q.converts is None:
            q.metric, q.kind = link.metric, link.kind

    # A head count is a figure only when it is a workforce ("28 people quarantined" is not).
    qs[:] = [q for q in qs if q.unit != "people" or q.metric == "employees"]

    forecast_clauses = {clause(k[0]) for k in ctx.kind if k[2] == "forecast"}
    for mention in ments:
        if not mention.resolved and clause(mention.start) in forecast_clauses:
            mention.eligible = False
    for q in qs:
        if q.converts is None:
            q.company = _owner(text, sentence, q, ments, last_subject, described, visible, region, clause)

    _assign_periods(qs, ctx, pub, clause, between)
    for q in qs:
        src = q.converts
        if src is not None:
            q.metric, q.company, q.kind, q.period = src.metric, src.company, src.kind, src.period
            q.qualifier = q.qualifier or src.qualifier
        if q.metric == "growth" and q.growth_sign < 0:
            q.value = -q.value
            if q.high is not None:
                q.high = -q.high


def _everything_visible(pos: int, q: _Quantity) -> bool:
    """Whether text at ``pos`` can speak of ``q``: always, in a sentence with nothing set apart."""
    return True


def _assign_periods(qs: list[_Quantity], ctx: _Context, pub: datetime | None, clause, between) -> None:
    periods = ctx.periods
    if periods:
        sources = [q for q in qs if q.converts is None]
        claimed: dict[int, _Quantity] = {}
        for p in periods:
            for q in sources:
                if q.end <= p.start and p.start - q.end <= 24:
                    claimed[p.start] = q
        sentence_year = next((p.year for p in periods if p.kind == "year" and not p.by), None)
        for q in sources:
            best, best_score = None, 1e9
            for p in periods:
                if p.start < q.end and p.end > q.start:
                    continue
                if p.end <= q.start:
                    owner = claimed.get(p.start)
                    if owner is not None and owner is not q:
                        continue
                    gap, blocked = q.start - p.end, between(p.end, q.start, q)
                else:
                    gap, blocked = (p.start - q.end) * 0.6, between(q.end, p.start, q)
                if blocked:
                    continue
                score = gap + (25 if clause(p.start) != clause(q.start) else 0)
                if score < best_score:
                    best, best_score = p, score
            if best is not None:
                q.period = _resolve_period(best, pub, q.kind, sentence_year)
    for q in qs:
        other = q.linked
        if other is not None:
            if not q.period:
                q.period = other.period
            elif not other.period:
                other.period = q.period


def _follows_change(before: tuple[str, ...]) -> bool:
    """", up 35%", ", down by 5%": a change written after the figure it changes."""
    words = list(before[-3:])
    if words and words[-1] == "by":
        words.pop()
    return len(words) >= 2 and words[-1] in ("up", "down") and words[-2].endswith(",")


def _is_money(q: _Quantity) -> bool:
    return len(q.unit) == 3 and q.unit.isupper()


def _nearest(q, cues, table, visible, clause, between, max_distance=1e9):
    """The cue group nearest the quantity among those ``table`` knows, or None.

    Distance is in characters, plus 40 when another figure stands between and 25 when the cue
    is in another clause.
    """
    best, best_score = None, max_distance
    q_clause = clause(q.start)
    for cs, ce, group in cues:
        if group not in table:
            continue
        if ce <= q.start:
            gap = q.start - ce
        elif cs >= q.end:
            gap = cs - q.end
        else:
            gap = 0
        if gap >= best_score or not visible(cs, q):
            continue
        if clause(cs) != q_clause:
            gap += 25
        if gap and gap < best_score and (between(ce, q.start, q) if ce <= q.start else between(q.end, cs, q)):
            gap += 40
        if gap < best_score:
            best, best_score = group, gap
    return best


def _metric(text, q: _Quantity, ctx: _Context, visible, clause, between) -> str:
    unit = q.unit
    cues = ctx.metric
    if unit in ("percent", "percentage points", "x"):
        sign = _growth_sign(text, q)
        if unit == "x" or sign:
            q.growth_sign = sign
            if unit != "x" and any(
                g == "stock" and ce <= q.start and q.start - ce <= 40 and clause(cs) == clause(q.start)
                for cs, ce, g in cues
            ):
                return "valuation"
            return "growth"
        group = _nearest(q, cues, _PERCENT_METRICS, visible, clause, between, max_distance=80)
        return _PERCENT_METRICS[group] if group else "other"
    if unit == "orders":
        return "orders"
    if unit == "GWh":
        return "capacity"
    if unit == "people":
        if q.head in _METRIC_OF_HEAD:
            return _METRIC_OF_HEAD[q.head]
        group = _nearest(q, cues, {"employ": "employees"}, visible, clause, between, max_distance=80)
        return "employees" if group else "other"
    if _is_money(q):
        group = _nearest(q, cues, _MONEY_METRICS, visible, clause, between)
        return _MONEY_METRICS[group] if group else "other"
    if q.head in _METRIC_OF_HEAD:
        return _METRIC_OF_HEAD[q.head]
    if unit in ("stores", "rides", "customers"):
        return "other"
    group = _nearest(q, cues, _COUNT_METRICS, visible, clause, between)
    return _COUNT_METRICS[group] if group else "other"


def _growth_sign(text: str, q: _Quantity) -> int:
    words = list(q.before)
    while words and words[-1] in ("about", "around", "roughly", "nearly", "almost", "some", "just",
                                  "over", "than", "more", "less"):
        words.pop()
    if words and words[-1] == "by":
        words.pop()
    if words:
        verb = words[-1].rstrip(",")
        if verb in _GROWTH_UP and words[-1] == verb:
            return 1
        if verb in _GROWTH_DOWN and words[-1] == verb:
            return -1
    after = _GROWTH_AFTER.match(text, q.end)
    if after:
        return -1 if after.group("down") else 1
    return 0


def _kind(text, q: _Quantity, ctx: _Context, expect_forecast, visible, clause) -> str:
    cl = clause(q.start)
    forecast = target = False
    for cs, ce, group in ctx.kind:
        if cs >= q.start:
            break
        if clause(cs) != cl or not visible(cs, q):
            continue
        if group == "forecast" or (group == "expect" and cs in expect_forecast):
            forecast = True
        elif group in ("target", "expect"):
            target = True
        elif group == "actual":
            target = False
    if forecast:
        return "forecast"
    after = _KIND_AFTER.match(text, q.end)
    if after and after.end() - q.end <= 30:
        return "target" if after.group("target") else "forecast"
    if ctx.attribution >= q.end:
        return "forecast"
    return "target" if target else "actual"


def _company_at(ments: list[_Mention], pos: int) -> bool:
    return any(pos <= m.start <= pos + 5 for m in ments)


def _outsider_before(ments: list[_Mention], pos: int) -> bool:
    return any(not m.resolved and pos - 2 <= m.end <= pos for m in ments)


# =========================================================================== owners


def _mentions_by_sentence(
    text: str,
    order: list[Sentence],
    starts: list[int],
    companies: Sequence[CompanyMention],
    products: Mapping[str, str] | None,
) -> dict[int, list[_Mention]]:
    found: dict[int, list[_Mention]] = {}

    def add(start: int, end: int, company: str, resolved: bool) -> None:
        i = bisect_right(starts, start) - 1
        if i < 0 or start >= order[i].end:
            return
        possessive = text[end - 1:end] in ("'", "’") or text[end - 2:end] in ("'s", "’s") or text[end:end + 1] in ("'", "’")
        found.setdefault(i, []).append(_Mention(start, end, company, resolved, possessive))

    for c in companies:
        add(c.char_start, c.char_end, c.company, c.resolved)
    names = products if products is not None else PRODUCTS
    pattern = _product_pattern(tuple(sorted(names)))
    if pattern is not None:
        for m in pattern.finditer(text):
            if m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] == "-"):
                add(m.start(), m.end(), names[m.group(0)], True)
    for ments in found.values():
        ments.sort(key=lambda x: x.start)
    return found


def _settle_all(text: str, ments: list[_Mention]) -> None:
    for k in range(len(ments)):
        _settle(text, ments, k)


def _settle(text: str, ments: list[_Mention], k: int) -> None:
    """Read the flags of a sentence's k-th mention, once; the ones before it must be settled."""
    m = ments[k]
    if m.settled:
        return
    m.settled = True
    start = m.start
    window = text[max(0, start - 40):start]
    words = window.split()[-4:] if window[-1:].isspace() else []
    prior = ments[k - 1] if k else None
    # "than Tesla's Model Y": the product is compared too.
    m.compared = _compared(words) or (prior is not None and prior.compared and 0 <= start - prior.end <= 3)
    m.counterparty = not m.possessive and _counterparty(words)
    if not m.resolved:
        m.eligible = not _is_source(text, start, m.end)


@lru_cache(maxsize=16)
def _product_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    # Literal alternatives first, so that ``re`` can skip ahead by their first letters.
    if not names:
        return None
    ordered = sorted(names, key=len, reverse=True)
    return re.compile("(?:" + "|".join(map(re.escape, ordered)) + r")(?=s?\b)")


def _is_source(text: str, start: int, end: int) -> bool:
    """An organisation that only reports or forecasts a number ("according to Canalys")."""
    if _SOURCE_BEFORE.search(text, max(0, start - 30), start):
        return True
    if _SOURCE_AFTER.match(text, end):
        return True
    return bool(_TRAILING_SAYS_BEFORE.search(text, max(0, start - 8), start) and _TRAILING_SAYS_AFTER.match(text, end))


def _subject(text: str, sentence: Sentence, ments: list[_Mention]) -> str:
    """The company a sentence is about: its first company that can own figures, if it stands
    near the start of the sentence ("That is below the cheapest Tesla" is not about Tesla)."""
    for k, m in enumerate(ments):
        _settle(text, ments, k)
        if m.eligible and not m.compared and not m.counterparty:
            if _SUBJECT_LEAD.fullmatch(text, sentence.start, m.start):
                if m.possessive:
                    _settle_all(text, ments)
                return _apposition(text, m, ments).company
            return ""
    return ""


def _descriptions(text: str, ments: list[_Mention], described: dict[str, str]) -> None:
    """Remember what the sentence calls its companies ("StarPlus Energy, their joint venture")."""
    for m in ments:
        found = _DESCRIBED_AFTER.match(text, m.end)
        if found:
            described[found.group("noun").lower()] = m.company


def _apposition(text: str, m: _Mention, candidates: list[_Mention]) -> _Mention:
    """"Xiaomi's rival Tesla", "Samsung's battery unit Samsung SDI": the second one."""
    if not m.possessive:
        return m
    for other in candidates:
        if other.start >= m.end and other.eligible and other.start - m.end <= 40:
            if _APPOSITION_GAP.fullmatch(text, m.end, other.start):
                return other
            break
    return m


def _owner(text, sentence, q: _Quantity, ments, last_subject, described, visible, region, clause) -> str:
    if visible is _everything_visible:
        candidates = [m for m in ments if m.eligible]
    else:
        candidates = [m for m in ments if m.eligible and visible(m.start, q)]
    before = [m for m in candidates if m.end <= q.start]
    if before:
        m = before[-1]
        if (m.possessive and _POSSESSIVE_GAP.fullmatch(text, m.end, q.start)) or _ADJACENT_GAP.fullmatch(
            text, m.end, q.start
        ):
            return m.company
    counterparties = [m for m in candidates if m.counterparty and not m.compared]
    candidates = [m for m in candidates if not m.compared and not m.counterparty]
    before = [m for m in before if not m.compared and not m.counterparty]
    r = region(q.start)
    if r is not None:
        inside = [m for m in before if r[0] <= m.start < r[1]]
        if inside:
            return _apposition(text, inside[0], candidates).company
        outside = [m for m in before if m.start < r[0]]
        if outside:
            return outside[-1].company
    cl = clause(q.start)
    in_clause = [m for m in candidates if clause(m.start) == cl]
    first = next((m for m in in_clause if m.end <= q.start), None)
    if first is not None:
        return _apposition(text, first, in_clause).company
    after = next((m for m in in_clause if m.start >= q.end and _owns_from_after(text, m)), None)
    if after is not None:
        return after.company
    if before:
        return before[-1].company
    later = [m for m in candidates if m.start >= q.end and _owns_from_after(text, m)]
    if later:
        return later[0].company
    anaphor = _ANAPHOR.search(text, sentence.start, sentence.end)
    if anaphor is not None:
        head = _ANAPHOR_HEAD.search(anaphor.group(0))
        noun = head.group("noun").lower() if head else ""
        if noun in described:
            return described[noun]
        if last_subject:
            return last_subject
    return counterparties[0].company if counterparties else ""


def _compared(words: list[str]) -> bool:
    """"than Tesla", "below the cheapest Tesla": a comparison word, then at most three
    lower-case words ("the", adjectives), right before the mention."""
    if _COMPARISON_TRIGGERS.isdisjoint([w.lower() for w in words[-4:]]):
        return False
    for k in range(1, min(4, len(words)) + 1):
        word = words[-k].lower()
        if word in _COMPARISON_WORDS:
            return True
        if k < len(words) and (words[-k - 1].lower(), word) in _COMPARISON_PAIRS:
            return True
        if not words[-k].islower():
            return False
    return False


def _counterparty(words: list[str]) -> bool:
    """"from Tesla", "to the US carmaker"."""
    if words and words[-1].lower() == "the":
        words = words[:-1]
    return bool(words) and words[-1].lower() in _COUNTERPARTY_WORDS


def _owns_from_after(text: str, m: _Mention) -> bool:
    return bool(_OWNER_AFTER_AFTER.match(text, m.end) or _OWNER_AFTER_BEFORE.search(text, max(0, m.start - 12), m.start))


# =========================================================================== period values


def _resolve_period(p: _Period, pub: datetime | None, kind: str, sentence_year: int | None) -> str:
    value = _period_value(p, pub, kind, sentence_year)
    if value and p.by:
        return f"by {value}"
    return value


def _period_value(p: _Period, pub: datetime | None, kind: str, sentence_year: int | None) -> str:
    if p.kind == "firstyear":
        return "first year"
    if p.kind == "year":
        return str(p.year)
    if p.kind == "yearend":
        year = pub.year if pub else sentence_year
        return str(year) if year else ""
    if p.kind.startswith("rel-"):
        if pub is None:
            return ""
        unit = p.kind[4:]
        if unit == "year":
            return str(pub.year + p.n)
        if unit == "month":
            index = pub.year * 12 + pub.month - 1 + p.n
            return f"{index // 12}-{index % 12 + 1:02d}"
        per_year = 4 if unit == "quarter" else 2
        index = pub.year * per_year + (pub.month - 1) // (12 // per_year) + p.n
        return f"{index // per_year}-{'Q' if unit == 'quarter' else 'H'}{index % per_year + 1}"
    first_month = {"quarter": 3 * p.n - 2, "half": 6 * p.n - 5, "month": p.n}[p.kind]
    year = p.year or sentence_year
    if year is None and pub is not None:
        # An actual figure reports a period that has begun by publication; a plan may lie ahead.
        year = pub.year - 1 if kind == "actual" and first_month > pub.month else pub.year
    if year is None:
        return ""
    if p.kind == "month":
        return f"{year}-{p.n:02d}"
    return f"{year}-{'Q' if p.kind == 'quarter' else 'H'}{p.n}"


# =========================================================================== records


def _figure(article: ArticleText, sentence: Sentence, q: _Quantity) -> Figure:
    return Figure(
        article_id=article.article_id,
        company=q.company,
        metric=q.metric or "other",
        value=q.value,
        unit=q.unit,
        period=q.period,
        kind=q.kind,
        qualifier=q.qualifier,
        surface=article.text[q.start:q.end],
        sentence_index=sentence.index,
        sentence=sentence.text,
        char_start=q.start,
        char_end=q.end,
        value_high=q.high,
    )
