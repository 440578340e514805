-- company_mentions: one row per company mention in an article.
--   article_id, company (canonical; for an unresolved organisation the name as written),
--   parent_company (its group: Samsung SDI -> Samsung), surface (as written), sentence,
--   char_start, char_end (offsets into articles.text), resolved (false: not in the catalogue),
--   kind (carmaker, supplier, tech, ...), sentence_index, extractor_version
CREATE OR REPLACE VIEW company_mentions AS
SELECT article_id, company, parent_company, surface, sentence, char_start, char_end,
       resolved, kind, sentence_index, extractor_version
FROM mention_companies;

-- person_mentions: one row per person mention.
--   article_id, person (canonical), role (as stated, normalised), company (the role's company),
--   surface, sentence, char_start, char_end, sentence_index, extractor_version
CREATE OR REPLACE VIEW person_mentions AS
SELECT article_id, person, role, company, surface, sentence, char_start, char_end,
       sentence_index, extractor_version
FROM mention_people;

-- figures: one row per business figure.
--   article_id, company (whose figure), metric (deliveries, revenue, target, ...), value
--   (normalised: 4.5e9 for "$4.5 billion"; the low end of a range), unit (ISO currency, units,
--   orders, percent, ...), period ("2025", "2025-Q2", "first year", "by 2027"), kind (actual,
--   target, forecast), qualifier (about, over, up to, ...), surface, sentence, char_start,
--   char_end, value_high (high end of a range), sentence_index, extractor_version
CREATE OR REPLACE VIEW figures AS
SELECT article_id, company, metric, value, unit, period, kind, qualifier, surface, sentence,
       char_start, char_end, value_high, sentence_index, extractor_version
FROM mention_figures;

-- partnership_mentions: one row per relation between two companies in a sentence.
--   article_id, company_a, company_b (for supply: company_a supplies company_b), group_a,
--   group_b (their groups), relation (meeting, talks, partnership, supply, joint_venture,
--   investment, acquisition, competition), stage (speculated, in_talks, agreed, operational,
--   ended, denied), topic (batteries, displays, chips, memory, ...), sentence, char_start,
--   char_end (the sentence's span), sentence_index, extractor_version
CREATE OR REPLACE VIEW partnership_mentions AS
SELECT article_id, company_a, company_b, group_a, group_b, relation, stage, topic, sentence,
       char_start, char_end, sentence_index, extractor_version
FROM mention_partnerships;
