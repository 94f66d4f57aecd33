/**
 * File names of the block and CommitQC persisters (spec §4.1, §5.1, A1).
 * Parsing is Go's: strip `.pb`, split at the first `_`, hex (either case) of a
 * 32-byte key, and `strconv.ParseUint(s, 10, 64)` (digits only, leading zeros
 * accepted, so two names can denote the same number).
 */
import type { LaneId } from '../types.js';

export const PB_SUFFIX = '.pb';
const UINT64_MAX = (1n << 64n) - 1n;

export function blockFileName(lane: LaneId, n: bigint): string {
  return `${lane}_${n.toString(10)}${PB_SUFFIX}`;
}

export function commitQCFileName(index: bigint): string {
  return `${index.toString(10)}${PB_SUFFIX}`;
}

/** Go's strings.TrimSuffix(name, ".pb"). */
function trimPb(name: string): string {
  return name.endsWith(PB_SUFFIX) ? name.slice(0, -PB_SUFFIX.length) : name;
}

/** strconv.ParseUint(s, 10, 64), or undefined. */
export function parseUint64(s: string): bigint | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v <= UINT64_MAX ? v : undefined;
}

export type ParsedName<T> = { readonly ok: T } | { readonly error: string };

export function parseBlockFileName(name: string): ParsedName<{ lane: LaneId; n: bigint }> {
  const base = trimPb(name);
  const sep = base.indexOf('_');
  if (sep < 0) return { error: `bad block filename ${JSON.stringify(base)}` };
  const laneHex = base.slice(0, sep);
  const numText = base.slice(sep + 1);
  if (laneHex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(laneHex)) {
    return { error: `bad lane hex in ${JSON.stringify(base)}` };
  }
  if (laneHex.length !== 64) {
    return { error: `bad lane key in ${JSON.stringify(base)}: ed25519: bad public key length: got ${laneHex.length / 2}, want 32` };
  }
  const n = parseUint64(numText);
  if (n === undefined) return { error: `bad block number in ${JSON.stringify(base)}` };
  return { ok: { lane: laneHex.toLowerCase() as LaneId, n } };
}

export function parseCommitQCFileName(name: string): ParsedName<bigint> {
  const base = trimPb(name);
  const idx = parseUint64(base);
  if (idx === undefined) return { error: `bad commitqc filename ${JSON.stringify(base)}` };
  return { ok: idx };
}
