-- Marsad schema, version 2: links between claims.
-- A claim that repeats what another claim in the base says (the citing document's
-- footnote or "according to X" names a work that is itself a source here) links to
-- it. The consistency engine compares the two (a changed figure, bound, unit or time
-- window is drift), and the statistics count a repetition with what it repeats as
-- one independent source. Links to or from a deleted claim are ignored by reads.
CREATE TABLE claim_link (
    claim_seq INTEGER NOT NULL REFERENCES claim (seq),
    target_seq INTEGER NOT NULL REFERENCES claim (seq),
    relation TEXT NOT NULL CHECK (relation IN ('repeats')),
    basis TEXT, -- how the link is known: "note 20 covers the paragraph", ...
    PRIMARY KEY (claim_seq, target_seq, relation),
    CHECK (claim_seq <> target_seq)
) STRICT;
CREATE INDEX claim_link_target ON claim_link (target_seq, claim_seq);
