-- Marsad schema, version 4: the evidence engine (docs/method.md).
--
-- 1. claim.bound gains 'almost' ("almost 1000", "nearly": below the figure, the upper
--    end only). SQLite cannot alter a CHECK constraint in place; loosening an IN list
--    changes no stored row, so the table's stored definition is edited as SQLite's
--    ALTER TABLE documentation describes (writable_schema, then a schema reset; the
--    ALTER TABLE below moves the schema cookie so other connections reread it).
--    revision.resource gains the catalog and curated conflicts the same way.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''less_than'', ''range'', ''vague''))',
                  '''less_than'', ''range'', ''vague'', ''almost''))')
WHERE type = 'table' AND name = 'claim';
UPDATE sqlite_schema
SET sql = replace(sql, 'resource IN (''source'', ''claim'', ''program'')',
                  'resource IN (''source'', ''claim'', ''program'', ''metric'', ''relation'', ''conflict'')')
WHERE type = 'table' AND name = 'revision';
PRAGMA writable_schema = RESET;
PRAGMA writable_schema = OFF;
-- Fails the migration (dataset.id must be 1) when either edit did not apply.
INSERT INTO dataset (id, version, inputs_sha256)
SELECT 0, 1, ''
WHERE (SELECT instr(sql, '''almost''') FROM sqlite_schema WHERE type = 'table' AND name = 'claim') = 0
   OR (SELECT instr(sql, '''relation''') FROM sqlite_schema WHERE type = 'table' AND name = 'revision') = 0;

-- 2. A claim's scope qualifier: what it counts when that is narrower or wider than its
--    metric's definition ("Syria only" under a metric defined as Syria and Iraq). A
--    claim with a scope is its own series and never pooled with the unqualified ones.
ALTER TABLE claim ADD COLUMN scope TEXT CHECK (scope IS NULL OR length(scope) BETWEEN 1 AND 200);

-- 3. The catalog: a cumulative metric never falls over time; metrics are written
--    through the curation API with revisions.
ALTER TABLE metric ADD COLUMN cumulative INTEGER NOT NULL DEFAULT 0 CHECK (cumulative IN (0, 1));
ALTER TABLE metric ADD COLUMN revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1);
ALTER TABLE metric ADD COLUMN updated_at TEXT;

-- Relations between metrics the consistency rules check:
--   part_whole: metric (the part) is at most whole (graduates at most participants);
--   sum:        the parts (metric_relation_part) add up to metric (the whole);
--   share:      metric (a percentage) is 100 * part / whole;
--   range:      metric (a value) lies between min and max (a sentence and the law's range).
-- whole_place: the place the whole is counted at when it is not the part's (fighters
-- from one town against the national total).
CREATE TABLE metric_relation (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (length(id) BETWEEN 1 AND 100),
    kind TEXT NOT NULL CHECK (kind IN ('part_whole', 'sum', 'share', 'range')),
    metric_seq INTEGER NOT NULL REFERENCES metric (seq),
    whole_seq INTEGER REFERENCES metric (seq),
    part_seq INTEGER REFERENCES metric (seq),
    min_seq INTEGER REFERENCES metric (seq),
    max_seq INTEGER REFERENCES metric (seq),
    whole_place_seq INTEGER REFERENCES entity (seq),
    note TEXT,
    revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at TEXT,
    updated_at TEXT,
    CHECK (kind <> 'part_whole' OR (whole_seq IS NOT NULL AND part_seq IS NULL AND min_seq IS NULL AND max_seq IS NULL)),
    CHECK (kind <> 'share' OR (whole_seq IS NOT NULL AND part_seq IS NOT NULL AND min_seq IS NULL AND max_seq IS NULL)),
    CHECK (kind <> 'range' OR (whole_seq IS NULL AND part_seq IS NULL AND (min_seq IS NOT NULL OR max_seq IS NOT NULL))),
    CHECK (kind <> 'sum' OR (whole_seq IS NULL AND part_seq IS NULL AND min_seq IS NULL AND max_seq IS NULL))
) STRICT;
CREATE INDEX metric_relation_metric ON metric_relation (metric_seq);

CREATE TABLE metric_relation_part (
    relation_seq INTEGER NOT NULL REFERENCES metric_relation (seq),
    metric_seq INTEGER NOT NULL REFERENCES metric (seq),
    PRIMARY KEY (relation_seq, metric_seq)
) STRICT;

-- 4. Curated conflicts: disagreements in kind that no rule computes, recorded by
--    curators with the claims on each side.
CREATE TABLE curated_conflict (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (length(id) BETWEEN 1 AND 100),
    certainty TEXT NOT NULL DEFAULT 'definite' CHECK (certainty IN ('definite', 'possible')),
    dissolves_if TEXT,
    explanation TEXT NOT NULL CHECK (length(explanation) > 0),
    revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at TEXT,
    updated_at TEXT,
    deleted_at TEXT,
    CHECK ((certainty = 'possible') = (dissolves_if IS NOT NULL))
) STRICT;

CREATE TABLE curated_conflict_claim (
    conflict_seq INTEGER NOT NULL REFERENCES curated_conflict (seq),
    claim_seq INTEGER NOT NULL REFERENCES claim (seq),
    side INTEGER NOT NULL CHECK (side IN (0, 1)),
    PRIMARY KEY (conflict_seq, claim_seq)
) STRICT;
CREATE INDEX curated_conflict_claim_claim ON curated_conflict_claim (claim_seq);

-- 5. A database seeded before this schema gets the catalog's declarations for the
--    metrics it already has (a fresh build has none yet: the seed loads them next, from
--    db/seed/metrics.json and the claims files).
UPDATE metric SET cumulative = 1
WHERE id IN ('foreign_fighters_departed', 'foreign_fighters_incl_diaspora',
             'foreign_fighters_killed', 'program_graduates');
INSERT INTO metric_relation (id, kind, metric_seq, whole_seq, part_seq, min_seq, max_seq,
                             whole_place_seq, note)
SELECT r.column1, r.column2, m.seq, w.seq, p.seq, mn.seq, mx.seq, pl.seq, r.column9
FROM (VALUES -- column1..column9: id, kind, metric, whole, part, min, max, place, note
    ('departed_within_incl_diaspora', 'part_whole', 'foreign_fighters_departed',
     'foreign_fighters_incl_diaspora', NULL, NULL, NULL, NULL,
     'Moroccan nationals are a part of nationals plus Europeans of Moroccan origin.'),
    ('killed_within_departed', 'part_whole', 'foreign_fighters_killed',
     'foreign_fighters_departed', NULL, NULL, NULL, NULL, 'The dead are among those who left.'),
    ('place_within_national_departed', 'part_whole', 'foreign_fighters_from_place',
     'foreign_fighters_departed', NULL, NULL, NULL, 'morocco',
     'Fighters from one town or region are among all Moroccans who left.'),
    ('place_share_of_national_departed', 'share', 'foreign_fighters_share_from_place',
     'foreign_fighters_departed', 'foreign_fighters_from_place', NULL, NULL, 'morocco',
     'The share of a place is its fighters over the national total.'),
    ('sentence_within_statutory_range', 'range', 'individual_sentence', NULL, NULL,
     'statutory_sentence_min', 'statutory_sentence_max', NULL,
     'A sentence for joining or trying to join armed groups lies within the range the law in force sets.'),
    ('graduates_within_participants', 'part_whole', 'program_graduates', 'program_participants',
     NULL, NULL, NULL, NULL,
     'Graduates of a program''s cohorts are at most the people admitted to them.'),
    ('moroccan_share_of_group_total', 'share', 'moroccan_share_of_group_foreign_fighters',
     'group_foreign_fighters_total', 'foreign_fighters_in_group', NULL, NULL, NULL,
     'The Moroccan share of a group''s foreign fighters is the Moroccans in it over its total.'),
    ('group_moroccans_within_group_total', 'part_whole', 'foreign_fighters_in_group',
     'group_foreign_fighters_total', NULL, NULL, NULL, NULL,
     'Moroccans in a group are among its foreign fighters.')
) AS r
JOIN metric m ON m.id = r.column3
LEFT JOIN metric w ON w.id = r.column4
LEFT JOIN metric p ON p.id = r.column5
LEFT JOIN metric mn ON mn.id = r.column6
LEFT JOIN metric mx ON mx.id = r.column7
LEFT JOIN entity pl ON pl.id = r.column8
WHERE (r.column4 IS NULL OR w.seq IS NOT NULL) AND (r.column5 IS NULL OR p.seq IS NOT NULL)
  AND (r.column6 IS NULL OR mn.seq IS NOT NULL) AND (r.column7 IS NULL OR mx.seq IS NOT NULL)
  AND (r.column8 IS NULL OR pl.seq IS NOT NULL);
