/**
 * Generic A/B persister (spec §3): two slot files `<prefix>_a.pb` / `_b.pb`
 * holding `PersistedWrapper{seq, data}`, written alternately in place. The
 * payload is opaque bytes here; the design chooses its message type (seed:
 * AppQC) and decodes it semantically after loading.
 */
import { O_CREAT, O_EXCL, O_RDWR, O_WRONLY, isFsError } from '../env.js';
import type { Ctx, Env } from '../env.js';
import { decodeWrapper, encodeWrapper, parseStage1 } from '../codec/index.js';
import type { PersistedWrapper } from '../codec/index.js';
import { AvailError, CorruptStateError, invariant, wrapError } from '../errors.js';
import { FILE_MODE, isNotExist, joinPath, readFile, remove, syncDir, writeAndSync, type WriteFile } from './fsutil.js';

export const SUFFIX_A = '_a.pb';
export const SUFFIX_B = '_b.pb';
/** Go's os.CreateTemp gives up after this many name collisions. */
const PROBE_CREATE_TRIES_MAX = 10_000;

/** How Persist writes a slot and when it consumes a sequence number (spec §3.3). */
export interface ABPersisterPolicy {
  /** H1 in every faithful design */
  readonly write: WriteFile;
  /** false in every faithful design: "a failed write does not consume a sequence number" */
  readonly advanceSeqOnFailure: boolean;
  /**
   * A slot that does not parse, two slots with one seq, a winner whose payload
   * does not parse: CorruptStateError instead of the §3.4 fallback/errors
   * (hardened only: with atomic writes no slot can be torn, so these mean damage).
   */
  readonly corruptSlotIsFatal?: boolean;
  /**
   * The payload's logical position (hardened: the anchor's road index; payloads
   * are written in non-decreasing order). With both slots parsing, a winner by
   * seq that is behind the other slot means a damaged seq: CorruptStateError.
   */
  readonly payloadPosition?: (data: Uint8Array) => bigint | undefined;
  /** Checks the winner's payload (hardened: decode and signatures of the anchor); a problem → CorruptStateError naming the winner's file. */
  readonly validatePayload?: (data: Uint8Array) => string | undefined;
}

export const SPEC_AB_POLICY: ABPersisterPolicy = { write: writeAndSync, advanceSeqOnFailure: false };

export interface ABPersister {
  /** true for the no-op variant (persistence disabled). */
  readonly noop: boolean;
  /** Sequence number of the last successful write (or of the loaded winner). */
  readonly seq: bigint;
  /** Writes `payload` (an encoded message) with seq + 1; on failure seq is unchanged. */
  persist(ctx: Ctx, payload: Uint8Array): Promise<void>;
}

/** The slot file a write with sequence number `seq` goes to: odd → A, even → B. */
export function abFileForSeq(prefix: string, seq: bigint): string {
  return prefix + (seq % 2n === 1n ? SUFFIX_A : SUFFIX_B);
}

class FileABPersister implements ABPersister {
  readonly noop = false;
  constructor(
    private readonly env: Env,
    private readonly dir: string,
    private readonly prefix: string,
    public seq: bigint,
    private readonly policy: ABPersisterPolicy,
  ) {}

  async persist(ctx: Ctx, payload: Uint8Array): Promise<void> {
    const seq = this.seq + 1n;
    const file = abFileForSeq(this.prefix, seq);
    const bytes = encodeWrapper({ seq, data: payload });
    try {
      await this.policy.write(this.env, ctx, joinPath(this.dir, file), bytes);
    } catch (e) {
      if (this.policy.advanceSeqOnFailure) this.seq = seq;
      throw wrapError(`persist to ${file}`, e);
    }
    this.seq = seq;
  }
}

class NoOpABPersister implements ABPersister {
  readonly noop = true;
  readonly seq = 0n;
  async persist(_ctx: Ctx, _payload: Uint8Array): Promise<void> {}
}

export function newNoOpABPersister(): ABPersister {
  return new NoOpABPersister();
}

/** Outcome of loading one slot (spec §3.4 `loadWrapped`). */
export type SlotLoad =
  | { readonly kind: 'ok'; readonly wrapper: PersistedWrapper }
  | { readonly kind: 'notExist'; readonly error: string }
  | { readonly kind: 'corrupt'; readonly error: string }
  | { readonly kind: 'osError'; readonly error: AvailError };

const NOT_EXIST_TEXT = 'file does not exist'; // Go's os.ErrNotExist

export async function loadSlot(env: Env, ctx: Ctx, dir: string, file: string): Promise<SlotLoad> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(env, ctx, joinPath(dir, file));
  } catch (e) {
    if (isNotExist(e)) return { kind: 'notExist', error: NOT_EXIST_TEXT };
    return { kind: 'osError', error: wrapError(`read ${file}`, e) };
  }
  // Empty slots are pre-created by NewPersister: same as missing.
  if (bytes.length === 0) return { kind: 'notExist', error: NOT_EXIST_TEXT };
  const w = decodeWrapper(bytes);
  if ('error' in w) return { kind: 'corrupt', error: `unmarshal ${file}: ${w.error}: corrupt persisted data` };
  return { kind: 'ok', wrapper: w.ok };
}

/**
 * The load decision (spec §3.4): the winning wrapper, `undefined` for "no data",
 * or a thrown error.
 */
export async function loadPersisted(env: Env, ctx: Ctx, dir: string, prefix: string, corruptSlotIsFatal = false): Promise<PersistedWrapper | undefined> {
  return (await loadWinner(env, ctx, dir, prefix, corruptSlotIsFatal))?.wrapper;
}

async function loadWinner(env: Env, ctx: Ctx, dir: string, prefix: string, corruptSlotIsFatal: boolean, position?: (data: Uint8Array) => bigint | undefined): Promise<{ wrapper: PersistedWrapper; file: string } | undefined> {
  const fileA = prefix + SUFFIX_A;
  const fileB = prefix + SUFFIX_B;
  const a = await loadSlot(env, ctx, dir, fileA);
  const b = await loadSlot(env, ctx, dir, fileB);
  for (const [file, r] of [[fileA, a], [fileB, b]] as const) {
    if (r.kind === 'corrupt') env.log.log(ctx, 'warn', 'corrupt state file', { file, err: r.error });
    if (r.kind === 'osError') throw wrapError(`load ${file}`, r.error);
    if (r.kind === 'corrupt' && corruptSlotIsFatal) throw new CorruptStateError([file], `${r.error} (which slot is newer cannot be told)`);
  }
  if (a.kind === 'ok' && b.kind === 'ok') {
    if (a.wrapper.seq !== b.wrapper.seq && position !== undefined) {
      const [win, lose] = a.wrapper.seq > b.wrapper.seq ? [a.wrapper, b.wrapper] : [b.wrapper, a.wrapper];
      const pw = win.data === undefined ? undefined : position(win.data);
      const pl = lose.data === undefined ? undefined : position(lose.data);
      if (pw !== undefined && pl !== undefined && pl > pw) throw new CorruptStateError([fileA, fileB], `the slot with the higher seq holds position ${pw}, the other ${pl}`);
    }
    if (a.wrapper.seq > b.wrapper.seq) return { wrapper: a.wrapper, file: fileA };
    if (b.wrapper.seq > a.wrapper.seq) return { wrapper: b.wrapper, file: fileB };
    if (corruptSlotIsFatal) throw new CorruptStateError([fileA, fileB], `both slots have seq ${a.wrapper.seq}`);
    throw new AvailError(`corrupt state: both ${fileA} and ${fileB} have same seq; remove ${fileB} if acceptable`);
  }
  if (a.kind === 'ok') return { wrapper: a.wrapper, file: fileA };
  if (b.kind === 'ok') return { wrapper: b.wrapper, file: fileB };
  if (a.kind === 'notExist' && b.kind === 'notExist') return undefined;
  invariant(a.kind !== 'osError' && b.kind !== 'osError', 'OS errors were returned above');
  throw new AvailError(`no valid state: ${fileA}: ${a.error}; ${fileB}: ${b.error}`);
}

export interface ABLoadResult {
  readonly persister: ABPersister;
  /** The winner's payload bytes (Stage-1 valid as `payloadType`), or undefined for none. */
  readonly loaded: Uint8Array | undefined;
}

/**
 * `NewPersister(D, prefix)` (spec §3.2): stat, writability probe, load decision,
 * pre-creation of both slots, directory sync, Stage-1 parse of the winner.
 * `payloadType` names the payload message for `parseStage1` (seed: `AppQC`).
 */
export async function newABPersister(env: Env, ctx: Ctx, dir: string, prefix: string, payloadType: string, policy: ABPersisterPolicy = SPEC_AB_POLICY): Promise<ABLoadResult> {
  let st;
  try {
    st = await env.fs.stat(ctx, dir);
  } catch (e) {
    throw wrapError(`invalid state dir ${goQuote(dir)}`, e);
  }
  if (!st.isDirectory) throw new AvailError(`invalid state dir ${goQuote(dir)}: not a directory`);

  await probeWritable(env, ctx, dir);

  const won = await loadWinner(env, ctx, dir, prefix, policy.corruptSlotIsFatal === true, policy.payloadPosition);
  const winner = won?.wrapper;

  // Pre-create both slots so that Persist never creates a directory entry.
  for (const suffix of [SUFFIX_A, SUFFIX_B]) {
    const path = joinPath(dir, prefix + suffix);
    let fd: number;
    try {
      fd = await env.fs.open(ctx, path, O_WRONLY | O_CREAT, FILE_MODE);
    } catch (e) {
      throw wrapError(`state file ${goQuote(path)} is not writable`, e);
    }
    await env.fs.close(ctx, fd).catch(() => undefined);
  }
  await syncDir(env, ctx, dir);

  let loaded: Uint8Array | undefined;
  if (won !== undefined && winner?.data === undefined && policy.corruptSlotIsFatal === true) {
    throw new CorruptStateError([won.file], 'the winning slot holds no payload');
  }
  if (winner?.data !== undefined) {
    const err = parseStage1(payloadType, winner.data);
    if (err !== undefined && policy.corruptSlotIsFatal === true && won !== undefined) throw new CorruptStateError([won.file], `unmarshal persisted ${prefix}: ${err}`);
    if (err !== undefined) throw new AvailError(`unmarshal persisted ${prefix}: ${err}`);
    const problem = policy.validatePayload?.(winner.data);
    if (problem !== undefined && won !== undefined) throw new CorruptStateError([won.file], problem);
    loaded = winner.data;
  }
  return { persister: new FileABPersister(env, dir, prefix, winner?.seq ?? 0n, policy), loaded };
}

/** Go's os.CreateTemp(dir, ".writable-probe-*") then Close and Remove (their errors ignored). */
async function probeWritable(env: Env, ctx: Ctx, dir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const path = joinPath(dir, `.writable-probe-${env.random.int(2 ** 32)}`);
    let fd: number;
    try {
      fd = await env.fs.open(ctx, path, O_RDWR | O_CREAT | O_EXCL, FILE_MODE);
    } catch (e) {
      if (isFsError(e, 'EEXIST') && attempt < PROBE_CREATE_TRIES_MAX) continue;
      throw wrapError(`state dir ${goQuote(dir)} is not writable`, e);
    }
    await env.fs.close(ctx, fd).catch(() => undefined);
    await remove(env, ctx, path).catch(() => undefined);
    return;
  }
}

/** Go's %q for the plain paths we print (quotes and backslashes escaped). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
