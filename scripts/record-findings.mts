/**
 * Regenerates reports/findings.json: for every known finding, the first run of
 * its cell that breaks it and the shrunk counterexample, as replay tokens.
 * Run after changing a design, the oracles or the findings: `npx tsx scripts/record-findings.mts`.
 * `npm run findings -- F13 F14` re-records only those findings and keeps the other
 * entries as they are (recording all of them takes minutes; only entries whose
 * finding, cell or acknowledged set changed need it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describeCommand, parsePlan } from '../scenarios/plan.js';
import { decodeToken } from '../scenarios/token.js';
import { FINDINGS } from '../scenarios/findings.js';
import { cellKey } from '../scenarios/campaign.js';
import { FINDINGS_ROOT_SEED, locateFinding, shrinkLocated } from '../scenarios/locate.js';

const only = process.argv.slice(2);
for (const id of only) if (!FINDINGS.some((f) => f.id === id)) throw new Error(`no finding ${id}; known: ${FINDINGS.map((f) => f.id).join(', ')}`);
const previous: Array<{ id: string }> = only.length > 0 && existsSync('reports/findings.json') ? JSON.parse(readFileSync('reports/findings.json', 'utf8')).findings : [];

const out = [];
for (const f of FINDINGS) {
  const kept = only.length > 0 && !only.includes(f.id) ? previous.find((x) => x.id === f.id) : undefined;
  if (kept !== undefined) {
    out.push(kept);
    continue;
  }
  const t0 = performance.now();
  const l = await locateFinding(f);
  if (l.record?.failure === undefined) throw new Error(`${f.id} not found within ${f.foundIn.runsMax} runs of ${cellKey(l.cell)}`);
  const shrunk = await shrinkLocated(l, Number(process.env.SHRINK_RUNS ?? 150));
  const best = shrunk ?? l.record.failure;
  const plan = parsePlan(decodeToken(best.token).plan);
  out.push({
    id: f.id,
    title: f.title,
    design: f.design,
    cell: cellKey(l.cell),
    foundAtRun: l.runs,
    rootSeed: f.foundIn.rootSeed ?? FINDINGS_ROOT_SEED,
    code: best.code,
    invariant: best.invariant,
    message: best.message,
    details: best.details,
    evidence: best.evidence,
    faults: plan.faults,
    personality: plan.personality,
    steps: plan.commands.map(describeCommand),
    token: best.token,
    replay: best.replay,
    unshrunkToken: l.record.failure.token,
  });
  console.log(`${f.id}: ${best.code} in ${l.runs} run(s), shrunk to ${plan.commands.length} command(s) (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
writeFileSync('reports/findings.json', JSON.stringify({ schemaVersion: 1, findings: out }, null, 2) + '\n');
