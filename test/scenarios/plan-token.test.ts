/** Bad input gets a clear error: plans (scenario files, tokens) and replay tokens. */
import { deflateRawSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { parsePlan, PlanError, type Plan } from '../../scenarios/plan.js';
import { decodeToken, encodeToken, TokenError } from '../../scenarios/token.js';

const plan: Plan = {
  v: 1, design: 'seed', personality: 'ext4-ordered', faults: 'off', torn: 'off', committeeSize: 4, nodeIndex: 1, seed: 's',
  schedule: { kind: 'guided', decisions: [0, 3, 0] },
  commands: [{ c: 'peerBlocks', peer: 2, count: 3 }, { c: 'run', steps: 10 }, { c: 'crash', afterFsOps: 4, image: 7 }, { c: 'fault', kind: 'fsync-fail', nth: 0 }],
  liveness: true, budgetSteps: 1000, livenessBudgetSteps: 1000,
};

describe('parsePlan', () => {
  test('round-trips a valid plan', () => {
    expect(parsePlan(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });
  const bad: Array<[string, unknown, RegExp]> = [
    ['not an object', 42, /plan: expected an object/],
    ['wrong version', { ...plan, v: 2 }, /plan\.v: this crashsim reads plan version 1/],
    ['unknown personality', { ...plan, personality: 'ntfs' }, /plan\.personality: expected one of ext4-ordered, strict-posix, ordered/],
    ['committee too small', { ...plan, committeeSize: 3 }, /plan\.committeeSize: expected an integer in \[4, 16\]/],
    ['node outside committee', { ...plan, nodeIndex: 4 }, /plan\.nodeIndex/],
    ['unknown command', { ...plan, commands: [{ c: 'explode' }] }, /plan\.commands\[0\]\.c: expected one of/],
    ['peer out of range', { ...plan, commands: [{ c: 'peerBlocks', peer: 3, count: 1 }] }, /plan\.commands\[0\]\.peer: expected an integer in \[0, 2\]/],
    ['negative steps', { ...plan, commands: [{ c: 'run', steps: -1 }] }, /plan\.commands\[0\]\.steps/],
    ['fractional count', { ...plan, commands: [{ c: 'produce', count: 1.5 }] }, /plan\.commands\[0\]\.count/],
    ['bad decision', { ...plan, schedule: { kind: 'guided', decisions: [0, -1] } }, /plan\.schedule\.decisions\[1\]/],
    ['empty seed', { ...plan, seed: '' }, /plan\.seed/],
    ['budget zero', { ...plan, budgetSteps: 0 }, /plan\.budgetSteps/],
  ];
  for (const [what, value, message] of bad) {
    test(`refuses ${what} with a message naming the field`, () => {
      expect(() => parsePlan(value)).toThrow(PlanError);
      expect(() => parsePlan(value)).toThrow(message);
    });
  }
});

describe('replay tokens', () => {
  const token = encodeToken({ plan, decisions: [[1, 2, 2], [3]], traceHash: '0123456789abcdef', verdict: 'pass', acknowledged: ['F1'] });
  test('round-trip', () => {
    expect(token.startsWith('cs1.')).toBe(true);
    const t = decodeToken(`  ${token}\n`);
    expect(t.plan).toEqual(plan);
    expect(t.decisions).toEqual([[1, 2, 2], [3]]);
    expect(t.acknowledged).toEqual(['F1']);
  });
  const raw = (o: unknown): string => 'cs1.' + deflateRawSync(Buffer.from(JSON.stringify(o))).toString('base64url');
  const bad: Array<[string, string, RegExp]> = [
    ['no prefix', 'hello', /must start with "cs1\."/],
    ['non-base64url characters', 'cs1.ab$cd', /outside base64url/],
    ['truncated', token.slice(0, Math.floor(token.length / 2)), /damaged|invalid plan/],
    ['not deflate', 'cs1.AAAA', /does not decompress/],
    ['future version', raw({ v: 9 }), /version 9 is not supported/],
    ['invalid plan inside', raw({ v: 1, plan: { ...plan, committeeSize: 99 }, decisions: [], traceHash: 'aaaaaaaa', verdict: 'pass' }), /invalid plan: plan\.committeeSize/],
    ['bad decisions', raw({ v: 1, plan, decisions: [[0]], traceHash: 'aaaaaaaa', verdict: 'pass' }), /decisions must be lists of task ids/],
    ['bad hash', raw({ v: 1, plan, decisions: [], traceHash: 'xyz', verdict: 'pass' }), /bad trace hash/],
  ];
  for (const [what, text, message] of bad) {
    test(`refuses a token with ${what}`, () => {
      expect(() => decodeToken(text)).toThrow(TokenError);
      expect(() => decodeToken(text)).toThrow(message);
    });
  }
});
