/**
 * The regression corpus (`reports/corpus/`): one JSON file per failure worth
 * keeping, written by `crashsim run --save-failures`, replayed by
 * `test/corpus.test.ts` (which expects the recorded verdict and trace hash) and
 * by `crashsim replay <file>`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeToken, TokenError, type ReplayToken } from '../scenarios/token.js';
import { writeFileAtomic } from './atomic.js';
import { UsageError } from './errors.js';
import type { FailureEntry } from './summary.js';

export const CORPUS_SCHEMA_VERSION = 1;
export const CORPUS_KIND = 'crashsim-corpus-entry';
export const DEFAULT_CORPUS_DIR = 'reports/corpus';
/** A corpus file larger than this is refused (entries are a few KiB). */
export const CORPUS_FILE_BYTES_MAX = 8 * 1024 * 1024;

export interface CorpusEntry {
  readonly schemaVersion: typeof CORPUS_SCHEMA_VERSION;
  readonly kind: typeof CORPUS_KIND;
  /** the violation code the replay must end with, or 'pass' */
  readonly verdict: string;
  /** the known finding it is an example of, or null for a (then) new failure */
  readonly finding: string | null;
  /** scenario/design/personality/faults */
  readonly cell: string;
  readonly message: string;
  readonly traceHash: string;
  readonly token: string;
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

export function corpusFileName(e: CorpusEntry): string {
  return `${e.finding ?? 'new'}-${slug(e.cell)}-${slug(e.verdict)}-${e.traceHash.slice(0, 8)}.json`;
}

/** The corpus entry of a failure: its shrunk counterexample when there is one. */
export function corpusEntryOf(f: FailureEntry): CorpusEntry {
  const token = f.shrunk?.token ?? f.token;
  const t = decodeToken(token);
  return {
    schemaVersion: CORPUS_SCHEMA_VERSION,
    kind: CORPUS_KIND,
    verdict: t.verdict,
    finding: f.finding ?? null,
    cell: f.cellKey,
    message: f.shrunk?.message ?? f.message,
    traceHash: t.traceHash,
    token,
  };
}

/** Writes entries not already in `dir` (same token); returns the paths written. */
export function saveToCorpus(dir: string, entries: readonly CorpusEntry[]): string[] {
  const have = corpusTokens(dir);
  const written: string[] = [];
  for (const e of entries) {
    if (have.has(e.token)) continue;
    have.add(e.token);
    const path = join(dir, corpusFileName(e));
    writeFileAtomic(path, JSON.stringify(e, null, 2) + '\n');
    written.push(path);
  }
  return written;
}

export function parseCorpusEntry(text: string, where: string): { entry: CorpusEntry; token: ReplayToken } {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw new UsageError(`${where}: not JSON`);
  }
  if (typeof o !== 'object' || o === null) throw new UsageError(`${where}: not a corpus entry (expected an object)`);
  const r = o as Record<string, unknown>;
  if (r['kind'] !== CORPUS_KIND) throw new UsageError(`${where}: not a crashsim corpus entry (kind ${JSON.stringify(r['kind'])})`);
  if (r['schemaVersion'] !== CORPUS_SCHEMA_VERSION) throw new UsageError(`${where}: corpus schema ${JSON.stringify(r['schemaVersion'])} is not supported (reads ${CORPUS_SCHEMA_VERSION})`);
  for (const k of ['verdict', 'cell', 'message', 'traceHash', 'token'] as const) if (typeof r[k] !== 'string') throw new UsageError(`${where}: field ${k} must be a string`);
  if (r['finding'] !== null && typeof r['finding'] !== 'string') throw new UsageError(`${where}: field finding must be a string or null`);
  let token: ReplayToken;
  try {
    token = decodeToken(r['token'] as string);
  } catch (e) {
    throw new UsageError(`${where}: ${e instanceof TokenError ? e.message : String(e)}`);
  }
  if (token.traceHash !== r['traceHash'] || token.verdict !== r['verdict']) throw new UsageError(`${where}: verdict/traceHash disagree with the token they describe`);
  return { entry: o as CorpusEntry, token };
}

export function readCorpusFile(path: string): { entry: CorpusEntry; token: ReplayToken } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (text.length > CORPUS_FILE_BYTES_MAX) throw new UsageError(`${path}: larger than ${CORPUS_FILE_BYTES_MAX} bytes`);
  return parseCorpusEntry(text, path);
}

/** The token strings of the entries in `dir`, read without decoding them (an entry of an older token version must not stop a save). */
function corpusTokens(dir: string): Set<string> {
  const out = new Set<string>();
  if (!existsSync(dir)) return out;
  for (const n of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    try {
      const o = JSON.parse(readFileSync(join(dir, n), 'utf8')) as { token?: unknown };
      if (typeof o.token === 'string') out.add(o.token);
    } catch {
      // not an entry: loadCorpus reports it where it matters (npm test, replay)
    }
  }
  return out;
}

/** Every `*.json` entry of `dir`, sorted by file name (none when the directory does not exist). */
export function loadCorpus(dir: string): Array<{ path: string; entry: CorpusEntry; token: ReplayToken }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => {
      const path = join(dir, n);
      return { path, ...readCorpusFile(path) };
    });
}
