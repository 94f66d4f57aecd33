/**
 * Replay tokens: one string that reproduces a run exactly.
 *
 *   cs1.<base64url(deflate(JSON))>
 *
 * The JSON holds the token version, the plan (design, personality, faults,
 * seed, commands with their crash points and image choices, scheduler
 * decisions), the recorded scheduler decisions of every incarnation, the trace
 * hash the run produced, what it concluded, and which known findings it
 * looked past (replay looks past the same ones, or it would stop elsewhere). `crashsim replay` re-runs the
 * plan with the recorded decisions and refuses, with a clear message, when the
 * trace hash differs (the code changed): it never silently runs something else.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { parsePlan, PlanError, type Plan } from './plan.js';

export const TOKEN_PREFIX = 'cs1.';
/** A token longer than this is refused before decoding (tokens are a few KiB). */
export const TOKEN_CHARS_MAX = 4 * 1024 * 1024;

export interface ReplayToken {
  readonly plan: Plan;
  /** scheduler decisions (task ids) per incarnation, as recorded */
  readonly decisions: readonly (readonly number[])[];
  readonly traceHash: string;
  /** the violation code the run ended with, or 'pass' */
  readonly verdict: string;
  /** known findings (ids) the run looked past: replay must look past the same ones */
  readonly acknowledged: readonly string[];
}

export class TokenError extends Error {
  override readonly name = 'TokenError';
}

export function encodeToken(t: ReplayToken): string {
  const json = JSON.stringify({ v: 1, plan: t.plan, decisions: t.decisions, traceHash: t.traceHash, verdict: t.verdict, ack: t.acknowledged });
  return TOKEN_PREFIX + deflateRawSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64url');
}

/** Decodes and validates a token; throws TokenError with a one-line reason. */
export function decodeToken(text: string): ReplayToken {
  const s = text.trim();
  if (s.length > TOKEN_CHARS_MAX) throw new TokenError(`replay token is ${s.length} characters long (limit ${TOKEN_CHARS_MAX})`);
  if (!s.startsWith(TOKEN_PREFIX)) throw new TokenError(`not a crashsim replay token: it must start with "${TOKEN_PREFIX}"`);
  const body = s.slice(TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw new TokenError('replay token is damaged: it contains characters outside base64url');
  let json: unknown;
  try {
    const raw = inflateRawSync(Buffer.from(body, 'base64url'), { maxOutputLength: 64 * 1024 * 1024 });
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new TokenError('replay token is damaged: it does not decompress to JSON (was it truncated when copied?)');
  }
  if (typeof json !== 'object' || json === null) throw new TokenError('replay token is damaged: not an object');
  const o = json as Record<string, unknown>;
  if (o['v'] !== 1) throw new TokenError(`replay token version ${JSON.stringify(o['v'])} is not supported by this crashsim (reads version 1)`);
  let plan: Plan;
  try {
    plan = parsePlan(o['plan']);
  } catch (e) {
    throw new TokenError(`replay token holds an invalid plan: ${e instanceof PlanError ? e.message : String(e)}`);
  }
  const d = o['decisions'];
  if (!Array.isArray(d) || !d.every((x) => Array.isArray(x) && x.every((y) => Number.isSafeInteger(y) && y >= 1))) {
    throw new TokenError('replay token is damaged: decisions must be lists of task ids');
  }
  if (typeof o['traceHash'] !== 'string' || !/^[0-9a-f]{8,64}$/.test(o['traceHash'])) throw new TokenError('replay token is damaged: bad trace hash');
  if (typeof o['verdict'] !== 'string') throw new TokenError('replay token is damaged: bad verdict');
  const ack = o['ack'] ?? [];
  if (!Array.isArray(ack) || !ack.every((x) => typeof x === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(x))) throw new TokenError('replay token is damaged: bad list of acknowledged findings');
  return { plan, decisions: d as number[][], traceHash: o['traceHash'], verdict: o['verdict'], acknowledged: ack as string[] };
}

/** The one command a person runs to reproduce a run. */
export function replayCommand(token: string): string {
  return `npx crashsim replay ${token}`;
}
