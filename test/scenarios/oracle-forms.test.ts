/**
 * The design-aware forms of the oracles (spec §10): the same event judged by
 * the S form (A/B payload AppQC) and the M form (prune anchor). Each case feeds
 * the Oracle a durable disk and one event and reads the verdict.
 */
import { describe, expect, test } from 'vitest';
import { encodeAppQC, encodeCommitQC, encodePruneAnchor, encodeRaw, encodeWrapper } from '../../src/codec/index.js';
import { newEmptyInner } from '../../src/avail/inner.js';
import { mergedDesign } from '../../src/design/merged.js';
import { createNodeEnv } from '../../src/env/node-env.js';
import { blockFileName } from '../../src/persist/names.js';
import type { LaneId } from '../../src/types.js';
import { makeCommittee, plainOf } from '../../scenarios/fixtures.js';
import { Oracle, type OracleContext } from '../../scenarios/oracles/invariants.js';
import type { AbPayload } from '../../scenarios/oracles/disk.js';

const fx = makeCommittee('oracle-forms', 4);
const c2 = fx.commitQCChain(4, { blocksPerQC: 2 }); // lr(c2[i], lane).first = 2i
const lane0 = fx.lane(0);
const D = '/data';

function oracle(payload: AbPayload, files: Map<string, Uint8Array>): Oracle {
  const ctx: OracleContext = {
    durableImage: () => ({ dirs: [D], files }),
    stateDir: D,
    abPayload: payload,
    lanes: fx.lanes,
    incarnation: 0,
    step: 0,
    faultsInjected: 0,
    networkCommitQC: (i) => c2[Number(i)],
  };
  return new Oracle(ctx);
}

const anchorSlot = (i: number): Uint8Array => encodeWrapper({ seq: 1n, data: encodePruneAnchor(fx.pruneAnchor(fx.appQC(c2[i]!), c2[i]!)) });
const appQCSlot = (i: number): Uint8Array => encodeWrapper({ seq: 1n, data: encodeAppQC(fx.appQC(c2[i]!)) });
const blockPath = (lane: LaneId, n: bigint): string => `${D}/blocks/${blockFileName(lane, n)}`;

describe('I4: deletion safety', () => {
  test('M: a block file may go below lr(durable anchor, lane).first, or when its lane is not in the committee', () => {
    const o = oracle('anchor', new Map([[`${D}/avail_inner_a.pb`, anchorSlot(2)]]));
    o.beforeUnlink(blockPath(lane0, 3n));
    expect(o.violation).toBeUndefined();
    o.beforeUnlink(blockPath(fx.outsider(0).publicKey as LaneId, 99n));
    expect(o.violation).toBeUndefined();
    o.beforeUnlink(blockPath(lane0, 4n));
    expect(o.violation?.code).toBe('I4/block-delete-at-or-above-anchor');
  });

  test('M: without a durable anchor no committee block file may go', () => {
    const o = oracle('anchor', new Map());
    o.beforeUnlink(blockPath(lane0, 0n));
    expect(o.violation?.code).toBe('I4/block-delete-at-or-above-anchor');
    expect(o.violation?.message).toMatch(/durable anchor is absent/);
  });

  test('S: block-file unlinks carry no condition (spec §10 I4 seed); CommitQC files do', () => {
    const o = oracle('appQC', new Map([[`${D}/avail_inner_a.pb`, appQCSlot(2)]]));
    o.beforeUnlink(blockPath(lane0, 7n));
    expect(o.violation).toBeUndefined();
    o.beforeUnlink(`${D}/commitqcs/1.pb`);
    expect(o.violation).toBeUndefined();
    o.beforeUnlink(`${D}/commitqcs/2.pb`);
    expect(o.violation?.code).toBe('I4/delete-at-or-above-appqc');
  });

  test('M: CommitQC files below the durable anchor index only', () => {
    const o = oracle('anchor', new Map([[`${D}/avail_inner_b.pb`, anchorSlot(1)]]));
    o.beforeUnlink(`${D}/commitqcs/0.pb`);
    expect(o.violation).toBeUndefined();
    o.beforeUnlink(`${D}/commitqcs/1.pb`);
    expect(o.violation?.code).toBe('I4/delete-at-or-above-appqc');
  });
});

describe('I1: on-disk pairing', () => {
  test('M: a complete anchor needs no CommitQC file; an incomplete one is a violation', () => {
    const ok = oracle('anchor', new Map([[`${D}/avail_inner_a.pb`, anchorSlot(3)]]));
    ok.checkPairing('now');
    expect(ok.violation).toBeUndefined();
    const only = encodeRaw('PersistedAvailPruneAnchor', { appQc: plainOf('AppQC', encodeAppQC(fx.appQC(c2[1]!))) });
    const bad = oracle('anchor', new Map([[`${D}/avail_inner_a.pb`, encodeWrapper({ seq: 1n, data: only })]]));
    bad.checkPairing('now');
    expect(bad.violation?.code).toBe('I1/anchor-incomplete');
  });

  test('S: the AppQC needs its CommitQC file', () => {
    const o = oracle('appQC', new Map([[`${D}/avail_inner_a.pb`, appQCSlot(3)]]));
    o.checkPairing('now');
    expect(o.violation?.code).toBe('I1/appqc-without-commitqc');
    const p = oracle('appQC', new Map([[`${D}/avail_inner_a.pb`, appQCSlot(3)], [`${D}/commitqcs/3.pb`, encodeCommitQC(c2[3]!)]]));
    p.checkPairing('now');
    expect(p.violation).toBeUndefined();
  });
});

describe('I2: publish only durable CommitQCs', () => {
  test('M: the winning anchor\'s CommitQC counts as durable', () => {
    const o = oracle('anchor', new Map([[`${D}/avail_inner_a.pb`, anchorSlot(2)]]));
    const obs = o.observer(() => undefined);
    obs.onCommitQCPublished?.({ qc: c2[2]!, writer: 'persist' });
    expect(o.violation).toBeUndefined();
    obs.onCommitQCPublished?.({ qc: c2[3]!, writer: 'persist' });
    expect(o.violation?.code).toBe('I2/published-by-persist');
  });
});

describe('I6: capacity', () => {
  const deps = { env: createNodeEnv().env, committee: fx.committee, design: mergedDesign, observer: undefined };

  test('M: every held block below persistedBlockStart + 30', () => {
    const o = oracle('anchor', new Map());
    const inner = newEmptyInner(deps);
    const q = inner.blocks.get(lane0)!;
    q.prune(10n);
    for (const p of fx.blocks(lane0, 10, 40)) q.pushBack(p); // 30 blocks [10, 40): fine in memory …
    o.checkInnerState(inner);
    expect(o.violation?.code).toBe('I6/above-watermark'); // … but persistedBlockStart is 0
    const s = oracle('appQC', new Map());
    s.checkInnerState(inner);
    expect(s.violation).toBeUndefined(); // the seed form is in memory only
    const ok = oracle('anchor', new Map());
    inner.persistedBlockStart.set(lane0, 10n);
    ok.checkInnerState(inner);
    expect(ok.violation).toBeUndefined();
  });

  test('M: persistedBlockStart never runs ahead of the durable anchor', () => {
    const o = oracle('anchor', new Map([[`${D}/avail_inner_a.pb`, anchorSlot(1)]]));
    const inner = newEmptyInner(deps);
    for (const lane of fx.lanes) inner.persistedBlockStart.set(lane, 2n);
    const obs = o.observer(() => ({ core: { inner } }) as never);
    obs.onMark?.({ kind: 'persistedBlockStart', commitQC: c2[1]! });
    expect(o.violation).toBeUndefined();
    inner.persistedBlockStart.set(lane0, 4n);
    obs.onMark?.({ kind: 'persistedBlockStart', commitQC: c2[2]! });
    expect(o.violation?.code).toBe('I6/watermark-not-durable');
  });
});

