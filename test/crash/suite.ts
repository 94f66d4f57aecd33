/**
 * The crash-consistency suite over one disk personality: every named scenario
 * for design seed, design merged and the hardened variant, known findings looked
 * past (so runs go deeper) and reported, anything new a test failure that prints
 * its replay command. The hardened variant has no known findings at all: any
 * failure of it is new.
 *
 *   CRASHSIM_RUNS=<n>   runs per scenario for seed (default 40); merged and hardened
 *                       get half as many each (default 20; their runs take about half
 *                       the CPU time of seed's, so the two add about half of seed's time)
 *   CRASHSIM_SEED=<s>   root seed (default "ci"); any string
 *   CRASHSIM_SCENARIO=<id,…>  only these scenarios
 *
 * Coverage: each named scenario declares probes that must fire in at least one of
 * its runs ("sometimes" assertions, NamedScenario.sometimes); with at least
 * PROBE_RUNS_MIN runs per scenario, a probe that never fires fails the suite.
 * Each file writes reports/crash-suite/<personality>.md and .json: per scenario and
 * fault mode, runs, crash points, crash images, checks per invariant, findings.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { runCampaign, type CampaignResult, type CellResult } from '../../scenarios/campaign.js';
import { NAMED_SCENARIOS } from '../../scenarios/named.js';
import { INVARIANTS, type InvariantId } from '../../scenarios/oracles/invariants.js';
import { silentProbes } from '../../scenarios/probes.js';
import type { Personality } from '../../sim/vfs/model.js';

export const RUNS_PER_SCENARIO = Number(process.env.CRASHSIM_RUNS ?? 40);
/** merged and hardened: half of seed's runs, at least one */
export const RUNS_PER_SCENARIO_OTHER = Math.max(1, Math.ceil(RUNS_PER_SCENARIO / 2));
export const ROOT_SEED = process.env.CRASHSIM_SEED ?? 'ci';
/** Fewer runs than this per scenario and a silent probe is reported, not a failure (it may just be rare). */
export const PROBE_RUNS_MIN = 20;

function scenarioIds(): string[] {
  const only = process.env.CRASHSIM_SCENARIO;
  return only === undefined || only === '' ? NAMED_SCENARIOS.map((s) => s.id) : only.split(',');
}

function table(design: string, personality: Personality, runs: number, r: CampaignResult): string {
  const ids = Object.keys(INVARIANTS) as InvariantId[];
  const lines = [
    `# Crash suite, design ${design}, personality ${personality}`,
    '',
    `root seed \`${ROOT_SEED}\`, ${runs} runs per scenario; known findings are looked past and counted.`,
    '',
    '| scenario | faults | runs | passed | crash points | crash images | fs ops | scripted faults fired/armed (runs none fired) | known findings seen | new failures | invariants checked (checks) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of r.cells) {
    const checks = ids.filter((id) => (c.checks[id] ?? 0) > 0).map((id) => `${id} ${c.checks[id]}`).join(', ');
    const known = Object.entries(c.acknowledged).map(([k, v]) => `${k} ×${v}`).join('<br>') || '—';
    const fails = Object.entries(c.failures).map(([k, v]) => `${k} ×${v}`).join('<br>') || '—';
    const scripted = c.scriptedFaultsArmed === 0 ? '—' : `${c.scriptedFaultsFired}/${c.scriptedFaultsArmed} (${c.runsWithoutFiredFault})`;
    lines.push(`| ${c.cell.scenario} | ${c.cell.faults} | ${c.runs} | ${c.passed} | ${c.crashes} | ${c.crashImages} | ${c.fsOps} | ${scripted} | ${known} | ${fails} | ${checks} |`);
  }
  const brokenHere = (id: InvariantId): boolean => r.cells.some((c: CellResult) => [...Object.keys(c.failures), ...Object.keys(c.acknowledged)].some((k) => k.startsWith(`${id}/`)));
  const checked = (id: InvariantId): boolean => r.cells.some((c: CellResult) => (c.checks[id] ?? 0) > 0);
  lines.push('', `Held (checked, never broken): ${ids.filter((id) => checked(id) && !brokenHere(id)).join(', ') || 'none'}.`);
  lines.push(`Broken (known findings): ${ids.filter(brokenHere).join(', ') || 'none'}.`);
  lines.push(`Not exercised here: ${ids.filter((id) => !checked(id) && !brokenHere(id)).join(', ') || 'none'}.`);
  lines.push('', ...coverageTable(r));
  return lines.join('\n') + '\n';
}

/** Coverage probes per scenario: runs in which each fired; the probes a scenario promises are marked, a silent one in bold. */
function coverageTable(r: CampaignResult): string[] {
  const names = [...new Set(r.cells.flatMap((c) => [...Object.keys(c.probeRuns), ...(NAMED_SCENARIOS.find((s) => s.id === c.cell.scenario)?.sometimes ?? [])]))].sort();
  const lines = [
    '## Coverage probes',
    '',
    'Runs in which each probe fired at least once (scenarios/probes.ts); `*` marks a probe the scenario promises (a "sometimes" assertion), **0\\*** one that never fired. "Non-trivial": invariant checks on a state with something to compare, of all checks.',
    '',
    `| scenario | runs | ${names.join(' | ')} | non-trivial checks |`,
    `|---|---|${names.map(() => '---').join('|')}|---|`,
  ];
  for (const c of r.cells) {
    const promised = new Set(NAMED_SCENARIOS.find((s) => s.id === c.cell.scenario)?.sometimes ?? []);
    const cells = names.map((n) => {
      const runs = c.probeRuns[n] ?? 0;
      return promised.has(n) ? (runs === 0 ? '**0\\***' : `${runs}\\*`) : String(runs);
    });
    const checks = Object.values(c.checks).reduce((a, v) => a + (v ?? 0), 0);
    const nontrivial = Object.values(c.nontrivialChecks).reduce((a, v) => a + (v ?? 0), 0);
    lines.push(`| ${c.cell.scenario} | ${c.runs} | ${cells.join(' | ')} | ${nontrivial} of ${checks} |`);
  }
  return lines;
}

/** The suite's designs: the faithful ones and the hardened variant, with their runs per scenario. */
export const SUITE_DESIGNS: readonly { readonly design: string; readonly runs: number }[] = [
  { design: 'seed', runs: RUNS_PER_SCENARIO },
  { design: 'merged', runs: RUNS_PER_SCENARIO_OTHER },
  { design: 'hardened', runs: RUNS_PER_SCENARIO_OTHER },
];

export function crashSuite(personality: Personality): void {
  for (const { design, runs } of SUITE_DESIGNS) {
    test(`crash suite: design ${design} on ${personality}, ${runs} runs × ${scenarioIds().length} scenarios, no new failures`, async () => {
      const cells = scenarioIds().map((scenario) => ({ scenario, design, personality, faults: NAMED_SCENARIOS.find((s) => s.id === scenario)?.world.faults ?? ('off' as const) }));
      const r = await runCampaign({ cells, runsPerCell: runs, rootSeed: ROOT_SEED });
      const name = design === 'seed' ? personality : `${design}-${personality}`;
      mkdirSync('reports/crash-suite', { recursive: true });
      writeFileSync(`reports/crash-suite/${name}.md`, table(design, personality, runs, r));
      writeFileSync(`reports/crash-suite/${name}.json`, JSON.stringify({ schemaVersion: 1, design, personality, rootSeed: ROOT_SEED, runsPerScenario: runs, cells: r.cells }, null, 2) + '\n');
      const news = r.failures.filter((f) => f.finding === undefined);
      writeFileSync(`reports/crash-suite/${name}-failures.json`, JSON.stringify({ schemaVersion: 1, failures: r.failures }, null, 2) + '\n');
      const report = news.map((f) => `\n${f.cell}: ${f.code}\n  ${f.message}\n  replay: ${f.replay}`).join('\n');
      expect(r.newFailures, `new failures (not known findings):${report}`).toBe(0);
      expect(r.runs).toBe(cells.length * runs);
      // The hardened variant acknowledges nothing: a failure of it can only be new (checked above), never known.
      if (design === 'hardened') expect(r.failures.map((f) => f.cell)).toEqual([]);
      // Coverage probes are asserted on seed's larger sample (the scenarios promise them for any design).
      if (design === 'seed' && runs >= PROBE_RUNS_MIN) {
        const silent = silentProbes(r.cells, (id) => NAMED_SCENARIOS.find((s) => s.id === id)?.sometimes ?? []);
        expect(silent, `probes that never fired in ${runs} runs (the scenario tests less than it says; reports/crash-suite/${name}.md)`).toEqual([]);
      }
    }, 900_000);
  }
}
