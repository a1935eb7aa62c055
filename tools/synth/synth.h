/*
 * marsad-synth (tools/synth/, a benchmark tool, not part of the server): writes a deterministic
 * synthetic evidence database with the real schema (the embedded migrations) for benchmarks: about
 * 20 claims per source, a few hundred metrics, stored source texts that hold every quote at its
 * offsets, entities, programs, topics, mentions, time windows, every kind of bound, citations and
 * the full-text index. The same --claims and --seed give the same rows in the same order, so
 * `.dump` output is byte-identical.
 *
 * Metric 1 (foreign_fighters_departed) has min(5000, N/10) claims, all dated;
 * metric 2 (returnees_arrested) has min(1000, N/20): the benchmarks' statistics
 * and list targets.
 */
#ifndef MARSAD_SYNTH_H
#define MARSAD_SYNTH_H

#endif
