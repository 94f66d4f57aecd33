/**
 * `npm run corpus:findings`: puts the shrunk counterexample of every known
 * finding (reports/findings.json, written by the lead's record-findings script)
 * into the regression corpus, one entry per finding. Entries already there
 * (same token) are kept; re-run after findings.json is regenerated, and delete
 * stale `F*-…` entries that no longer replay.
 */
import { readFileSync } from 'node:fs';
import { decodeToken } from '../../scenarios/token.js';
import { CORPUS_KIND, CORPUS_SCHEMA_VERSION, DEFAULT_CORPUS_DIR, saveToCorpus, type CorpusEntry } from '../corpus.js';

interface RecordedFinding {
  readonly id: string;
  readonly cell: string;
  readonly message: string;
  readonly token: string;
}

const path = process.argv[2] ?? 'reports/findings.json';
const doc = JSON.parse(readFileSync(path, 'utf8')) as { findings?: RecordedFinding[] };
const entries: CorpusEntry[] = (doc.findings ?? []).map((f) => {
  const t = decodeToken(f.token);
  return { schemaVersion: CORPUS_SCHEMA_VERSION, kind: CORPUS_KIND, verdict: t.verdict, finding: f.id, cell: f.cell, message: f.message, traceHash: t.traceHash, token: f.token };
});
const written = saveToCorpus(process.argv[3] ?? DEFAULT_CORPUS_DIR, entries);
console.log(`corpus: ${entries.length} finding(s) in ${path}; wrote ${written.length} new entr${written.length === 1 ? 'y' : 'ies'}${written.length > 0 ? `: ${written.join(', ')}` : ''}`);
