/**
 * Signatures (spec §1.4): Ed25519ctx (RFC 8032) with context `sei_giga_autobahn`
 * over the 32-byte message hash, verified with ZIP-215 rules.
 *
 * @noble/curves provides Ed25519ctx; node:crypto cannot be used because it silently
 * ignores the context option for Ed25519 (measured), which would produce plain
 * Ed25519 signatures that the reference rejects.
 *
 * Keys are derived deterministically: secret = SHA-256(`crashsim-key/<seed>/<i>`).
 *
 * Cost and memo. noble costs ~1.1 ms per sign and ~1.2 ms per verify on the CI
 * machine, and simulations re-run the same deterministic workloads thousands of
 * times, so both are memoized in bounded FIFO maps keyed by their full inputs
 * (signing is deterministic in RFC 8032, so a memoized signature is the signature).
 * Measured in test/codec/crypto.test.ts: 20 sign+verify pairs take ≈ 55 ms cold and
 * ≈ 0.2 ms warm (a hit costs ≈ 6 µs, mostly building the hex key): ≈ 250× cheaper. The memo holds pure
 * function results only, so it cannot leak state between runs.
 */
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519ctx } from '@noble/curves/ed25519.js';
import type { Hash32, PublicKeyHex } from './types.js';

export const SIGNATURE_CONTEXT = 'sei_giga_autobahn';
const CONTEXT_BYTES = new TextEncoder().encode(SIGNATURE_CONTEXT);

export const SIGNATURE_BYTES = 64;
export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 32;

/** Entries per memo (sign and verify each); oldest evicted first. ~64k × ~0.4 KB ≈ 25 MB worst case. */
export const CRYPTO_MEMO_MAX_ENTRIES = 65_536;

export interface SecretKey {
  /** RFC 8032 secret key (the 32-byte seed). Never log it. */
  readonly secret: Uint8Array;
  readonly publicKey: PublicKeyHex;
  readonly publicKeyBytes: Uint8Array;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function secretKeyFromBytes(secret: Uint8Array): SecretKey {
  if (!(secret instanceof Uint8Array) || secret.length !== SECRET_KEY_BYTES) {
    throw new RangeError(`crypto: secret key must be ${SECRET_KEY_BYTES} bytes`);
  }
  const copy = new Uint8Array(secret);
  const publicKeyBytes = ed25519ctx.getPublicKey(copy);
  return { secret: copy, publicKey: hex(publicKeyBytes) as PublicKeyHex, publicKeyBytes };
}

/** The `index`-th key of the world seeded with `seed`: SHA-256(`crashsim-key/<seed>/<index>`). */
export function deriveSecretKey(seed: string, index: number): SecretKey {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`crypto: key index must be a non-negative integer, got ${index}`);
  const secret = createHash('sha256').update(`crashsim-key/${seed}/${index}`).digest();
  return secretKeyFromBytes(new Uint8Array(secret));
}

// ---------------------------------------------------------------------------
// Bounded memo

class FifoMemo<V> {
  private readonly map = new Map<string, V>();
  hits = 0;
  misses = 0;

  constructor(private readonly maxEntries: number) {}

  get(key: string, compute: () => V): V {
    const found = this.map.get(key);
    if (found !== undefined) {
      this.hits++;
      return found;
    }
    this.misses++;
    const v = compute();
    if (this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    this.map.set(key, v);
    return v;
  }

  /** Enters a result known without computing it (not counted as a miss). */
  put(key: string, v: V): void {
    if (this.map.has(key)) return;
    if (this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    this.map.set(key, v);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
    this.hits = 0;
    this.misses = 0;
  }
}

const signMemo = new FifoMemo<Uint8Array>(CRYPTO_MEMO_MAX_ENTRIES);
const verifyMemo = new FifoMemo<boolean>(CRYPTO_MEMO_MAX_ENTRIES);

export interface CryptoMemoStats {
  readonly signHits: number;
  readonly signMisses: number;
  readonly signEntries: number;
  readonly verifyHits: number;
  readonly verifyMisses: number;
  readonly verifyEntries: number;
}

export function cryptoMemoStats(): CryptoMemoStats {
  return {
    signHits: signMemo.hits,
    signMisses: signMemo.misses,
    signEntries: signMemo.size,
    verifyHits: verifyMemo.hits,
    verifyMisses: verifyMemo.misses,
    verifyEntries: verifyMemo.size,
  };
}

/** Empties both memos and zeroes the counters (tests measuring misses). */
export function resetCryptoMemo(): void {
  signMemo.clear();
  verifyMemo.clear();
}

// ---------------------------------------------------------------------------
// Schemes

/**
 * `ed25519ctx` (default) is the reference's scheme. `ed25519-fast` is plain
 * Ed25519 from node:crypto (native, ~20× cheaper): same keys, same lengths, same
 * accept/reject for honest and forged signatures — only the signature bytes
 * differ. Simulations use it (no SUT decision depends on signature bytes);
 * wire-format and conformance tests keep the faithful scheme.
 */
export type SignatureScheme = 'ed25519ctx' | 'ed25519-fast';
let scheme: SignatureScheme = 'ed25519ctx';

export function useSignatureScheme(s: SignatureScheme): void {
  if (s !== 'ed25519ctx' && s !== 'ed25519-fast') throw new RangeError(`crypto: unknown signature scheme ${String(s)}`);
  scheme = s;
}

export function signatureScheme(): SignatureScheme {
  return scheme;
}

// DER wrappers that turn raw Ed25519 keys into node KeyObjects (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const nodeKeys = new FifoMemo<KeyObject>(4096);

function nodePrivateKey(secret: Uint8Array): KeyObject {
  return nodeKeys.get('s' + hex(secret), () => createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, secret]), format: 'der', type: 'pkcs8' }));
}

function nodePublicKey(publicKeyHex: string): KeyObject {
  return nodeKeys.get('p' + publicKeyHex, () => createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(publicKeyHex, 'hex')]), format: 'der', type: 'spki' }));
}

/**
 * A signature over a 32-byte message hash in the current scheme. The result is shared: do not mutate it.
 *
 * A fresh signature is also entered into the verification memo as valid: an
 * honest Ed25519 signature always verifies under its own key (RFC 8032 signing
 * is deterministic, and ZIP-215 accepts every signature it produces), so a
 * simulation never pays to verify a signature it made itself; a forged or
 * altered one misses the memo and is verified in full.
 */
export function sign(key: SecretKey, msgHash: Hash32): Uint8Array {
  if (!(msgHash instanceof Uint8Array) || msgHash.length !== 32) throw new RangeError('crypto: message hash must be 32 bytes');
  const fast = scheme === 'ed25519-fast';
  const msgHex = hex(msgHash);
  return signMemo.get((fast ? 'f' : '') + hex(key.secret) + msgHex, () => {
    const sig = fast ? new Uint8Array(nodeSign(null, msgHash, nodePrivateKey(key.secret))) : ed25519ctx.sign(msgHash, key.secret, { context: CONTEXT_BYTES });
    verifyMemo.put((fast ? 'f' : '') + key.publicKey + msgHex + hex(sig), true);
    return sig;
  });
}

/**
 * ZIP-215 Ed25519ctx verification. False for any malformed input (wrong lengths,
 * a key that is not a curve point): never throws.
 */
export function verifySignature(publicKey: PublicKeyHex, msgHash: Uint8Array, sig: Uint8Array): boolean {
  if (typeof publicKey !== 'string' || publicKey.length !== 2 * PUBLIC_KEY_BYTES) return false;
  if (!(sig instanceof Uint8Array) || sig.length !== SIGNATURE_BYTES) return false;
  if (!(msgHash instanceof Uint8Array)) return false;
  if (scheme === 'ed25519-fast') {
    return verifyMemo.get('f' + publicKey + hex(msgHash) + hex(sig), () => {
      try {
        return nodeVerify(null, msgHash, nodePublicKey(publicKey), sig);
      } catch {
        return false;
      }
    });
  }
  return verifyMemo.get(publicKey + hex(msgHash) + hex(sig), () => {
    try {
      return ed25519ctx.verify(sig, msgHash, Buffer.from(publicKey, 'hex'), { context: CONTEXT_BYTES, zip215: true });
    } catch {
      return false;
    }
  });
}
