/**
 * `npx tsx scripts/migrate-corpus-personality.mts [dir]`: moves corpus entries
 * that are not known findings (`finding: null`, e.g. mutants) off a renamed
 * personality (sim/vfs/model.ts RENAMED_PERSONALITIES): decodes the token's
 * payload without validating the plan, renames the personality, re-runs the
 * plan with its recorded decisions and writes a new entry only if verdict and
 * trace hash are unchanged (a rename must not change a run). Entries of known
 * findings are re-recorded by `npm run findings` + `npm run corpus:findings`.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { replayToken } from '../cli/replay-core.js';
import { saveToCorpus, type CorpusEntry } from '../cli/corpus.js';
import { decodeToken, encodeToken, TOKEN_PREFIX } from '../scenarios/token.js';
import { parsePlan } from '../scenarios/plan.js';

const NEW_NAME: Record<string, string> = { 'ext4-ordered': 'ext4-weak' };
const dir = process.argv[2] ?? 'reports/corpus';
for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
  const file = join(dir, name);
  const e = JSON.parse(readFileSync(file, 'utf8')) as CorpusEntry & { finding: string | null };
  if (e.finding !== null) continue;
  const payload = e.token.slice(TOKEN_PREFIX.length, e.token.lastIndexOf('.'));
  const o = JSON.parse(inflateRawSync(Buffer.from(payload, 'base64url')).toString('utf8')) as { plan: { personality: string }; decisions: number[][]; traceHash: string; verdict: string; ack?: string[] };
  const renamed = NEW_NAME[o.plan.personality];
  if (renamed === undefined) continue;
  const plan = parsePlan({ ...o.plan, personality: renamed });
  const token = encodeToken({ plan, decisions: o.decisions, traceHash: o.traceHash, verdict: o.verdict, acknowledged: o.ack ?? [] });
  const r = await replayToken(decodeToken(token));
  if (!r.matched || (r.result.violation?.code ?? 'pass') !== e.verdict) {
    console.log(`${file}: on ${renamed} the run changed (verdict ${r.result.violation?.code ?? 'pass'}, trace ${r.result.traceHash}); left as is`);
    continue;
  }
  const cell = e.cell.replace(`/${o.plan.personality}/`, `/${renamed}/`);
  const written = saveToCorpus(dir, [{ ...e, cell, token }]);
  rmSync(file);
  console.log(`${file} → ${written.join(', ')}`);
}
