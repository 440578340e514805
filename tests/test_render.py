"""Rendering alerts and digests: what each development says, in what order, and that nothing a
feed supplies can become markup, a link or a chat mention in any format. Developments are built
by hand; the Markdown is run through real renderers (CommonMark via markdown-it, Python-Markdown
as Apprise uses it) to prove it stays inert.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import markdown
import pytest
from markdown_it import MarkdownIt

from evwatch.alerts.render import (
    RenderedMessage, clean, format_quantity, md_escape, render_alert, render_notice, safe_url, with_footer,
)
from evwatch.developments.model import Change, Development, FieldChange, SourceRef

T0 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
WATCH = "samsung-xiaomi-ev"
REASONS = ("partnership between watched sides", "stage agreed", "3 independent sources", "core relevance")
HOSTILE = 'Samsung <script>alert(1)</script> [click](javascript:alert(1)) @channel <!here> <@U123> @everyone'
MENTIONS = ("@channel", "@here", "@everyone", "<!here>", "<!channel>", "<@U123>")


def source(n: int, outlet: str = "Reuters", *, title: str = "Samsung and Xiaomi", day: int = 1,
           url: str | None = "https://www.reuters.com/tech/samsung-xiaomi?id=1&x=2") -> SourceRef:
    return SourceRef(article_id=f"art{n}", role="first report", published_at=T0 + timedelta(days=day - 1),
                     source=outlet, url=url, title=title, evidence=f"evidence {n}")


def development(n: int, summary: str, **fields) -> Development:
    values = dict(
        development_id=f"dev{n}", watch=WATCH, kind="partnership", key=f"partnership|{n}", summary=summary,
        subject="Samsung", object="Xiaomi", relation="supply", topic="batteries", stage="agreed", metric=None,
        value=None, unit=None, period=None, figure_kind=None, status="new", conflict=None, score=0.82,
        reasons=REASONS, alert_class="now",
        evidence="Samsung SDI has agreed to supply battery cells for Xiaomi's next electric SUV.",
        first_seen_at=T0, last_seen_at=T0, updated_at=None, first_article_id="art1", source_count=3,
        sources=[source(1), source(2, "Yonhap", day=2)],
    )
    values.update(fields)
    return Development(**values)


def change(dev: Development, kind: str, *fields: FieldChange, trigger: SourceRef | None = None,
           at: datetime = T0) -> Change:
    return Change(development=dev, change=kind, fields=fields or (FieldChange("created", None, None),),
                  trigger=trigger or source(9, "Bloomberg", day=3), at=at)


def stage_change() -> Change:
    dev = development(1, "Samsung SDI to supply batteries to Xiaomi", status="updated")
    return change(dev, "updated", FieldChange("stage", "speculated", "agreed"))


def figure_change() -> Change:
    dev = development(2, "Xiaomi targets 400,000 EV deliveries in 2025", kind="figure", subject="Xiaomi",
                      object=None, relation=None, stage=None, metric="deliveries", value=400000.0,
                      unit="units", period="2025", figure_kind="target", status="updated", score=0.64,
                      alert_class="digest", reasons=("figure of a watched company", "target revised"))
    return change(dev, "updated", FieldChange("value", "350000", "400000"))


def conflict_change() -> Change:
    dev = development(3, "Xiaomi SU7 deliveries in Q1 2025", kind="figure", subject="Xiaomi", object=None,
                      relation=None, stage=None, metric="deliveries", value=136854.0, unit="units",
                      period="2025-Q1", figure_kind="actual", status="conflict",
                      conflict="130,000 units (9to5Mac) vs 136,854 units (AutoDaily)",
                      conflict_claims=("130000", "136854"), score=0.55, alert_class="now",
                      reasons=("reports disagree",))
    return change(dev, "conflict", FieldChange("status", "new", "conflict"))


def new_change(n: int = 4, score: float = 0.9, **fields) -> Change:
    dev = development(n, f"Samsung Display to supply OLED panels to Xiaomi EV #{n}", score=score, **fields)
    return change(dev, "new")


def all_formats(message: RenderedMessage) -> dict[str, str]:
    return {"text": message.text, "markdown": message.markdown, "html": message.html}


class TagBalance(HTMLParser):
    VOID = {"meta", "br", "img", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.scripts = 0
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts += 1
        self.hrefs += [v for k, v in attrs if k == "href"]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def parse_html(html: str) -> TagBalance:
    parser = TagBalance()
    parser.feed(html)
    parser.close()
    return parser


# --------------------------------------------------------------------------- content

def test_each_development_says_what_changed_with_evidence_sources_and_score():
    message = render_alert(WATCH, [stage_change(), figure_change(), conflict_change()])
    text = message.text
    assert "[UPDATED] Samsung SDI to supply batteries to Xiaomi" in text
    assert "What changed: stage: speculated → agreed" in text
    assert "What changed: 2025 target: 350,000 → 400,000 units" in text
    assert "What changed: conflict: 130,000 vs 136,854 units" in text
    assert "[CONFLICT] Xiaomi SU7 deliveries in Q1 2025" in text
    assert 'Evidence: "Samsung SDI has agreed to supply battery cells for Xiaomi\'s next electric SUV."' in text
    assert ("score 0.82: partnership between watched sides; stage agreed; 3 independent sources; "
            "core relevance") in text
    assert "- Reuters, 2025-05-01: Samsung and Xiaomi <https://www.reuters.com/tech/samsung-xiaomi?id=1&x=2>" in text
    assert "- Bloomberg, 2025-05-03: Samsung and Xiaomi" in text      # the report that triggered it
    assert message.title == f"evwatch · {WATCH}: 2 updated, 1 conflicting developments"
    assert message.summary == "Samsung SDI to supply batteries to Xiaomi (+2 more)"
    assert (message.shown, message.omitted) == (3, 0)
    html = message.html
    assert '<strong class="label">UPDATED</strong>' in html
    assert '<a href="https://www.reuters.com/tech/samsung-xiaomi?id=1&amp;x=2">Reuters, 2025-05-01</a>' in html
    assert "[Reuters, 2025-05-01: Samsung and Xiaomi](https://www.reuters.com/tech/samsung-xiaomi?id=1&x=2)" \
        in message.markdown


def test_new_is_marked_new_and_the_order_is_now_first_then_score():
    changes = [figure_change(), new_change(4, score=0.5), stage_change(), new_change(5, score=0.95)]
    text = render_alert(WATCH, changes).text
    headings = re.findall(r"^\[(\w+)\] (.+)$", text, flags=re.M)
    assert [summary for _, summary in headings] == [
        "Samsung Display to supply OLED panels to Xiaomi EV #5",   # now, 0.95
        "Samsung SDI to supply batteries to Xiaomi",               # now, 0.82
        "Samsung Display to supply OLED panels to Xiaomi EV #4",   # now, 0.50
        "Xiaomi targets 400,000 EV deliveries in 2025",            # digest class after every 'now'
    ]
    assert [label for label, _ in headings] == ["NEW", "UPDATED", "NEW", "UPDATED"]
    assert text.index("== Important ==") < text.index("== Also new ==")


def test_two_changes_of_one_development_in_a_run_make_one_entry():
    first = new_change(7)
    later = change(replace(first.development, stage="operational", status="updated"), "updated",
                   FieldChange("stage", "agreed", "operational"), at=T0 + timedelta(hours=2))
    message = render_alert(WATCH, [later, first])
    assert message.text.count("[NEW] Samsung Display to supply OLED panels to Xiaomi EV #7") == 1
    assert "What changed: stage: agreed → operational" in message.text
    assert message.shown == 1


def test_an_update_lists_the_report_that_made_it_first_then_the_first_report_then_the_newest():
    older = [replace(source(n, f"Outlet {n}", title=f"report {n}", day=n), role="corroboration")
             for n in range(1, 16)]
    trigger = replace(source(99, "Bloomberg", title="the revision", day=20), role="update")
    dev = development(12, "Samsung SDI to supply batteries to Xiaomi", status="updated",
                      sources=[*older, trigger])
    text = render_alert(WATCH, [change(dev, "updated", FieldChange("stage", "in_talks", "agreed"),
                                       trigger=trigger)]).text
    listed = re.findall(r"^    - (.+?), 2025", text, flags=re.M)
    assert listed == ["Bloomberg", "Outlet 1", "Outlet 15", "Outlet 14", "Outlet 13"]
    assert "… and 11 more sources" in text


def test_a_stage_that_moves_and_moves_back_within_one_message_shows_only_the_net_change():
    created = new_change(13)
    forth = change(replace(created.development, stage="agreed"), "updated",
                   FieldChange("stage", "speculated", "agreed"), at=T0 + timedelta(hours=1))
    back = change(replace(created.development, stage="speculated"), "updated",
                  FieldChange("stage", "agreed", "speculated"), at=T0 + timedelta(hours=2))
    text = render_alert(WATCH, [created, forth, back]).text
    assert "[NEW]" in text and "What changed" not in text
    on = change(replace(created.development, stage="operational"), "updated",
                FieldChange("stage", "agreed", "operational"), at=T0 + timedelta(hours=3))
    text = render_alert(WATCH, [forth, back, on]).text
    assert re.findall(r"What changed: .+", text) == ["What changed: stage: speculated → operational"]


def test_a_conflict_is_described_from_its_claims_not_from_numbers_in_outlet_names():
    dev = replace(conflict_change().development, conflict="135,000 units (9to5Mac) vs 136,854 units (TechAsia 24)",
                  conflict_claims=("135000", "136854"))
    text = render_alert(WATCH, [change(dev, "conflict", FieldChange("status", "new", "conflict"))]).text
    assert "What changed: conflict: 135,000 vs 136,854 units" in text
    stages = development(14, "Samsung SDI and Xiaomi battery talks", status="conflict",
                         conflict="in talks (Korea Business Times) vs speculated (36Kr)",
                         conflict_claims=("in_talks", "speculated"))
    text = render_alert(WATCH, [change(stages, "conflict", FieldChange("status", "updated", "conflict"))]).text
    assert "What changed: conflict: in talks vs speculated" in text


def test_rendering_is_deterministic_and_the_stamp_follows_the_changes():
    changes = [stage_change(), figure_change()]
    assert render_alert(WATCH, changes) == render_alert(WATCH, list(reversed(changes)))
    other = [stage_change(), change(figure_change().development, "updated", FieldChange("value", "350000", "410000"))]
    assert render_alert(WATCH, other).stamp != render_alert(WATCH, changes).stamp
    assert render_alert(WATCH, changes, kind="digest", period=(T0, T0 + timedelta(days=1))).stamp \
        != render_alert(WATCH, changes).stamp


def test_digest_has_a_period_header_and_lists_context_items():
    context = new_change(8, score=0.3, alert_class="none")
    message = render_alert(WATCH, [figure_change(), context, stage_change()], kind="digest",
                           period=(T0, T0 + timedelta(days=1)))
    assert message.title.startswith(f"evwatch digest · {WATCH} · 2025-05-01: ")
    assert "Period: 2025-05-01 09:00 – 2025-05-02 09:00 UTC" in message.text
    assert "*Period: 2025-05-01 09:00 – 2025-05-02 09:00 UTC*" in message.markdown
    text = message.text
    assert text.index("== Important ==") < text.index("== Also new ==") < text.index("== Context ==")
    assert text.index("== Context ==") < text.index("OLED panels to Xiaomi EV #8")


def test_numbers_and_money_read_naturally():
    assert format_quantity(4.5e9, "USD") == "US$4.5 billion"
    assert format_quantity(1_250_000_000_000, "KRW") == "₩1.25 trillion"
    assert format_quantity(2.3e8, "CNY") == "CN¥230 million"
    assert format_quantity(350000, "units") == "350,000 units"
    assert format_quantity(136854.0, "vehicles") == "136,854 vehicles"
    assert format_quantity(12.5, "percent") == "12.5%"
    assert format_quantity(7.25, "GWh") == "7.25 GWh"
    assert format_quantity(5e6, "SEK") == "SEK 5 million"
    dev = development(11, "Samsung to invest", kind="figure", metric="investment", unit="USD", value=5e9,
                      period="", figure_kind="actual")
    text = render_alert(WATCH, [change(dev, "updated", FieldChange("value", "4.5e9", "5e9"))]).text
    assert "What changed: investment: US$4.5 billion → US$5 billion" in text


# --------------------------------------------------------------------------- hostile feed text

def hostile_changes() -> list[Change]:
    dev = development(20, HOSTILE, evidence=f"{HOSTILE} said\x00 a\x1b[31m source\u202e.",
                      sources=[source(21, title=HOSTILE), source(22, "Evil <b>Outlet</b>", url="javascript:alert(1)"),
                               source(23, "@here news", url="https://user:pw@example.org/a b(c)<d>@channel")])
    return [change(dev, "new", trigger=source(24, "Wire", title="<img src=x onerror=alert(1)>"))]


def test_feed_text_cannot_become_html():
    html = render_alert(WATCH, hostile_changes()).html
    parsed = parse_html(html)
    assert parsed.scripts == 0 and parsed.errors == [] and parsed.stack == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert all(href.startswith("https://") for href in parsed.hrefs)
    assert "javascript:alert(1)" not in parsed.hrefs
    assert "https://example.org/a%20b%28c%29%3Cd%3E%40channel" in parsed.hrefs    # no user info, encoded


@pytest.mark.parametrize("renderer", ["commonmark", "python-markdown"])
def test_feed_text_cannot_become_markdown_links_or_html(renderer: str):
    md = render_alert(WATCH, hostile_changes()).markdown
    if renderer == "commonmark":
        html = MarkdownIt("commonmark").render(md)            # raw HTML allowed, as chat renderers may
    else:
        html = markdown.markdown(md)                          # what Apprise uses for Markdown → HTML
    parsed = parse_html(html)
    assert parsed.scripts == 0
    assert "<img" not in html
    assert [h for h in parsed.hrefs if not h.startswith("https://")] == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html    # shown as text
    assert "[click](javascript:alert(1))" in html              # the would-be link shown as text


def test_apprise_conversions_between_formats_keep_feed_text_inert():
    """A channel may get a format its service converts (HTML e-mail to text, Markdown to HTML)."""
    from apprise import NotifyFormat
    from apprise.conversion import convert_between

    message = render_alert(WATCH, hostile_changes())
    bodies = {NotifyFormat.TEXT: message.text, NotifyFormat.MARKDOWN: message.markdown,
              NotifyFormat.HTML: message.html}
    for source_format, body in bodies.items():
        for target in (NotifyFormat.TEXT, NotifyFormat.MARKDOWN, NotifyFormat.HTML):
            converted = convert_between(source_format, target, body)
            for mention in MENTIONS:
                assert mention not in converted, (source_format, target, mention)
            if target == NotifyFormat.HTML:
                parsed = parse_html(converted)
                assert parsed.scripts == 0 and "<img" not in converted, source_format
                assert all(h.startswith("https://") for h in parsed.hrefs), (source_format, parsed.hrefs)


def test_chat_mentions_are_inert_in_every_format():
    message = render_alert(WATCH, hostile_changes())
    for name, body in all_formats(message).items():
        for mention in MENTIONS:
            assert mention not in body, (name, mention)
        assert "@\u200bchannel" in body, name
    assert "‹!here" in message.text and "‹@\u200bU123>" in message.text
    assert "@" not in message.summary.replace("@\u200b", "")


def test_control_and_bidi_characters_are_stripped():
    message = render_alert(WATCH, hostile_changes())
    for name, body in all_formats(message).items():
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e]", body), name
    assert "said a[31m source." in message.text


def test_helpers_escape_markdown_and_reject_unsafe_urls():
    assert md_escape("[x](javascript:y) *b* <i>") == r"\[x\]\(javascript:y\) \*b\* &lt;i&gt;"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,<script>") is None
    assert safe_url("HTTPS://Example.org/x y") == "https://example.org/x%20y"
    assert clean("a\n\tb\u200b  c\x07") == "a b c"
    assert clean("x" * 500, 10) == "xxxxxxxxx…"


# --------------------------------------------------------------------------- size

def test_a_long_list_is_cut_between_entries_with_a_count_of_the_rest():
    changes = [new_change(100 + n, score=1 - n / 100) for n in range(60)]
    message = render_alert(WATCH, changes, max_chars=6000)
    assert 0 < message.shown < 60 and message.shown + message.omitted == 60
    for name, body in all_formats(message).items():
        assert len(body) <= 6000 - 100, name
    assert f"… and {message.omitted} more developments (see `evwatch developments`)" in message.text
    assert f"… and {message.omitted} more developments (see `evwatch developments`)" in message.markdown
    assert f"… and {message.omitted} more developments (see <code>evwatch developments</code>)" in message.html
    parsed = parse_html(message.html)
    assert parsed.errors == [] and parsed.stack == []
    # the most important entries are the ones kept
    assert "Xiaomi EV #100" in message.text and "Xiaomi EV #159" not in message.text
    assert message.title.endswith("60 new developments")


def test_a_small_budget_counts_only_the_channels_format_and_keeps_whole_entries():
    changes = [new_change(200 + n, score=1 - n / 100) for n in range(12)]
    message = render_alert(WATCH, changes, max_chars=2000, formats=("markdown",))       # Discord
    assert 0 < message.shown < 12
    assert len(message.markdown) <= 2000 - 100 < len(message.html)
    assert f"… and {message.omitted} more developments" in message.markdown
    assert message.markdown.count("**NEW**") == message.shown
    assert render_alert(WATCH, changes, max_chars=2000).stamp == message.stamp      # same message, smaller


def test_when_not_even_one_entry_fits_it_is_shown_compactly_with_its_trigger():
    dev = development(15, "Samsung SDI to supply batteries to Xiaomi", evidence="long evidence " * 40,
                      sources=[source(n, f"Outlet {n}", day=n) for n in range(1, 9)])
    message = render_alert(WATCH, [change(dev, "new")], max_chars=1000, formats=("markdown",))   # Teams
    assert (message.shown, message.omitted) == (1, 0)
    assert len(message.markdown) <= 900
    assert "Bloomberg" in message.markdown and "Outlet 2" not in message.markdown
    assert "more sources" in message.markdown
    parsed = parse_html(MarkdownIt("commonmark").render(message.markdown))
    assert parsed.errors == [] and parsed.stack == []


def test_an_evidence_sentence_of_a_megabyte_is_shortened():
    dev = development(30, "Long", evidence="word " * 200_000)
    message = render_alert(WATCH, [change(dev, "new")], max_chars=5000)
    assert message.shown == 1 and len(message.html) < 5000


# --------------------------------------------------------------------------- notices and footer

def test_operator_notices_for_failing_and_recovered_channels():
    failing = render_notice("team-slack", True, "HTTP Error 500 <!channel>", T0, failures=3)
    assert failing.title == "evwatch: alert channel 'team-slack' is failing"
    assert 'The alert channel "team-slack" has failed 3 times in a row (since 2025-05-01 09:00 UTC).' in failing.text
    assert "Last error: HTTP Error 500 ‹!channel>" in failing.text
    assert "<!channel>" not in failing.markdown and "<!channel>" not in failing.html
    recovered = render_notice("team-slack", False, None, T0)
    assert recovered.title == "evwatch: alert channel 'team-slack' has recovered"
    assert "delivers again (it had been failing since 2025-05-01 09:00 UTC)" in recovered.text
    assert failing.stamp != recovered.stamp


def test_footer_carries_the_alert_id_in_each_format():
    message = render_alert(WATCH, [stage_change()])
    assert with_footer(message.text, "text", "abc123").endswith("\n\nref: abc123\n")
    assert with_footer(message.markdown, "markdown", "abc123").endswith("\n\nref: abc123\n")
    html = with_footer(message.html, "html", "abc123")
    assert html.index("ref: abc123") < html.index("</body>")
