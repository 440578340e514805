"""Benchmarks: ingestion speed and memory against a bare floor, extraction quality and speed.

Figures are printed, never asserted: they depend on the machine. Each measurement runs in its
own subprocess so that its peak memory is its own.

    evwatch bench                  # 10,000 entries with linked pages served on 127.0.0.1
    evwatch bench --entries 500    # a quicker run
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from evwatch.paths import project_root

ARTICLE_BENCHMARK = Path("benchmarks") / "article-extraction"
# Business-news prose for the generated pages, written for the bench: cased names, figures,
# people and deals in the proportions of real EV-industry coverage, so that extraction works as
# hard here as on real articles (a word salad would leave most rules idle).
_SUPPLIERS = ("Samsung SDI", "Samsung Display", "Samsung Electro-Mechanics", "Harman", "LG Energy Solution",
              "CATL", "BYD", "Panasonic", "Bosch", "Qualcomm", "Nvidia", "Continental", "LG Display", "SK On")
_CARMAKERS = ("Xiaomi", "Tesla", "BMW", "Hyundai", "Toyota", "Volkswagen", "Nio", "Xpeng", "Li Auto",
              "General Motors", "Ford", "Stellantis", "Honda", "Geely")
_PRODUCTS = ("battery cells", "OLED panels", "camera modules", "infotainment systems", "memory chips",
             "driver-assistance chips", "power modules", "head-up displays", "cathode materials")
_PEOPLE = (("Lei Jun", "chief executive", "Xiaomi"), ("Lee Jae-yong", "chairman", "Samsung Electronics"),
           ("Lu Weibing", "president", "Xiaomi"), ("Elon Musk", "chief executive", "Tesla"),
           ("Choi Yoon-ho", "chief executive", "Samsung SDI"))
_TEMPLATES = (
    "{s} could supply {p} to {c} from next year, according to people familiar with the matter.",
    "{c} has signed an agreement with {s} for {p}, the companies said on {day}.",
    "{s} already supplies {p} to {c} for its {model} models.",
    "{c} delivered {n:,} vehicles in {month}, up {pct}% from a year earlier.",
    "{c} aims to deliver {big:,} cars in {year}, {person_role} {person} told analysts.",
    "{s} reported operating profit of {money} billion won for the {q} quarter.",
    "Analysts at {bank} expect {c} to sell about {big:,} units in {year}.",
    "{c} is in talks with {s} about {p} for its next sedan, two people said.",
    "{s} denied a report that it had agreed to supply {p} to {c}.",
    "Revenue at {c}'s car unit rose to {money} billion yuan in the {q} quarter.",
    "{s} plans to invest ${inv} billion in a new plant in {place} by {year2}.",
    "{c} said its order backlog stood at more than {n:,} vehicles at the end of {month}.",
    "{person}, {person_role} of {person_company}, visited the {place} factory on {day}.",
    "Shares of {s} rose {pct}% in {city} trading after the report.",
    "The {model} starts at {price:,} yuan, undercutting rivals from {c} and {c2}.",
    "{c} and {c2} compete for buyers in China's crowded electric SUV market.",
    "Industry data showed battery prices fell {pct}% in {month} as new capacity came online.",
    "The company expects margins to improve in the second half, {person} said.",
)
# Sentences with no company, person or figure: background, colour and quotes, about half of a
# real article's sentences.
_PLAIN = (
    "Competition in the market has intensified as price cuts spread across the industry.",
    "Buyers have become more cautious, dealers said, waiting for the next round of discounts.",
    "The government has extended tax breaks for new-energy vehicles until the end of next year.",
    "Charging networks are expanding quickly in large cities but remain sparse in the countryside.",
    "\"We are confident in our technology roadmap,\" an executive said at a briefing.",
    "Investors will be watching for more details on pricing and launch dates.",
    "Some analysts warned that the pace of growth could slow as subsidies are phased out.",
    "The plant runs two shifts and plans to add a third once demand picks up.",
    "Executives declined to comment on the talks when contacted on {day}.",
    "Trade tensions have added uncertainty to export plans for the coming year.",
)
_FILL = {
    "day": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
    "month": ("January", "February", "March", "April", "June", "July", "August", "September", "October"),
    "model": ("SU7", "YU7", "Model Y", "iX3", "Ioniq 5", "ES6"),
    "q": ("first", "second", "third", "fourth"),
    "bank": ("Morgan Stanley", "Citi", "Nomura", "Jefferies", "CLSA"),
    "place": ("Beijing", "Hungary", "Indiana", "Ulsan", "Shanghai", "Munich"),
    "city": ("Seoul", "Hong Kong", "Tokyo", "Frankfurt"),
}


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(_PLAIN).format(day=rng.choice(_FILL["day"]))
    person, role, company = rng.choice(_PEOPLE)
    c, c2 = rng.sample(_CARMAKERS, 2)
    values = {key: rng.choice(options) for key, options in _FILL.items()}
    return rng.choice(_TEMPLATES).format(
        s=rng.choice(_SUPPLIERS), c=c, c2=c2, p=rng.choice(_PRODUCTS), person=person, person_role=role,
        person_company=company, n=rng.randint(5, 60) * 1000, big=rng.randint(10, 90) * 10_000,
        pct=rng.randint(2, 45), money=round(rng.uniform(0.3, 40), 1), inv=round(rng.uniform(0.5, 6), 1),
        price=rng.randint(150, 400) * 1000, year=rng.choice((2025, 2026)), year2=rng.choice((2027, 2028)),
        **values)


def page_html(rng: random.Random, index: int, words: int = 600) -> str:
    # Sentence by sentence to the length asked for, stopping where the count is nearest to it,
    # in paragraphs of three to six sentences (whole paragraphs overshot 600 words by some 30).
    paragraphs, sentences, count = [], [], 0
    size = rng.randint(3, 6)
    while count < words:
        sentence = _sentence(rng)
        n = len(sentence.split())
        if count and count + n - words > words - count:
            break
        sentences.append(sentence)
        count += n
        if len(sentences) == size:
            paragraphs.append(f"<p>{' '.join(sentences)}</p>")
            sentences, size = [], rng.randint(3, 6)
    if sentences:
        paragraphs.append(f"<p>{' '.join(sentences)}</p>")
    related = "".join(f'<li><a href="/news/{index + k}.html">Related story {index + k}</a></li>' for k in range(1, 6))
    return (
        f"<!doctype html><html><head><title>Story {index} | Bench News</title>"
        f'<link rel="canonical" href="https://bench.example/news/{index}?utm_source=rss">'
        f'<meta property="article:published_time" content="2025-0{1 + index % 9}-1{index % 9}T08:00:00Z"></head>'
        f'<body><nav class="top"><a href="/">Home</a><a href="/ev">EV</a><a href="/tech">Tech</a></nav>'
        f'<div class="cookie">We use cookies. <button>Accept</button></div>'
        f"<main><article><h1>Story number {index} about EV supply chains</h1><p class=byline>By Bench Reporter</p>"
        + "".join(paragraphs)
        + f'</article><aside><h3>Related stories</h3><ul>{related}</ul></aside></main>'
        f'<footer><p>Copyright 2025 Bench News. All rights reserved.</p><a href="/privacy">Privacy</a></footer></body></html>'
    )


def feed_xml(base: str, feed: int, first: int, count: int) -> str:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}/news/{i}.html</link><guid>bench-{i}</guid>"
        f"<pubDate>Mon, 0{1 + i % 9} Sep 2025 08:00:00 GMT</pubDate><description>Summary of story {i}.</description></item>"
        for i in range(first, first + count)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench feed {feed}</title>{items}</channel></rss>'


def generate_corpus(folder: Path, entries: int, feeds: int, base: str, seed: int = 7) -> None:
    rng = random.Random(seed)
    (folder / "news").mkdir(parents=True, exist_ok=True)
    (folder / "feeds").mkdir(exist_ok=True)
    for i in range(entries):
        (folder / "news" / f"{i}.html").write_text(page_html(rng, i), encoding="utf-8")
    per_feed = -(-entries // feeds)
    for f in range(feeds):
        first = f * per_feed
        count = max(0, min(per_feed, entries - first))
        (folder / "feeds" / f"{f}.xml").write_text(feed_xml(base, f, first, count), encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- measurements, each run in a subprocess ----------------------------------------------------

def measure_pipeline(folder: Path, base: str, feeds: int) -> dict:
    from evwatch.config import FeedConfig, load_settings
    from evwatch.paths import config_dir
    from evwatch.pipeline import extract_stale, make_warehouse, run_ingest

    config = folder / "evwatch.yaml"
    config.write_text(
        "warehouse: {path: bench.duckdb, snapshot: false}\n"
        "fetch: {allowed_hosts: ['127.0.0.1'], max_concurrency: 8, per_host_concurrency: 8, retries: 1}\n"
        f"feeds_file: feeds.yaml\ncatalogue_file: {config_dir() / 'catalogue.yaml'}\n"
        f"watches_file: {config_dir() / 'watches.yaml'}\n", encoding="utf-8")
    (folder / "feeds.yaml").write_text("feeds: []\n", encoding="utf-8")
    settings = load_settings(config, env={})
    feed_list = [FeedConfig(name=f"bench-{f}", url=f"{base}/feeds/{f}.xml") for f in range(feeds)]
    started = time.perf_counter()
    report = run_ingest(settings, feed_list)
    ingested = time.perf_counter() - started
    extract_stale(make_warehouse(settings), settings)
    elapsed = time.perf_counter() - started
    return {"articles": len(report.new_articles), "seconds": elapsed, "ingest_seconds": ingested,
            "peak_mb": _peak_mb(), "failed_feeds": report.feeds_failed, "problems": len(report.problems)}


def measure_floor(folder: Path) -> dict:
    import lxml.html
    import trafilatura

    pages = sorted((folder / "news").glob("*.html"))
    started = time.perf_counter()
    extracted = 0
    for page in pages:
        tree = lxml.html.fromstring(page.read_bytes())
        if trafilatura.extract(tree, favor_precision=True):
            extracted += 1
    elapsed = time.perf_counter() - started
    return {"articles": extracted, "seconds": elapsed, "peak_mb": _peak_mb()}


def measure_extraction(folder: Path) -> dict:
    """The extraction stage alone on the stored articles' text (one process, one core)."""
    import duckdb

    from evwatch.extract.pipeline import Extractor
    from evwatch.extract.records import ArticleText

    conn = duckdb.connect(str(folder / "bench.duckdb"), read_only=True)
    rows = conn.execute("SELECT article_id, title, text FROM articles").fetchall()
    conn.close()
    articles = [ArticleText(article_id=r[0], title=r[1] or "", text=r[2] or "") for r in rows]
    from evwatch.paths import config_dir

    extractor = Extractor.from_files(config_dir() / "catalogue.yaml", config_dir() / "watches.yaml")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})        # one core, as the figure says
    started = time.perf_counter()
    mentions = sum(len(x.companies) + len(x.people) + len(x.figures) + len(x.partnerships)
                   for x in extractor.extract_many(articles))
    elapsed = time.perf_counter() - started
    words = sum(len(a.text.split()) for a in articles) / max(len(articles), 1)
    return {"articles": len(articles), "seconds": elapsed, "mentions": mentions, "words_per_article": round(words)}


def article_benchmark_f1(root: Path) -> dict:
    """Our page extraction on the public article-extraction benchmark, scored with its own
    metric (see :func:`shingle_matching` and :func:`benchmark_scores`)."""
    from evwatch.ingest.pages import extract_page

    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    counts = []
    started = time.perf_counter()
    for doc_id, doc in truth.items():
        html = gzip.decompress((root / "html" / f"{doc_id}.html.gz").read_bytes())
        page = extract_page(html, doc.get("url") or "https://example.com/")
        counts.append(shingle_matching(doc.get("articleBody", ""), page.text))
    return {"documents": len(truth), **benchmark_scores(counts), "seconds": time.perf_counter() - started}


_TOKEN = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """The multiset of a text's n-grams of ``\\w+`` tokens; a text shorter than n words is one
    shingle, an empty text none."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def shingle_matching(expected: str, predicted: str) -> tuple[float, float, float]:
    """One document's (tp, fp, fn) over 4-gram shingles counted with multiplicity, normalised
    to sum to 1 so that a long article weighs no more than a short one (the benchmark's
    ``string_shingle_matching``)."""
    true, pred = _shingles(expected), _shingles(predicted)
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def benchmark_scores(counts: list[tuple[float, float, float]]) -> dict[str, float]:
    """Precision averaged over the documents with something predicted (tp + fp > 0), recall
    over those with something to find (tp + fn > 0), F1 from the two means (the benchmark's
    ``metrics_from_tp_fp_fns``; a document where both fp and fn are 0 scores 1)."""
    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    precision = mean([1.0 if fp == fn == 0 else tp / (tp + fp) for tp, fp, fn in counts if tp + fp > 0])
    recall = mean([1.0 if fp == fn == 0 else tp / (tp + fn) for tp, fp, fn in counts if tp + fn > 0])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def find_article_benchmark() -> Path | None:
    for base in (project_root().parent / "shared", project_root() / "shared", Path("/work/shared")):
        if (base / ARTICLE_BENCHMARK / "ground-truth.json").exists():
            return base / ARTICLE_BENCHMARK
    return None


# --- the command ------------------------------------------------------------------------------

@dataclass
class BenchFigures:
    machine: str
    entries: int
    pipeline: dict
    floor: dict
    extraction: dict | None
    article_benchmark: dict | None


def _child(kind: str, *args: str) -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0")
    out = subprocess.run([sys.executable, "-m", "evwatch.bench", kind, *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"bench step {kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GiB, Python {platform.python_version()}, {platform.system()}"


def run_benchmarks(entries: int = 10_000, feeds: int = 20, *, article_benchmark: bool = True,
                   extraction: bool = True) -> BenchFigures:
    with tempfile.TemporaryDirectory(prefix="evwatch-bench-") as tmp:
        folder = Path(tmp)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        generate_corpus(folder, entries, feeds, base)
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            pipeline = _child("pipeline", str(folder), base, str(feeds))
        finally:
            server.terminate()
            server.wait(timeout=10)
        floor = _child("floor", str(folder))
        extracted = _child("extraction", str(folder)) if extraction else None
    bench_root = find_article_benchmark() if article_benchmark else None
    quality = _child("article-benchmark", str(bench_root)) if bench_root else None
    return BenchFigures(machine_description(), entries, pipeline, floor, extracted, quality)


def format_figures(f: BenchFigures) -> str:
    rate = lambda d: d["articles"] / d["seconds"] if d["seconds"] else 0.0  # noqa: E731
    lines = [
        f"machine: {f.machine}",
        f"ingestion of {f.entries:,} entries with linked pages served on 127.0.0.1:",
        f"  evwatch pipeline  {rate(f.pipeline):8.1f} articles/s  {f.pipeline['seconds']:7.1f} s  "
        f"peak {f.pipeline['peak_mb']:6.0f} MB  ({f.pipeline['articles']:,} stored, {f.pipeline['failed_feeds']} feeds failed; "
        f"fetch, parse, store, extract; ingestion alone {f.pipeline['ingest_seconds']:.1f} s)",
        f"  bare floor        {rate(f.floor):8.1f} articles/s  {f.floor['seconds']:7.1f} s  "
        f"peak {f.floor['peak_mb']:6.0f} MB  (lxml + trafilatura on the same pages, from disk)",
        f"  ratio             {rate(f.pipeline) / rate(f.floor) if rate(f.floor) else 0:8.2f} of the floor's speed",
    ]
    if f.extraction:
        lines.append(
            f"extraction stage: {rate(f.extraction):8.1f} articles/s on one core "
            f"({f.extraction['articles']:,} articles of ~{f.extraction['words_per_article']} words, {f.extraction['mentions']:,} mentions)"
        )
    if f.article_benchmark:
        q = f.article_benchmark
        lines.append(
            f"article-extraction benchmark ({q['documents']} pages, 4-gram metric): "
            f"precision {q['precision']:.4f}  recall {q['recall']:.4f}  F1 {q['f1']:.4f}"
        )
    elif f.article_benchmark is None and find_article_benchmark() is None:
        lines.append("article-extraction benchmark: data not found (expected ../shared/benchmarks/article-extraction)")
    return "\n".join(lines)


def _main(argv: list[str]) -> None:
    kind, *args = argv
    if kind == "pipeline":
        result = measure_pipeline(Path(args[0]), args[1], int(args[2]))
    elif kind == "floor":
        result = measure_floor(Path(args[0]))
    elif kind == "extraction":
        result = measure_extraction(Path(args[0]))
    elif kind == "article-benchmark":
        result = article_benchmark_f1(Path(args[0]))
    else:
        raise SystemExit(f"unknown bench step {kind}")
    print(json.dumps(result))


if __name__ == "__main__":
    _main(sys.argv[1:])
