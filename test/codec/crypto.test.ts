/**
 * Ed25519ctx signatures (spec §1.4), key derivation, the bounded memo, and the
 * committee (§1.7).
 */
import { createHash } from 'node:crypto';
import { ed25519, ed25519ctx } from '@noble/curves/ed25519.js';
import { describe, expect, test } from 'vitest';
import { Committee } from '../../src/committee.js';
import {
  cryptoMemoStats,
  deriveSecretKey,
  resetCryptoMemo,
  secretKeyFromBytes,
  sign,
  SIGNATURE_CONTEXT,
  verifySignature,
} from '../../src/crypto.js';
import type { PublicKeyHex } from '../../src/types.js';
import { hex } from './helpers.js';

const msgHash = createHash('sha256').update('a message').digest();
const key = deriveSecretKey('crypto-test', 0);

describe('Ed25519ctx with context sei_giga_autobahn', () => {
  test('sign then verify succeeds; signatures are deterministic and 64 bytes', () => {
    const sig = sign(key, msgHash);
    expect(sig).toHaveLength(64);
    expect(verifySignature(key.publicKey, msgHash, sig)).toBe(true);
    expect(hex(sign(deriveSecretKey('crypto-test', 0), msgHash))).toBe(hex(sig));
  });

  test('the signature is the RFC 8032 Ed25519ctx one (independent noble call)', () => {
    const ctx = new TextEncoder().encode('sei_giga_autobahn');
    expect(SIGNATURE_CONTEXT).toBe('sei_giga_autobahn');
    expect(hex(sign(key, msgHash))).toBe(hex(ed25519ctx.sign(msgHash, key.secret, { context: ctx })));
  });

  test('a signature under another context, plain Ed25519, another key or another message fails', () => {
    const otherCtx = ed25519ctx.sign(msgHash, key.secret, { context: new TextEncoder().encode('sei_giga_autobahm') });
    expect(verifySignature(key.publicKey, msgHash, otherCtx)).toBe(false);
    const plain = ed25519.sign(msgHash, key.secret);
    expect(verifySignature(key.publicKey, msgHash, plain)).toBe(false);
    const sig = sign(key, msgHash);
    expect(verifySignature(deriveSecretKey('crypto-test', 1).publicKey, msgHash, sig)).toBe(false);
    const otherMsg = createHash('sha256').update('another').digest();
    expect(verifySignature(key.publicKey, otherMsg, sig)).toBe(false);
    const flipped = new Uint8Array(sig);
    flipped[10] = (flipped[10] as number) ^ 1;
    expect(verifySignature(key.publicKey, msgHash, flipped)).toBe(false);
  });

  test('malformed inputs verify as false, never throw', () => {
    const sig = sign(key, msgHash);
    expect(verifySignature(key.publicKey, msgHash, sig.subarray(0, 63))).toBe(false);
    expect(verifySignature('00' as PublicKeyHex, msgHash, sig)).toBe(false);
    expect(verifySignature('zz'.repeat(32) as PublicKeyHex, msgHash, sig)).toBe(false);
    expect(verifySignature('ff'.repeat(32) as PublicKeyHex, msgHash, sig)).toBe(false); // not a curve point
    expect(verifySignature(key.publicKey, msgHash, new Uint8Array(64).fill(0xff))).toBe(false);
  });

  test('ZIP-215: a small-order public key with the identity-R signature verifies (RFC 8032 strict would reject)', () => {
    // A = identity point (small order), R = identity, s = 0: valid under the cofactored
    // ZIP-215 equation [8][s]B = [8]R + [8][k]A for every message.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const sig = new Uint8Array(64);
    sig.set(identity, 0);
    expect(verifySignature(hex(identity) as PublicKeyHex, msgHash, sig)).toBe(true);
  });

  test('keys derive deterministically from (seed, index) as SHA-256(crashsim-key/<seed>/<i>)', () => {
    const k = deriveSecretKey('s', 3);
    expect(hex(k.secret)).toBe(createHash('sha256').update('crashsim-key/s/3').digest('hex'));
    expect(k.publicKey).toBe(hex(ed25519ctx.getPublicKey(k.secret)));
    expect(deriveSecretKey('s', 3).publicKey).toBe(k.publicKey);
    expect(deriveSecretKey('s', 4).publicKey).not.toBe(k.publicKey);
    expect(() => deriveSecretKey('s', -1)).toThrow(/non-negative/);
    expect(() => secretKeyFromBytes(new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => sign(key, new Uint8Array(31))).toThrow(/32 bytes/);
  });

  test('a signature entered by signing does not vouch for an altered one, another message or another key', () => {
    resetCryptoMemo();
    const h = createHash('sha256').update('entered').digest();
    const sig = sign(key, h);
    const altered = sig.slice();
    altered[5] = (altered[5] as number) ^ 1;
    const other = createHash('sha256').update('other').digest();
    expect(verifySignature(key.publicKey, h, sig)).toBe(true);
    expect(verifySignature(key.publicKey, h, altered)).toBe(false);
    expect(verifySignature(key.publicKey, other, sig)).toBe(false);
    expect(verifySignature(deriveSecretKey('s', 9).publicKey, h, sig)).toBe(false);
    expect(cryptoMemoStats()).toMatchObject({ verifyHits: 1, verifyMisses: 3 });
  });

  test('the memo answers repeats without recomputing (hit effect measured, not asserted)', () => {
    resetCryptoMemo();
    const hashes = Array.from({ length: 20 }, (_, i) => createHash('sha256').update(`m${i}`).digest());
    const t0 = performance.now();
    const sigs = hashes.map((h) => sign(key, h));
    for (let i = 0; i < hashes.length; i++) expect(verifySignature(key.publicKey, hashes[i]!, sigs[i]!)).toBe(true);
    const cold = performance.now() - t0;
    const t1 = performance.now();
    for (let i = 0; i < hashes.length; i++) {
      sign(key, hashes[i]!);
      verifySignature(key.publicKey, hashes[i]!, sigs[i]!);
    }
    const warm = performance.now() - t1;
    // signing enters its own signatures as valid: no verification of them is ever computed
    expect(cryptoMemoStats()).toMatchObject({ signMisses: 20, signHits: 20, verifyMisses: 0, verifyHits: 40, signEntries: 20, verifyEntries: 20 });
    // Measured on the 2-core CI VM: cold ≈ 55 ms (≈ 2.7 ms per sign+verify pair), warm ≈ 0.2 ms (≈ 6 µs per hit).
    console.info(`crypto memo: 20 sign+verify pairs cold ${cold.toFixed(1)} ms, warm ${warm.toFixed(2)} ms`);
  });
});

describe('committee', () => {
  const keys = [0, 1, 2, 3, 4, 5, 6].map((i) => deriveSecretKey('committee-test', i).publicKey);

  test('f and quorums for N = 1, 3, 4, 7', () => {
    const q = (n: number) => {
      const c = new Committee(keys.slice(0, n));
      return [c.size, c.faulty, c.commitQuorum, c.appQuorum, c.prepareQuorum, c.timeoutQuorum, c.laneQuorum];
    };
    expect(q(1)).toEqual([1, 0, 1, 1, 1, 1, 1]);
    expect(q(3)).toEqual([3, 0, 3, 3, 3, 3, 1]);
    expect(q(4)).toEqual([4, 1, 3, 3, 3, 3, 2]);
    expect(q(7)).toEqual([7, 2, 5, 5, 5, 5, 3]);
  });

  test('replicas are sorted by key bytes; membership; positions', () => {
    const c = new Committee(keys);
    const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex')));
    expect(c.replicas).toEqual(byBytes);
    expect(c.lanes).toEqual(byBytes);
    expect(c.has(keys[3]!)).toBe(true);
    expect(c.hasLane(keys[3]!)).toBe(true);
    expect(c.has('00'.repeat(32))).toBe(false);
    expect(c.indexOf(byBytes[2]!)).toBe(2);
    expect(c.indexOf('x')).toBe(-1);
  });

  test('Leader(view) = replicas[SHA256(BE64(index) ‖ BE64(number)) mod N]', () => {
    const c = new Committee(keys);
    for (const [index, number] of [[0n, 0n], [1n, 0n], [5n, 3n], [(1n << 64n) - 1n, 7n]] as const) {
      const buf = Buffer.alloc(16);
      buf.writeBigUInt64BE(index, 0);
      buf.writeBigUInt64BE(number, 8);
      const d = BigInt('0x' + createHash('sha256').update(buf).digest('hex'));
      expect(c.leader({ index, number })).toBe(c.replicas[Number(d % 7n)]);
    }
    // leaders vary across views
    const seen = new Set(Array.from({ length: 40 }, (_, i) => c.leader({ index: BigInt(i), number: 0n })));
    expect(seen.size).toBeGreaterThan(3);
  });

  test('bad committees are rejected with clear errors', () => {
    expect(() => new Committee([])).toThrow(/cannot be empty/);
    expect(() => new Committee([keys[0]!, keys[0]!])).toThrow(/duplicate replica/);
    expect(() => new Committee(['AB'.repeat(32) as PublicKeyHex])).toThrow(/lowercase hex/);
  });
});
