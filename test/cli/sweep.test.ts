/**
 * One small sweep, run four ways: serial, on 2 worker threads, and as shards
 * 1/2 + 2/2 merged. Apart from `meta` (timings, run id, worker and shard
 * counts) the summaries must be identical. Then the tokens of that sweep must
 * replay to their trace hashes through the real bin, from a token and from a
 * corpus file, and a token whose hash no longer matches must be refused.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusEntryOf, loadCorpus } from '../../cli/corpus.js';
import { comparable, SUMMARY_KIND, type Summary } from '../../cli/summary.js';
import { decodeToken, encodeToken } from '../../scenarios/token.js';
import { runInProcess, spawnCli } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'crashsim-sweep-'));
const out = (name: string): string => join(root, name);
const COMMON = ['run', '--seed', 'cli-test', '--design', 'seed', '--scenario', 'persist-prune-race,fast-forward', '--personality', 'ext4-weak,ordered', '--runs', '3', '--no-progress'];

function readSummary(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}

let serial: Summary;
let serialStdout = '';

beforeAll(async () => {
  const r = await runInProcess([...COMMON, '--out', out('serial')]);
  expect(r.code, r.stderr).toBe(0);
  serial = readSummary(out('serial'));
  serialStdout = r.stdout;
}, 120_000);

describe('crashsim run: one sweep, four ways', () => {
  it('writes the three reports and a versioned summary that says what was checked', () => {
    expect(readdirSync(out('serial')).sort()).toEqual(['index.html', 'junit.xml', 'summary.json']);
    expect(serial.kind).toBe(SUMMARY_KIND);
    expect(serial.schemaVersion).toBe(1);
    expect(serial.totals.runs).toBe(12);
    expect(serial.records).toHaveLength(12);
    expect(serial.totals.crashPoints).toBeGreaterThan(0);
    expect(serial.totals.invariantChecks).toBeGreaterThan(0);
    expect(serial.complete).toBe(true);
    // known findings only: exit 0, each with a replayable example
    expect(serial.verdict.exitCode).toBe(0);
    expect(serial.verdict.knownFindings.length).toBeGreaterThan(0);
    expect(serial.failures.length).toBeGreaterThan(0);
    for (const f of serial.failures) expect(f.replay).toBe(`npx crashsim replay ${f.token}`);
    const junit = readFileSync(join(out('serial'), 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(serial.cells.length);
  });

  it('says what the runs exercised: coverage probes per cell and in all, non-trivial checks, printed and in the HTML', () => {
    const race = serial.cells.find((c) => c.cell.scenario === 'persist-prune-race');
    expect(race?.probeRuns['race/prune-past-cursor']).toBe(3);
    expect(serial.coverage.probes['race/prune-past-cursor']?.runs).toBeGreaterThanOrEqual(6);
    expect(serial.coverage.probes['crash/during-prune']?.hits ?? 0).toBeGreaterThanOrEqual(serial.coverage.probes['crash/during-prune']?.runs ?? 0);
    const i3 = serial.invariants.find((i) => i.id === 'I3');
    expect(i3 !== undefined && i3.nontrivialChecks > 0 && i3.nontrivialChecks <= i3.checks).toBe(true);
    expect(serialStdout).toMatch(/^coverage \(runs that hit each\): faults none · crash windows .* · prune past the persist cursor \d+$/m);
    const html = readFileSync(join(out('serial'), 'index.html'), 'utf8');
    expect(html).toContain('<section id="coverage">');
    expect(html).toContain('race prune-past-cursor');
  });

  it('--workers 2 gives the same summary as serial (apart from meta)', async () => {
    const r = await runInProcess([...COMMON, '--workers', '2', '--out', out('workers')]);
    expect(r.code, r.stderr).toBe(0);
    const w = readSummary(out('workers'));
    expect(w.meta.workers).toBe(2);
    expect(comparable(w)).toEqual(comparable(serial));
  }, 120_000);

  it('--shard 1/2 + --shard 2/2, merged, give the unsharded summary (apart from meta)', async () => {
    const a = await runInProcess([...COMMON, '--shard', '1/2', '--out', out('shard1')]);
    const b = await runInProcess([...COMMON, '--shard', '2/2', '--out', out('shard2')]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const s1 = readSummary(out('shard1'));
    expect(s1.complete).toBe(false);
    expect(s1.totals.runs + readSummary(out('shard2')).totals.runs).toBe(12);
    const m = await runInProcess(['merge', out('shard1'), out('shard2'), '--out', out('merged')]);
    expect(m.code, m.stderr).toBe(0);
    const merged = readSummary(out('merged'));
    expect(merged.meta.shards).toEqual({ count: 2, covered: [1, 2] });
    expect(comparable(merged)).toEqual(comparable(serial));
    // a shard merged with itself is refused
    const twice = await runInProcess(['merge', out('shard1'), out('shard1'), '--out', out('twice')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/shard 1\/2 appears twice/);
  }, 120_000);
});

describe('crashsim replay', () => {
  it('the real bin reproduces a token of the run exactly (same trace hash)', async () => {
    const f = serial.failures[0];
    if (f === undefined) throw new Error('the sweep found nothing to replay');
    const r = await spawnCli(['replay', f.token]);
    expect(r.code, r.stderr).toBe(0); // a known finding: not a new failure
    expect(r.stdout).toContain(`reproduced: trace ${decodeToken(f.token).traceHash} matches the token`);
    expect(r.stdout).toContain(`verdict: ${f.code}`);
  });

  it('replays a corpus file, and --save-failures writes entries that load', async () => {
    const f = serial.failures[serial.failures.length - 1];
    if (f === undefined) throw new Error('no failure');
    const file = join(root, 'entry.json');
    writeFileSync(file, JSON.stringify(corpusEntryOf(f)));
    const r = await runInProcess(['replay', file, '--trace']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/=== trace of incarnation 0 \(\d+ events/);
    expect(r.stdout).toContain(`reproduced: trace ${f.traceHash}`);

    const corpus = join(root, 'corpus');
    const s = await runInProcess([...COMMON, '--runs', '1', '--scenario', 'persist-prune-race', '--personality', 'ext4-weak', '--save-failures', '--corpus', corpus, '--out', out('save')]);
    expect(s.code, s.stderr).toBe(0);
    const entries = loadCorpus(corpus);
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e.entry.finding).toMatch(/^F\d+$/);
  }, 60_000);

  it('refuses a token whose trace hash no longer matches (the code changed): exit 1, says so; --force runs the plan anyway', async () => {
    const f = serial.failures[0];
    if (f === undefined) throw new Error('no failure');
    const t = decodeToken(f.token);
    const stale = encodeToken({ ...t, traceHash: 'deadbeef'.repeat(4) });
    const r = await runInProcess(['replay', stale]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^crashsim replay: diverged: the token recorded trace deadbeef.* the code changed/);
    expect(r.stdout).not.toMatch(/verdict:/);
    const forced = await runInProcess(['replay', stale, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`verdict: ${f.code}`);
  });
});

describe('crashsim run: limits', () => {
  it('a time budget stops the sweep early and the summary says it is incomplete', async () => {
    const r = await runInProcess([...COMMON, '--runs', '50', '--time-budget', '0.001', '--out', out('budget')]);
    expect(r.code, r.stderr).toBe(4); // incomplete
    const s = readSummary(out('budget'));
    expect(s.meta.stoppedByTimeBudget).toBe(true);
    expect(s.complete).toBe(false);
    expect(s.totals.runs).toBeLessThan(200);
    expect(r.stdout).toMatch(/time budget of 0.001s reached/);
  });

  it('the progress line counts runs that met a known finding, not occurrences', async () => {
    const args = COMMON.filter((a) => a !== '--no-progress');
    const r = await runInProcess([...args, '--out', out('progress')]);
    const s = readSummary(out('progress'));
    const last = r.stdout.split('\n').filter((l) => l.startsWith('runs: ')).pop();
    expect(last).toMatch(/^runs: 12\/12 runs \(100%\), new failures 0, known-finding runs \d+, /);
    const known = Number(/known-finding runs (\d+)/.exec(last ?? '')?.[1]);
    expect(known).toBe(s.totals.knownRuns);
    expect(known).toBeLessThanOrEqual(12);
    expect(s.totals.knownOccurrences).toBeGreaterThan(known); // what it used to print
    expect(r.stdout).toContain(`(in ${s.totals.knownRuns} of 12 runs, ${s.totals.knownOccurrences.toLocaleString('en-US')} occurrences)`);
  });

  it('prints SEED= first and every chosen option', async () => {
    const r = await runInProcess([...COMMON, '--runs', '1', '--scenario', 'model', '--out', out('seedline')]);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('SEED=cli-test');
    expect(lines[1]).toMatch(/^crashsim run: scenarios=model design=seed personality=ext4-weak,ordered faults=off runs=1\/cell shard=1\/1 workers=1 /);
  });

  it('tests what a team shipping merged expects by default: designs merged and hardened', async () => {
    const r = await runInProcess(['run', '--seed', 'cli-test', '--scenario', 'model', '--runs', '1', '--no-progress', '--out', out('default-designs')]);
    expect(r.stdout.split('\n')[1]).toMatch(/^crashsim run: scenarios=model design=merged,hardened personality=ext4 faults=off runs=1\/cell /);
    expect(readSummary(out('default-designs')).records.map((x) => x.cell.design)).toEqual(['merged', 'hardened']);
  });
});

describe('crashsim explore', () => {
  it('enumerates every crash point × image of the first persist iteration with exact counts', async () => {
    const r = await runInProcess(['explore', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { totals: { crashPoints: number; distinctImages: number; pass: number; fail: number }; newCodes: string[] };
    expect(rep.totals.crashPoints).toBeGreaterThan(3);
    expect(rep.totals.pass + rep.totals.fail).toBe(rep.totals.distinctImages);
    expect(rep.newCodes).toEqual([]);
    const text = await runInProcess(['explore', '--personality', 'strict-posix']);
    expect(text.stdout).toMatch(/^total: \d+ crash points, \d+ candidate images, \d+ distinct images/m);
  });
});

describe('crashsim merge: attribution is a function of the run records', () => {
  // The cell of README's merge example where attribution once depended on which
  // known-example re-runs an invocation happened to make (merged F1,F3,F5 vs F3,F5,
  // with F1 looked past 5 times but not listed as known).
  const DEMO = ['run', '--seed', 'ci-demo', '--design', 'seed', '--scenario', 'crash-restart', '--personality', 'strict-posix', '--runs', '10', '--no-progress'];

  it('merge(shard 1/2, shard 2/2) equals the unsharded run; one shard merged alone keeps its attribution', async () => {
    for (const [name, extra] of [['demo-full', []], ['demo-1', ['--shard', '1/2']], ['demo-2', ['--shard', '2/2']]] as const) {
      const r = await runInProcess([...DEMO, ...extra, '--out', out(name)]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect((await runInProcess(['merge', out('demo-1'), out('demo-2'), '--out', out('demo-merged')])).code).toBe(0);
    const full = readSummary(out('demo-full'));
    expect(comparable(readSummary(out('demo-merged')))).toEqual(comparable(full));

    expect((await runInProcess(['merge', out('demo-1'), '--out', out('demo-1-alone')])).code).toBe(4); // shard 2/2 missing
    const shard = readSummary(out('demo-1'));
    const alone = readSummary(out('demo-1-alone'));
    expect(alone.cells).toEqual(shard.cells);
    expect(alone.invariants).toEqual(shard.invariants);
    expect(alone.failures).toEqual(shard.failures);

    // every finding a cell looked past is among its known findings, and the verdict lists them all
    for (const s of [full, shard, alone]) {
      const all = new Set<string>();
      for (const c of s.cells) {
        expect(c.knownFindings, c.key).toEqual(expect.arrayContaining(Object.keys(c.acknowledgedFindings)));
        expect(Object.keys(c.knownCounts).sort()).toEqual([...c.knownFindings].sort());
        for (const f of c.knownFindings) all.add(f);
      }
      expect([...s.verdict.knownFindings].sort()).toEqual([...all].sort());
    }
  }, 120_000);
});
