/** Bad input gets a clear error: plans (scenario files, tokens) and replay tokens. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { parsePlan, PlanError, type Plan } from '../../scenarios/plan.js';
import { decodeToken, encodeToken, TOKEN_CHECK_CHARS, TokenError } from '../../scenarios/token.js';

const plan: Plan = {
  v: 1, design: 'seed', personality: 'ext4-weak', faults: 'off', torn: 'off', committeeSize: 4, nodeIndex: 1, seed: 's',
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
    ['unknown personality', { ...plan, personality: 'ntfs' }, /plan\.personality: expected one of ext4, ext4-weak, strict-posix, ordered/],
    ['a renamed personality', { ...plan, personality: 'ext4-ordered' }, /plan\.personality: 'ext4-ordered' was renamed 'ext4-weak'/],
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
    expect(token).toMatch(/^cs2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{11}$/);
    const t = decodeToken(`  ${token}\n`);
    expect(t.plan).toEqual(plan);
    expect(t.decisions).toEqual([[1, 2, 2], [3]]);
    expect(t.acknowledged).toEqual(['F1']);
  });
  // A payload with a valid checksum: what reaches the checks behind the checksum.
  const signed = (payload: string): string => {
    const head = `cs2.${payload}`;
    return `${head}.${createHash('sha256').update(head).digest('base64url').slice(0, TOKEN_CHECK_CHARS)}`;
  };
  const raw = (o: unknown): string => signed(deflateRawSync(Buffer.from(JSON.stringify(o))).toString('base64url'));
  const v1 = 'cs1.' + deflateRawSync(Buffer.from(JSON.stringify({ v: 1, plan, decisions: [], traceHash: 'aaaaaaaa', verdict: 'pass' }))).toString('base64url');
  const bad: Array<[string, string, RegExp]> = [
    ['no prefix', 'hello', /must start with "cs2\."/],
    ['a version 1 token (no checksum)', v1, /version 1 replay token \("cs1\."\), which has no checksum.*re-run the command that printed it/],
    ['a version from the future', token.replace(/^cs2\./, 'cs7.'), /token version 7 \("cs7\."\) is not supported/],
    ['non-base64url characters', 'cs2.ab$cd.AAAAAAAAAAA', /outside base64url/],
    ['no checksum', token.slice(0, token.lastIndexOf('.')), /expected cs2\.<payload>\.<checksum>/],
    ['truncated', token.slice(0, Math.floor(token.length / 2)), /damaged/],
    ['a wrong checksum', token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), /checksum does not match/],
    ['not deflate (checksum valid)', signed('AAAA'), /checksum matches but it does not decompress/],
    ['future payload version', raw({ v: 9 }), /payload version 9 is not supported/],
    ['invalid plan inside', raw({ v: 2, plan: { ...plan, committeeSize: 99 }, decisions: [], traceHash: 'aaaaaaaa', verdict: 'pass' }), /invalid plan: plan\.committeeSize/],
    ['bad decisions', raw({ v: 2, plan, decisions: [[0]], traceHash: 'aaaaaaaa', verdict: 'pass' }), /decisions must be lists of task ids/],
    ['bad hash', raw({ v: 2, plan, decisions: [], traceHash: 'xyz', verdict: 'pass' }), /bad trace hash/],
  ];
  for (const [what, text, message] of bad) {
    test(`refuses a token with ${what}`, () => {
      expect(() => decodeToken(text)).toThrow(TokenError);
      expect(() => decodeToken(text)).toThrow(message);
    });
  }
});

describe('replay token checksum', () => {
  test('whitespace a terminal inserted (a wrapped line) is ignored', () => {
    const t = encodeToken({ plan, decisions: [[1]], traceHash: '0123456789abcdef', verdict: 'pass', acknowledged: [] });
    const wrapped = `${t.slice(0, 40)}\n  ${t.slice(40, 90)}\r\n${t.slice(90)}`;
    expect(decodeToken(wrapped)).toEqual(decodeToken(t));
  });

  // Every single-character edit of a real recorded token: each substitution by every
  // character of the token alphabet, each deletion, each insertion, each swap of two
  // neighbours. Not one may decode (version 1 tokens decoded after ~5% of such edits).
  test('every single-character edit of a real token is refused as damaged, N of N', () => {
    const recorded = (JSON.parse(readFileSync('reports/findings.json', 'utf8')) as { findings: Array<{ id: string; token: string }> }).findings;
    const real = (recorded.find((f) => f.id === 'F1') ?? recorded[0])?.token;
    if (real === undefined) throw new Error('reports/findings.json holds no token');
    expect(decodeToken(real).plan.design).toBe('seed');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    let edits = 0;
    let caught = 0;
    const decoded: string[] = [];
    const attempt = (edited: string): void => {
      if (edited === real) return; // swapping two equal characters changes nothing
      edits++;
      try {
        decodeToken(edited);
        decoded.push(edited);
      } catch (e) {
        if (e instanceof TokenError) caught++;
        else throw e;
      }
    };
    for (let i = 0; i <= real.length; i++) {
      const before = real.slice(0, i);
      const at = real.slice(i);
      for (const ch of alphabet) attempt(before + ch + at); // insertion
      if (i === real.length) break;
      const after = real.slice(i + 1);
      attempt(before + after); // deletion
      for (const ch of alphabet) if (ch !== real[i]) attempt(before + ch + after); // substitution
      if (i + 1 < real.length) attempt(before + (real[i + 1] as string) + (real[i] as string) + real.slice(i + 2)); // transposition
    }
    expect(decoded.slice(0, 3)).toEqual([]);
    expect(caught).toBe(edits);
    // the figure the README quotes: every edit of a token of this length
    expect(edits).toBeGreaterThan(real.length * 2 * alphabet.length - 10 * real.length);
  });
});
