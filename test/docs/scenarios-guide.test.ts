/**
 * docs/scenarios.md's worked examples are real: the named scenario it shows is
 * compiled as step 1 and 2 say and its plans run through the executor `crashsim
 * run` uses; the plan file it shows is the committed one, and `crashsim explore`
 * on it prints what the guide shows (npm run readme regenerates that block).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WORLD } from '../../scenarios/arbitraries.js';
import { findingIdsOf } from '../../scenarios/findings.js';
import type { NamedScenario } from '../../scenarios/named.js';
import { parsePlan } from '../../scenarios/plan.js';
import { planFor, runSeed, scenarioWorld } from '../../scenarios/sweep.js';
import { presentLine } from '../../scripts/readme.mjs';
import { REPO, runInProcess } from '../cli/helpers.js';

const guide = readFileSync(join(REPO, 'docs/scenarios.md'), 'utf8');

function block(marker: string): string {
  const m = new RegExp(`<!-- ${marker} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /`).exec(guide);
  if (m?.[1] === undefined) throw new Error(`docs/scenarios.md has no block after <!-- ${marker} -->`);
  return m[1];
}

describe('docs/scenarios.md: the named-scenario example', () => {
  it('compiles where the guide puts it and its plans run: blocks, a fast-forward, a targeted power loss', async () => {
    // The guide's two blocks, in a module that sees what scenarios/named.ts sees
    // (reports/tmp/ is not committed; it resolves fast-check and the repo's modules).
    const dir = join(REPO, 'reports/tmp/docs-test');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `scenario-example-${process.pid}.ts`);
    const entry = block('scenario-example:entry').trim().replace(/,$/, '');
    writeFileSync(
      file,
      [
        "import fc from 'fast-check';",
        "import type { WorldSpec } from '../../../scenarios/arbitraries.js';",
        "import type { Command } from '../../../scenarios/plan.js';",
        "import { cmd, peerIdx, rounds, type NamedScenario } from '../../../scenarios/named.js';",
        block('scenario-example:round'),
        `export const scenario: NamedScenario = ${entry};`,
      ].join('\n'),
    );
    const { scenario } = (await import(file)) as { scenario: NamedScenario };
    expect(scenario.id).toBe('crash-after-fast-forward');
    const world = scenarioWorld(scenario, { ...DEFAULT_WORLD, personality: 'ext4' });
    let crashes = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const plan = parsePlan(JSON.parse(JSON.stringify(planFor(scenario, world, seed))));
      expect(plan.commands.some((c) => c.c === 'appQC')).toBe(true);
      expect(plan.commands.some((c) => c.c === 'crash' && c.only?.primitive === 'fsync')).toBe(true);
      const out = await runSeed(scenario, world, seed, { exec: { acknowledgeFindings: findingIdsOf('seed') } });
      // known findings looked past: nothing new breaks, and the power losses happen
      expect(out.result.violation?.code, JSON.stringify(out.result.violation)).toBeUndefined();
      crashes += out.result.stats.crashes;
    }
    expect(crashes).toBeGreaterThan(0);
  }, 60_000);
});

describe('docs/scenarios.md: the plan-file example', () => {
  it('shows the committed plan file, which parses', () => {
    const committed = readFileSync(join(REPO, 'docs/examples/commitqc-write.plan.json'), 'utf8');
    const shown = /## A plan file, worked[\s\S]*?```json\n([\s\S]*?)\n```/.exec(guide)?.[1];
    expect(shown).toBeDefined();
    expect(JSON.parse(shown ?? '')).toEqual(JSON.parse(committed));
    expect(parsePlan(JSON.parse(committed)).commands).toHaveLength(5);
  });

  it('crashsim explore on it prints what the guide shows (timings aside)', async () => {
    const shown = block('example:explore-plan').split('\n');
    const command = (shown[0] ?? '').replace(/^\$ npx crashsim /, '').split(' ');
    const r = await runInProcess(command);
    const seconds = (s: string): string => s.replace(/\(\d+\.\d s\)/g, '(… s)');
    expect(seconds([...r.stdout.split('\n').map(presentLine), `exit ${r.code}`].join('\n')), 'run npm run readme -- explore-plan').toBe(seconds(shown.slice(1).join('\n')));
    expect(r.stdout).toMatch(/known findings: F3 /);
  });
});
