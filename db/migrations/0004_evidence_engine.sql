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
