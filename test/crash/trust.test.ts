/**
 * The oracles for what recovery trusts, on crash images the harness generates
 * itself: a CommitQC file torn between its signatures (torn mode `field`) and a
 * block file bit-flipped on read (a scripted read corruption) are restored by
 * both faithful designs, and X3/X4 catch them; hardened, which verifies on load,
 * holds. In seed they are the recorded finding F16 (a torn file that still
 * parses) and F14's mechanism (a corrupted read that still decodes), each
 * recognised by its evidence; the restart form of I3 lists every lost voted
 * block and whether the disk still held an intact file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { runOne, type CellSpec } from '../../scenarios/campaign.js';
import { Execution, executePlan, initialVfs } from '../../scenarios/execute.js';
import { findingById, findingIdsOf, recognise, type EvidenceInput } from '../../scenarios/findings.js';
import { Forensics } from '../../scenarios/forensics.js';
import { allBut } from '../../scenarios/locate.js';
import type { Plan } from '../../scenarios/plan.js';
import { decodeToken } from '../../scenarios/token.js';

interface Recorded {
  readonly id: string;
  readonly code: string;
  readonly token: string;
}

const recorded: Recorded[] = JSON.parse(readFileSync(new URL('../../reports/findings.json', import.meta.url), 'utf8')).findings;

async function replay(id: string) {
  const r = recorded.find((x) => x.id === id);
  if (r === undefined) throw new Error(`reports/findings.json has no ${id}`);
  const t = decodeToken(r.token);
  return executePlan(t.plan, { replayDecisions: t.decisions, acknowledgeFindings: t.acknowledged });
}

describe('what recovery trusts (X3, X4), on generated crash images', () => {
  test('F16: a CommitQC file torn between its signatures is restored and published under quorum', async () => {
    const r = await replay('F16');
    expect(r.violation?.code).toBe('X3/restored-commitqc-under-quorum');
    expect(r.violation?.message).toMatch(/CommitQC \d+ \(published as latestCommitQC\): \d valid signature\(s\) from distinct members, quorum 3/);
    expect(r.violation?.known.map((k) => k.id)).toEqual(['F16']);
    expect(r.plan.torn).toBe('field');
    expect(r.timeline.some((e) => e.kind === 'crash' && /torn #\d+ write \/data\/commitqcs\//.test(e.image))).toBe(true);
  });

  test('F14: a block file that bit-flipped on read is restored as persisted (X4, within 20 read-corruption runs)', async () => {
    let found: { code: string; known: string[] } | undefined;
    for (let i = 0; i < 20 && found === undefined; i++) {
      const { result } = await runOne({ scenario: 'read-corruption', design: 'seed', personality: 'ext4', faults: 'off' }, i, 'trust', { acknowledgeFindings: allBut(findingById('F14')) });
      const v = result.violation;
      if (v?.code === 'X4/restored-block-payload-hash') found = { code: v.code, known: v.known.map((k) => k.id) };
    }
    expect(found?.known).toEqual(['F14']);
  }, 60_000);

  test('F18: a torn A/B write that kept only its seq wins the load decision without payload', async () => {
    const r = await replay('F18');
    expect(r.violation?.code).toBe('I8/appqc-lost-by-crash');
    expect(r.violation?.known.map((k) => k.id)).toEqual(['F18']);
    expect(r.timeline.some((e) => e.kind === 'crash' && /torn #\d+ write \/data\/avail_inner_[ab]\.pb/.test(e.image))).toBe(true);
  });

  test('design merged trusts a corrupt read too', async () => {
    const read = await runOne({ scenario: 'read-corruption', design: 'merged', personality: 'ordered', faults: 'off' }, 0, 'merged-trust', { acknowledgeFindings: [] });
    expect(read.result.violation?.code).toMatch(/^X[34]\/restored-/);
  }, 60_000);

  test('design hardened (verifies what it loads) holds X3 and X4 where seed and merged break them; a file it refuses is damage', async () => {
    let damaged = 0;
    for (const scenario of ['torn-parseable', 'read-corruption']) {
      for (let i = 0; i < 6; i++) {
        const { result, record } = await runOne({ scenario, design: 'hardened', personality: 'ordered', faults: 'off' }, i, 'merged-trust', { acknowledgeFindings: [] });
        expect(result.violation?.code ?? 'pass', `${scenario} run ${i}`).toBe('pass');
        damaged += Object.values(record.unsurvivable ?? {}).reduce((a, n) => a + n, 0);
      }
    }
    expect(damaged).toBeGreaterThan(0);
  }, 60_000);
});

describe('the restart form of I3 lists every voted block lost', () => {
  test('F7: a corrupt read truncates the lane; the blocks past the gap still had intact files', async () => {
    const r = await replay('F7');
    expect(r.violation?.code).toBe('I3/voted-block-lost-by-crash');
    expect(r.violation?.details[0]).toMatch(/^\d+ voted block\(s\) lost; the disk the node restarted from held an intact file of [1-9]\d*:$/);
    expect(r.violation?.details.some((d) => d.endsWith('its file was intact'))).toBe(true);
  });

  test('F9: the files of the lost blocks had been deleted', async () => {
    const r = await replay('F9');
    expect(r.violation?.code).toBe('I3/voted-block-lost-by-crash');
    const lines = r.violation?.details.slice(1) ?? [];
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((d) => d.endsWith('its file was not there'))).toBe(true);
  });
});

/**
 * Runs `plan` looking past every finding of seed; the evidence inputs the
 * classifier saw for the violations whose code matches `code`, in order.
 */
async function evidenceOfAll(plan: Plan, code: RegExp): Promise<EvidenceInput[]> {
  const x = new Execution(plan, { acknowledgeFindings: findingIdsOf('seed') });
  const inputs: EvidenceInput[] = [];
  const classify = x.oracle.classify;
  x.oracle.classify = (v) => {
    if (code.test(v.code)) inputs.push(x.evidenceInput(v));
    return classify === undefined ? [] : classify(v);
  };
  x.startIncarnation(initialVfs(plan), undefined);
  for (const [i, c] of plan.commands.entries()) {
    if (x.over) break;
    await x.command(c, i);
  }
  if (plan.liveness && !x.over) await x.liveness();
  x.finish();
  return inputs;
}

async function evidenceFor(plan: Plan, code: RegExp): Promise<EvidenceInput | undefined> {
  return (await evidenceOfAll(plan, code))[0];
}

/** The same violation with no forensic record and no history: no rule holds (NEW). */
function blank(input: EvidenceInput): EvidenceInput {
  return { ...input, forensics: new Forensics(), publications: [], emptyBatchesInARow: 0, state: () => undefined };
}

const e14 = (i: EvidenceInput): boolean => recognise('seed', i).some((k) => k.id === 'F14');

const readCorruption: CellSpec = { scenario: 'read-corruption', design: 'seed', personality: 'ext4', faults: 'off' };

describe('X3/X4 and their consequences are recognised by evidence, not by code', () => {
  test('F14 on X4: the restored block was read back corrupted at this startup; without that record it is NEW', async () => {
    const { result } = await runOne(readCorruption, 0, 'readme', { acknowledgeFindings: allBut(findingById('F14')) });
    expect(result.violation?.code).toMatch(/^X4\/restored-block-/);
    const input = await evidenceFor(result.plan, /^X4\/restored-block-/);
    expect(findingById('F14').evidence(input as EvidenceInput)).toMatch(/returned corrupted bytes .* that still decode: the loader, which checks no signature, quorum or payload hash, restored it/);
    expect(recognise('seed', blank(input as EvidenceInput))).toEqual([]);
  }, 60_000);

  test('F14 on X3: an AppQC loaded from a corrupted read and written back by the A/B persister is recognised at a later startup', async () => {
    // read-corruption run 169 (root seed readme, ext4): the flipped AppQC is loaded in incarnation 1 and written back; incarnation 4 loads it from an unflipped file.
    const { result } = await runOne(readCorruption, 169, 'readme');
    const inputs = await evidenceOfAll(result.plan, /^X3\/restored-appqc-/);
    const later = inputs.find((i) => /wrote it to avail_inner_[ab]\.pb at .*, which the startup of incarnation \d+ loaded again/.test(findingById('F14').evidence(i) ?? ''));
    expect(later, 'read-corruption run 169 (readme) no longer restores a written-back bad AppQC: pick another run').toBeDefined();
    expect(e14(later as EvidenceInput)).toBe(true);
    expect(recognise('seed', blank(later as EvidenceInput))).toEqual([]);
  }, 60_000);

  test('F14 on LIVENESS: a corrupted block header that still decodes forks the lane (deadlock); without that record it is NEW', async () => {
    // read-corruption run 221 (root seed readme, ext4) was NEW (LIVENESS/deadlock) before F14 covered it.
    const { result, record } = await runOne(readCorruption, 221, 'readme');
    expect(record.acknowledged['LIVENESS/deadlock'], 'read-corruption run 221 (readme) no longer deadlocks: pick another run').toBeGreaterThan(0);
    const input = await evidenceFor(result.plan, /^LIVENESS\//);
    expect(findingById('F14').evidence(input as EvidenceInput)).toMatch(/chain forks at \d+: the producer's block \d+, whose parent is the true block \d+, is rejected as an equivocation/);
    expect(recognise('seed', blank(input as EvidenceInput))).toEqual([]);
  }, 60_000);

  test('a restart that stops on a file that read back corrupted is damage, not a failure (read-corruption run 100: decode persisted AppQC)', async () => {
    const { record } = await runOne(readCorruption, 100, 'readme', { acknowledgeFindings: [] });
    expect(record.failure?.code ?? 'pass').not.toMatch(/^I5\/error:decode persisted AppQC/);
    expect(Object.keys(record.unsurvivable ?? {})).toContain('I5/restart-needs-unreadable-file');
  }, 60_000);
});
