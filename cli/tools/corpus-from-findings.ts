/**
 * `npm run corpus:findings`: puts the shrunk counterexample of every known
 * finding (reports/findings.json, written by `npm run findings`) into the
 * regression corpus, one entry per finding. Re-run it after findings.json is
 * regenerated: an older entry of a recorded finding whose token is no longer the
 * recorded one is removed (it was recorded from older code); entries of new
 * failures (finding null) are never touched.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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
const dir = process.argv[3] ?? DEFAULT_CORPUS_DIR;
const recorded = new Map(entries.map((e) => [e.finding, e.token]));
// Read raw JSON here, not through loadCorpus: a superseded entry may hold a token
// this crashsim no longer decodes (an older token version), and it is removed anyway.
for (const name of existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')).sort() : []) {
  const file = join(dir, name);
  let old: { kind?: unknown; finding?: unknown; token?: unknown };
  try {
    old = JSON.parse(readFileSync(file, 'utf8')) as typeof old;
  } catch {
    continue;
  }
  if (old.kind !== CORPUS_KIND || typeof old.finding !== 'string') continue;
  const current = recorded.get(old.finding);
  if (current !== undefined && current !== old.token && name.startsWith(`${old.finding}-`)) {
    rmSync(file);
    console.log(`corpus: removed ${file} (superseded by the recorded ${old.finding})`);
  }
}
const written = saveToCorpus(dir, entries);
console.log(`corpus: ${entries.length} finding(s) in ${path}; wrote ${written.length} new entr${written.length === 1 ? 'y' : 'ies'}${written.length > 0 ? `: ${written.join(', ')}` : ''}`);
