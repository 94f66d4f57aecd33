/**
 * Replay tokens: one string that reproduces a run exactly.
 *
 *   cs2.<payload>.<check>
 *   payload = base64url(deflate-raw(JSON))
 *   check   = the first 11 base64url characters (66 bits) of SHA-256("cs2." + payload)
 *
 * The JSON holds the token version, the plan (design, personality, faults,
 * seed, commands with their crash points and image choices, scheduler
 * decisions), the recorded scheduler decisions of every incarnation, the trace
 * hash the run produced, what it concluded, and which known findings it
 * looked past (replay looks past the same ones, or it would stop elsewhere). `crashsim replay` re-runs the
 * plan with the recorded decisions and refuses, with a clear message, when the
 * trace hash differs (the code changed): it never silently runs something else.
 *
 * Why the checksum: a token travels through terminals, CI logs, chat and bug
 * reports. Without one, a character changed in transit can still inflate to a
 * valid plan (version 1 tokens did, for about 1 in 20 single-character edits),
 * and replay then reports "the code changed" for a run nobody recorded. With
 * it, any edit is "damaged" (exit 2) before anything is decoded. Whitespace is
 * ignored (a token wrapped by a terminal still pastes), which the checksum
 * makes safe.
 *
 * Version 1 tokens (`cs1.`, no checksum) are refused with a message saying so:
 * they cannot be told apart from damaged ones, so they are re-recorded.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { parsePlan, PlanError, type Plan } from './plan.js';

export const TOKEN_VERSION = 2;
export const TOKEN_PREFIX = `cs${TOKEN_VERSION}.`;
/** Tokens of this crashsim look like this (messages, --help). */
export const TOKEN_SHAPE = `${TOKEN_PREFIX}…`;
/** Characters of the checksum (base64url, 6 bits each: 66 bits). */
export const TOKEN_CHECK_CHARS = 11;
/** A token longer than this is refused before decoding (tokens are a few KiB). */
export const TOKEN_CHARS_MAX = 4 * 1024 * 1024;
/** Inflated JSON larger than this is refused (a decompression bomb is not a token). */
const TOKEN_JSON_BYTES_MAX = 64 * 1024 * 1024;

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

function checkOf(prefixAndPayload: string): string {
  return createHash('sha256').update(prefixAndPayload, 'utf8').digest('base64url').slice(0, TOKEN_CHECK_CHARS);
}

export function encodeToken(t: ReplayToken): string {
  const json = JSON.stringify({ v: TOKEN_VERSION, plan: t.plan, decisions: t.decisions, traceHash: t.traceHash, verdict: t.verdict, ack: t.acknowledged });
  const head = TOKEN_PREFIX + deflateRawSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64url');
  return `${head}.${checkOf(head)}`;
}

/** Whether `text` looks like a replay token of any version (`cs<digits>.`), as opposed to a file name. */
export function looksLikeToken(text: string): boolean {
  return /^cs[0-9]+\./.test(text.trim());
}

/** Decodes and validates a token; throws TokenError with a one-line reason. */
export function decodeToken(text: string): ReplayToken {
  if (text.length > TOKEN_CHARS_MAX) throw new TokenError(`replay token is ${text.length} characters long (limit ${TOKEN_CHARS_MAX})`);
  // Whitespace never belongs to a token: a terminal may have wrapped it.
  const s = text.replace(/\s+/g, '');
  const version = /^cs([0-9]+)\./.exec(s)?.[1];
  if (version === undefined) throw new TokenError(`not a crashsim replay token: it must start with "${TOKEN_PREFIX}"`);
  if (version === '1') throw new TokenError('this is a version 1 replay token ("cs1."), which has no checksum, so a damaged copy cannot be told from a real run; this crashsim reads checksummed "cs2." tokens: re-run the command that printed it to get one');
  if (version !== String(TOKEN_VERSION)) throw new TokenError(`replay token version ${version} ("cs${version}.") is not supported by this crashsim (reads version ${TOKEN_VERSION}, "${TOKEN_PREFIX}")`);
  const rest = s.slice(TOKEN_PREFIX.length);
  const dot = rest.lastIndexOf('.');
  if (dot < 0 || rest.indexOf('.') !== dot) throw new TokenError(`replay token is damaged: expected ${TOKEN_PREFIX}<payload>.<checksum> (was it cut short when copied?)`);
  const payload = rest.slice(0, dot);
  const check = rest.slice(dot + 1);
  if (!/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]*$/.test(check)) throw new TokenError('replay token is damaged: it contains characters outside base64url');
  if (check.length !== TOKEN_CHECK_CHARS) throw new TokenError(`replay token is damaged: its checksum has ${check.length} characters, not ${TOKEN_CHECK_CHARS} (was it cut short when copied?)`);
  if (check !== checkOf(TOKEN_PREFIX + payload)) throw new TokenError('replay token is damaged: its checksum does not match (a character was changed, lost or added when it was copied)');
  let json: unknown;
  try {
    const raw = inflateRawSync(Buffer.from(payload, 'base64url'), { maxOutputLength: TOKEN_JSON_BYTES_MAX });
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    // The checksum matched: this crashsim (or a foreign tool) wrote a bad payload.
    throw new TokenError('replay token is damaged: its checksum matches but it does not decompress to JSON');
  }
  if (typeof json !== 'object' || json === null) throw new TokenError('replay token is damaged: not an object');
  const o = json as Record<string, unknown>;
  if (o['v'] !== TOKEN_VERSION) throw new TokenError(`replay token payload version ${JSON.stringify(o['v'])} is not supported by this crashsim (reads version ${TOKEN_VERSION})`);
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
