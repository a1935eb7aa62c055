-- Marsad schema, version 5: what a claim rests on and who relayed it.

-- The bound 'almost' ("almost 1000": below the figure, the upper end only), when the
-- schema does not have it yet: loosening the CHECK's IN list changes no stored row, so
-- the stored definition is edited (writable_schema, then a schema reset; the ALTER
-- TABLE below moves the schema cookie). A schema that has it already is left alone.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''less_than'', ''range'', ''vague''))',
                  '''less_than'', ''range'', ''vague'', ''almost''))')
WHERE type = 'table' AND name = 'claim' AND instr(sql, '''almost''') = 0;
PRAGMA writable_schema = RESET;
PRAGMA writable_schema = OFF;

-- footnote_scope says how the claim's cited work (claim.footnote_seq) is known: the
-- note marker closes the claim's own sentence ('sentence'), a marker at the end of the
-- paragraph covers every sentence since the previous marker ('paragraph'), or the text
-- names the work in the sentence itself, "according to X" ('inline').
ALTER TABLE claim ADD COLUMN footnote_scope TEXT
    CHECK (footnote_scope IN ('sentence', 'paragraph', 'inline'));

-- The relay chain of a claim whose text reports someone else's statement, in order:
-- the claimant (who asserted it), the relaying author(s) (who wrote it down), the
-- publisher(s). A part the texts imply but do not state (an identity, a composite name)
-- is marked inferred, with its basis. A claim without rows here has the default chain:
-- its claimant, the source's authors when they are not the claimant, its publisher.
CREATE TABLE claim_relay (
    claim_seq INTEGER NOT NULL REFERENCES claim (seq),
    position INTEGER NOT NULL CHECK (position >= 0),
    role TEXT NOT NULL CHECK (role IN ('claimant', 'relay', 'publisher')),
    name TEXT NOT NULL CHECK (length(name) > 0),
    entity_seq INTEGER REFERENCES entity (seq),
    inferred INTEGER NOT NULL DEFAULT 0 CHECK (inferred IN (0, 1)),
    basis TEXT,
    PRIMARY KEY (claim_seq, position),
    CHECK (inferred = 0 OR basis IS NOT NULL)
) STRICT;
CREATE INDEX claim_relay_entity ON claim_relay (entity_seq, claim_seq);
