-- 002: what extraction found in each article. Rows of one article are replaced together when
-- it is re-extracted (new version at the source, new catalogue, new extractor), so each article
-- carries the rows of exactly one extractor version.

CREATE TABLE mention_companies (
    article_id        VARCHAR NOT NULL,
    ordinal           INTEGER NOT NULL,     -- position among the article's company mentions
    company           VARCHAR NOT NULL,     -- canonical name; for unresolved organisations the name as written
    parent_company    VARCHAR NOT NULL,     -- the group
    resolved          BOOLEAN NOT NULL,     -- false: an organisation not in the catalogue
    kind              VARCHAR,              -- carmaker, supplier, tech, ... (catalogue)
    surface           VARCHAR NOT NULL,
    sentence_index    INTEGER NOT NULL,
    sentence          VARCHAR NOT NULL,
    char_start        INTEGER NOT NULL,     -- offsets into the article's stored text
    char_end          INTEGER NOT NULL,
    extractor_version VARCHAR NOT NULL,
    PRIMARY KEY (article_id, ordinal)
);

CREATE TABLE mention_people (
    article_id        VARCHAR NOT NULL,
    ordinal           INTEGER NOT NULL,
    person            VARCHAR NOT NULL,
    role              VARCHAR,
    company           VARCHAR,
    surface           VARCHAR NOT NULL,
    sentence_index    INTEGER NOT NULL,
    sentence          VARCHAR NOT NULL,
    char_start        INTEGER NOT NULL,
    char_end          INTEGER NOT NULL,
    extractor_version VARCHAR NOT NULL,
    PRIMARY KEY (article_id, ordinal)
);

CREATE TABLE mention_figures (
    article_id        VARCHAR NOT NULL,
    ordinal           INTEGER NOT NULL,
    company           VARCHAR,
    metric            VARCHAR NOT NULL,
    value             DOUBLE NOT NULL,
    value_high        DOUBLE,               -- the high end of a range
    unit              VARCHAR NOT NULL,
    period            VARCHAR,
    kind              VARCHAR NOT NULL,     -- actual, target, forecast
    qualifier         VARCHAR,
    surface           VARCHAR NOT NULL,
    sentence_index    INTEGER NOT NULL,
    sentence          VARCHAR NOT NULL,
    char_start        INTEGER NOT NULL,
    char_end          INTEGER NOT NULL,
    extractor_version VARCHAR NOT NULL,
    PRIMARY KEY (article_id, ordinal)
);

CREATE TABLE mention_partnerships (
    article_id        VARCHAR NOT NULL,
    ordinal           INTEGER NOT NULL,
    company_a         VARCHAR NOT NULL,     -- for supply: the supplier
    company_b         VARCHAR NOT NULL,     -- for supply: the customer
    group_a           VARCHAR NOT NULL,
    group_b           VARCHAR NOT NULL,
    relation          VARCHAR NOT NULL,
    stage             VARCHAR NOT NULL,
    topic             VARCHAR,
    sentence_index    INTEGER NOT NULL,
    sentence          VARCHAR NOT NULL,
    char_start        INTEGER NOT NULL,
    char_end          INTEGER NOT NULL,
    extractor_version VARCHAR NOT NULL,
    PRIMARY KEY (article_id, ordinal)
);

-- One row per article and watch.
CREATE TABLE article_relevance (
    article_id        VARCHAR NOT NULL,
    watch             VARCHAR NOT NULL,
    watch_rank        INTEGER NOT NULL,     -- 0 for the first (default) watch in watches.yaml
    score             DOUBLE NOT NULL,      -- 0..1
    label             VARCHAR NOT NULL,     -- core, context, adjacent, none
    reasons           VARCHAR[] NOT NULL,
    extractor_version VARCHAR NOT NULL,
    PRIMARY KEY (article_id, watch)
);

-- One row per article: which version of its text was extracted, by which extractor.
CREATE TABLE article_extractions (
    article_id        VARCHAR PRIMARY KEY,
    version           INTEGER NOT NULL,
    extractor_version VARCHAR NOT NULL,
    catalogue_hash    VARCHAR NOT NULL,     -- catalogue and watches as used, to know when to re-extract
    extracted_at      TIMESTAMP NOT NULL
);
