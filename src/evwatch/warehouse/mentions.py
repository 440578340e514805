"""Storing what extraction found. An article's mentions are replaced together, so it always
carries the rows of exactly one extraction (one text version, one extractor, one catalogue)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb

from evwatch.extract.records import ArticleExtraction, ArticleText
from evwatch.warehouse.articles import utc_naive
from evwatch.warehouse.db import execute, insert_rows, query_text

MENTION_TABLES = ("mention_companies", "mention_people", "mention_figures", "mention_partnerships",
                  "article_relevance", "article_extractions")


def stale_articles(conn: duckdb.DuckDBPyConnection, *, extractor_version: str, catalogue_hash: str,
                   everything: bool = False) -> list[tuple[ArticleText, int]]:
    """Articles to (re-)extract with their text version; ``everything`` forces all of them."""
    sql = query_text("articles_to_extract")
    params = {"extractor_version": "" if everything else extractor_version,
              "catalogue_hash": "" if everything else catalogue_hash}
    rows = conn.execute(sql, params).fetchall()
    return [
        (ArticleText(article_id=r[0], title=r[1] or "", text=r[2] or "", published_at=r[3], source=r[4] or ""), r[5])
        for r in rows
    ]


def store_extractions(conn: duckdb.DuckDBPyConnection, extractions: Sequence[ArticleExtraction],
                      versions: dict[str, int], *, catalogue_hash: str, watch_rank: dict[str, int],
                      now: datetime) -> dict[str, int]:
    """Replace the mentions of the given articles (inside the caller's transaction)."""
    ids = [x.article_id for x in extractions]
    if not ids:
        return {}
    for table in MENTION_TABLES:
        execute(conn, f"DELETE FROM {table} WHERE article_id IN (SELECT unnest(?))", [ids])
    companies, people, figures, partnerships, relevance, done = [], [], [], [], [], []
    for x in extractions:
        v = x.extractor_version
        for i, m in enumerate(x.companies):
            companies.append({"article_id": x.article_id, "ordinal": i, "company": m.company,
                              "parent_company": m.parent_company, "resolved": m.resolved, "kind": m.kind or None,
                              "surface": m.surface, "sentence_index": m.sentence_index, "sentence": m.sentence,
                              "char_start": m.char_start, "char_end": m.char_end, "extractor_version": v})
        for i, p in enumerate(x.people):
            people.append({"article_id": x.article_id, "ordinal": i, "person": p.person, "role": p.role or None,
                           "company": p.company or None, "surface": p.surface, "sentence_index": p.sentence_index,
                           "sentence": p.sentence, "char_start": p.char_start, "char_end": p.char_end,
                           "extractor_version": v})
        for i, f in enumerate(x.figures):
            figures.append({"article_id": x.article_id, "ordinal": i, "company": f.company or None,
                            "metric": f.metric, "value": float(f.value),
                            "value_high": float(f.value_high) if f.value_high is not None else None,
                            "unit": f.unit, "period": f.period or None, "kind": f.kind,
                            "qualifier": f.qualifier or None, "surface": f.surface,
                            "sentence_index": f.sentence_index, "sentence": f.sentence,
                            "char_start": f.char_start, "char_end": f.char_end, "extractor_version": v})
        for i, p in enumerate(x.partnerships):
            partnerships.append({"article_id": x.article_id, "ordinal": i, "company_a": p.company_a,
                                 "company_b": p.company_b, "group_a": p.group_a, "group_b": p.group_b,
                                 "relation": p.relation, "stage": p.stage, "topic": p.topic or None,
                                 "sentence_index": p.sentence_index, "sentence": p.sentence,
                                 "char_start": p.char_start, "char_end": p.char_end, "extractor_version": v})
        if x.relevance is not None:
            watch = x.meta.get("watch", "")
            relevance.append({"article_id": x.article_id, "watch": watch, "watch_rank": watch_rank.get(watch, 0),
                              "score": float(x.relevance.score), "label": x.relevance.label,
                              "reasons": list(x.relevance.reasons), "extractor_version": v})
        done.append({"article_id": x.article_id, "version": versions.get(x.article_id, 1),
                     "extractor_version": v, "catalogue_hash": catalogue_hash, "extracted_at": utc_naive(now)})
    insert_rows(conn, "mention_companies", companies)
    insert_rows(conn, "mention_people", people)
    insert_rows(conn, "mention_figures", figures)
    insert_rows(conn, "mention_partnerships", partnerships)
    insert_rows(conn, "article_relevance", relevance)
    insert_rows(conn, "article_extractions", done)
    return {"companies": len(companies), "people": len(people), "figures": len(figures),
            "partnerships": len(partnerships)}


def load_extractions(conn: duckdb.DuckDBPyConnection, article_ids: Sequence[str] | None = None) -> dict[str, ArticleExtraction]:
    """Stored mentions as ArticleExtraction records (for developments and replay)."""
    from evwatch.extract.records import CompanyMention, Figure, PartnershipMention, PersonMention, Relevance

    where = "WHERE article_id IN (SELECT unnest($ids))" if article_ids is not None else ""
    params = {"ids": list(article_ids)} if article_ids is not None else {}

    def rows(sql: str) -> list[tuple]:
        return conn.execute(sql.format(where=where), params).fetchall()

    found: dict[str, dict] = {}

    def bucket(article_id: str) -> dict:
        return found.setdefault(article_id, {"companies": [], "people": [], "figures": [], "partnerships": [],
                                             "relevance": None, "version": "", "watch": ""})

    for r in rows("SELECT article_id, company, parent_company, surface, sentence_index, sentence, char_start, char_end,"
                  " resolved, coalesce(kind, ''), extractor_version FROM mention_companies {where} ORDER BY article_id, ordinal"):
        bucket(r[0])["companies"].append(CompanyMention(*r[:10]))
    for r in rows("SELECT article_id, person, coalesce(role, ''), coalesce(company, ''), surface, sentence_index,"
                  " sentence, char_start, char_end FROM mention_people {where} ORDER BY article_id, ordinal"):
        bucket(r[0])["people"].append(PersonMention(*r))
    for r in rows("SELECT article_id, coalesce(company, ''), metric, value, unit, coalesce(period, ''), kind,"
                  " coalesce(qualifier, ''), surface, sentence_index, sentence, char_start, char_end, value_high"
                  " FROM mention_figures {where} ORDER BY article_id, ordinal"):
        bucket(r[0])["figures"].append(Figure(*r))
    for r in rows("SELECT article_id, company_a, company_b, group_a, group_b, relation, stage, coalesce(topic, ''),"
                  " sentence_index, sentence, char_start, char_end FROM mention_partnerships {where}"
                  " ORDER BY article_id, ordinal"):
        bucket(r[0])["partnerships"].append(PartnershipMention(*r))
    for r in rows("SELECT article_id, score, label, reasons, watch, extractor_version FROM article_relevance {where}"
                  " ORDER BY article_id, watch_rank"):
        b = bucket(r[0])
        if b["relevance"] is None:
            b["relevance"] = Relevance(r[0], r[1], r[2], tuple(r[3]))
            b["watch"], b["version"] = r[4], r[5]
    return {
        article_id: ArticleExtraction(
            article_id=article_id, companies=tuple(b["companies"]), people=tuple(b["people"]),
            figures=tuple(b["figures"]), partnerships=tuple(b["partnerships"]), relevance=b["relevance"],
            extractor_version=b["version"], meta={"watch": b["watch"]},
        )
        for article_id, b in found.items()
    }
