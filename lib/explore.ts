/**
 * `exploreCrashes`: what a power loss does to any Node storage code.
 *
 * 1. `setup` runs on an empty simulated disk; what it leaves is made durable
 *    (the data the program already had).
 * 2. `workload` runs once on the crash-faithful disk (vfs.ts) through the
 *    `node:fs` facade (sim/node-fs) — passed as an argument, and routed to
 *    `node:fs` imports when routing is installed (routing.ts). Before every
 *    file-system primitive, and once after the workload has returned and gone
 *    quiet, the disk is captured (a copy-on-write snapshot): a crash point.
 * 3. At each crash point, every crash image the personality allows is
 *    enumerated (crash.ts: exhaustive while there are at most
 *    2^exhaustiveOpsMax candidates, else seeded samples; torn writes optional),
 *    duplicates across points are dropped, and on each distinct image `recover`
 *    runs on a fresh disk and `check` judges what it recovered, knowing what the
 *    workload had acknowledged (`ack`) before the crash.
 * 4. The result counts everything exactly and describes each failing image:
 *    the crash point (the primitive and the program's source line), the image,
 *    the lost and kept operations, why the personality allows it, and a replay
 *    handle (`CRASHSIM_REPLAY=<handle>` re-checks just that image).
 *
 * Same options and seed ⇒ same crash points, images, verdicts and report, as
 * long as the workload itself is deterministic. Every phase has a limit.
 */
import { RandomStreams } from '../sim/random.js';
import { crashImages } from '../sim/vfs/crash.js';
import type { CrashImage, CrashImageKind, TornDetail, TornOptions } from '../sim/vfs/crash.js';
import { describeOp, PERSONALITIES } from '../sim/vfs/model.js';
import type { DiskImage, PendingOp, Personality } from '../sim/vfs/model.js';
import { Vfs } from '../sim/vfs/vfs.js';
import type { VfsSnapshot } from '../sim/vfs/vfs.js';
import { createNodeFs } from '../sim/node-fs/index.js';
import type { FacadeCall, NodeFsFacade } from '../sim/node-fs/index.js';
import { captureStack, displayPath, explain, showValue, siteOf, siteText, userFrames } from './report.js';
import type { SourceSite } from './report.js';
import { routingInstalled, runWithFs } from './routing.js';

// ---------------------------------------------------------------------------
// Options

export interface WorkloadControl {
  /** Records that the program has acknowledged something (a completed write, a commit): checks see every value acknowledged before the crash. */
  ack(value?: unknown): void;
}

export interface CrashPointInfo {
  /** 0-based; the last point is after the workload returned */
  readonly index: number;
  readonly count: number;
  /** `before rename /a.tmp -> /a (fs.promises.rename)`, or `after the workload returned` */
  readonly before: string;
  /** the program's source line that made the call (first frame outside crashsim; `at ← from` when inside node_modules) */
  readonly site: string | undefined;
  /** true for the point after the workload returned */
  readonly completed: boolean;
}

export interface CheckContext {
  /** values the workload acknowledged (`ack`) before the crash point, in order */
  readonly acknowledged: readonly unknown[];
  /** the crash came after the workload returned (everything it did had been acknowledged to it) */
  readonly completed: boolean;
  readonly point: CrashPointInfo;
  /** the disk as the crash left it (before recovery touched it) */
  readonly image: DiskImage;
  /** the recovered disk, for extra reads */
  readonly fs: NodeFsFacade;
}

export interface ExploreLimits {
  /** Per crash point: enumerate every allowed image while there are at most 2^this candidates (≤ 24). Default 10. */
  readonly exhaustiveOpsMax?: number;
  /** Per crash point: seeded samples once enumeration is not exhaustive. Default 64. */
  readonly samplesPerPoint?: number;
  /** Crash states (distinct image × acknowledgements) recovered and checked; beyond, the exploration stops as incomplete. Default 20 000. */
  readonly statesMax?: number;
  /** File-system primitives the workload may issue (= crash points). Default 10 000. */
  readonly callsMax?: number;
  /** File-system primitives one recovery may issue (catches retry loops). Default 100 000. */
  readonly recoverCallsMax?: number;
  /** Failing states described in full in the result (all are counted). Default 50. */
  readonly failuresMax?: number;
}

export interface ExploreProgress {
  readonly name: string;
  readonly pointsDone: number;
  readonly points: number;
  readonly statesChecked: number;
  readonly failures: number;
}

export interface ExploreOptions<S = DiskImage> {
  /** The workload: runs once; a crash point before each of its file-system primitives. */
  readonly workload: (fs: NodeFsFacade, control: WorkloadControl) => unknown;
  /** Judges one recovered state: throw (or return false) to fail it. */
  readonly check: (state: S, context: CheckContext) => unknown;
  /** Reads the crashed disk back as the program would after a restart. Default: the disk image itself. */
  readonly recover?: (fs: NodeFsFacade) => S | Promise<S>;
  /** Runs on an empty disk before the workload; everything it leaves is durable. */
  readonly setup?: (fs: NodeFsFacade) => unknown;
  /** Durability model: 'strict-posix' (default; ALICE's abstract model), the ext4 personalities, or 'ordered'. */
  readonly personality?: Personality;
  /** Label in reports and replay handles. Default: the personality. */
  readonly name?: string;
  /** Decides every sample and garbage byte. Default 'crashsim'. */
  readonly seed?: string;
  /** Directory relative paths resolve against on the simulated disk. Default '/'. */
  readonly cwd?: string;
  /** Torn writes: true = cuts at 512-byte sectors plus one seeded cut inside each sector a write spans (shorn writes: small writes tear too), old or zero tail. Default off. */
  readonly torn?: boolean | TornOptions;
  readonly limits?: ExploreLimits;
  readonly onProgress?: (p: ExploreProgress) => void;
  /** Print a progress line to stderr at every 10% of the crash points (for long explorations). Default false. */
  readonly progress?: boolean;
  /** Re-check one state by its handle (also read from CRASHSIM_REPLAY). Explorations with another name are skipped. */
  readonly replay?: string;
}

/** The exploration could not run (bad options, the workload threw, no file-system calls): not a crash finding. */
export class ExploreError extends Error {
  override readonly name = 'ExploreError';
}

class ExploreLimitError extends Error {
  override readonly name = 'ExploreLimitError';
}

interface Resolved {
  readonly name: string;
  readonly personality: Personality;
  readonly seed: string;
  readonly cwd: string;
  readonly exhaustiveOpsMax: number;
  readonly samplesPerPoint: number;
  readonly statesMax: number;
  readonly callsMax: number;
  readonly recoverCallsMax: number;
  readonly failuresMax: number;
  readonly tornPasses: readonly TornOptions[];
}

function resolve(o: ExploreOptions<unknown>): Resolved {
  if (typeof o !== 'object' || o === null) throw new ExploreError('exploreCrashes: options must be an object');
  if (typeof o.workload !== 'function') throw new ExploreError('exploreCrashes: options.workload must be a function (fs, { ack }) => …');
  if (typeof o.check !== 'function') throw new ExploreError('exploreCrashes: options.check must be a function (state, context) => …');
  for (const k of ['recover', 'setup', 'onProgress'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'function') throw new ExploreError(`exploreCrashes: options.${k} must be a function`);
  }
  const personality = o.personality ?? 'strict-posix';
  if (!(PERSONALITIES as readonly string[]).includes(personality)) {
    throw new ExploreError(`exploreCrashes: unknown personality ${JSON.stringify(personality)} (one of ${PERSONALITIES.join(', ')})`);
  }
  const str = (k: 'name' | 'seed' | 'cwd', dflt: string): string => {
    const v = o[k] ?? dflt;
    if (typeof v !== 'string' || v.length === 0) throw new ExploreError(`exploreCrashes: options.${k} must be a non-empty string`);
    return v;
  };
  const cwd = str('cwd', '/');
  if (!cwd.startsWith('/')) throw new ExploreError(`exploreCrashes: options.cwd must be absolute, got ${JSON.stringify(cwd)}`);
  const l = o.limits ?? {};
  const int = (k: keyof ExploreLimits, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = l[k] ?? dflt;
    if (!Number.isSafeInteger(v) || v < min || v > max) throw new ExploreError(`exploreCrashes: limits.${k} must be an integer in [${min}, ${max}], got ${String(v)}`);
    return v;
  };
  const name = str('name', personality);
  if (/[@\s']/.test(name)) throw new ExploreError(`exploreCrashes: options.name must not contain '@', quotes or spaces (it starts replay handles), got ${JSON.stringify(name)}`);
  return {
    name,
    personality,
    seed: str('seed', 'crashsim'),
    cwd,
    exhaustiveOpsMax: int('exhaustiveOpsMax', 10, 0, 24),
    samplesPerPoint: int('samplesPerPoint', 64, 1),
    statesMax: int('statesMax', 20_000, 1),
    callsMax: int('callsMax', 10_000, 1),
    recoverCallsMax: int('recoverCallsMax', 100_000, 1),
    failuresMax: int('failuresMax', 50, 0),
    tornPasses: tornPasses(o.torn),
  };
}

/** `torn: true`: cuts at 512-byte sector boundaries plus shorn cuts (one seeded byte inside each sector a write spans), so writes smaller than a sector tear too. */
function tornPasses(t: ExploreOptions<unknown>['torn']): TornOptions[] {
  if (t === undefined || t === false) return [];
  if (t === true) return [{ sectorBytes: 512, shorn: true, fills: ['old', 'zero'] }];
  if (typeof t !== 'object' || t === null) throw new ExploreError('exploreCrashes: options.torn must be a boolean or torn-write options');
  return [t];
}

// ---------------------------------------------------------------------------
// Replay handles: `<name>@<point>:k<seq>.<seq>…[:t<seq>.<cut>.<fill>]`

interface Handle {
  readonly name: string;
  readonly point: number;
  readonly kept: readonly number[];
  readonly torn: { readonly seq: number; readonly cut: number; readonly fill: string } | undefined;
}

function handleOf(name: string, point: number, image: CrashImage): string {
  const t = image.torn;
  return `${name}@${point + 1}:k${image.keptSeqs.join('.')}${t === undefined ? '' : `:t${t.seq}.${t.cutAtBytes}.${t.fill}`}`;
}

function parseHandle(text: string): Handle {
  const m = /^([^@\s']+)@([1-9]\d*):k([\d.]*)(?::t(\d+)\.(\d+)\.(old|zero|garbage))?$/.exec(text.trim());
  if (m === null) throw new ExploreError(`replay handle ${JSON.stringify(text)} is malformed: expected <name>@<point>:k<seq>.<seq>… (as printed by a failing exploration)`);
  const kept = m[3] === '' ? [] : (m[3] as string).split('.').map(Number);
  return {
    name: m[1] as string,
    point: Number(m[2]) - 1,
    kept,
    torn: m[4] === undefined ? undefined : { seq: Number(m[4]), cut: Number(m[5]), fill: m[6] as string },
  };
}

function matchesHandle(image: CrashImage, h: Handle): boolean {
  if (image.keptSeqs.length !== h.kept.length || image.keptSeqs.some((s, i) => s !== h.kept[i])) return false;
  if (h.torn === undefined) return image.torn === undefined;
  return image.torn !== undefined && image.torn.seq === h.torn.seq && image.torn.cutAtBytes === h.torn.cut && image.torn.fill === h.torn.fill;
}

// ---------------------------------------------------------------------------
// Results

export interface CrashFailure {
  /** why the state failed: the check's (or recovery's) error message */
  readonly message: string;
  readonly error: unknown;
  readonly point: CrashPointInfo;
  readonly kind: CrashImageKind;
  /** the disk the crash left */
  readonly image: DiskImage;
  /** pending operations at the crash point that reached the disk / did not (with the source line that issued each) */
  readonly kept: readonly string[];
  readonly lost: readonly string[];
  readonly torn: TornDetail | undefined;
  /** why the personality allows this image */
  readonly explanation: string;
  /** the explanation without sequence numbers: failing states that share it fail the same way */
  readonly mechanism: string;
  readonly acknowledged: readonly unknown[];
  /** `CRASHSIM_REPLAY=<handle>` re-checks only this state */
  readonly handle: string;
  /** one command that replays it */
  readonly replay: string;
}

export interface ExploreCounts {
  /** crash points: one before each primitive of the workload, one after it returned */
  readonly crashPoints: number;
  /** crash images enumerated over all points (with repeats) */
  readonly candidates: number;
  /** distinct disk images over all points */
  readonly distinctImages: number;
  /** distinct (image, acknowledgements) states recovered and checked */
  readonly statesChecked: number;
  readonly passed: number;
  readonly failed: number;
  /** points whose images were sampled (too many to enumerate) */
  readonly sampledPoints: number;
}

export class CrashExploration {
  constructor(
    readonly name: string,
    readonly personality: Personality,
    readonly seed: string,
    readonly counts: ExploreCounts,
    /** failing states in crash-point order: the first `limits.failuresMax`, plus the first of every mechanism */
    readonly failures: readonly CrashFailure[],
    /** how many states ended how: 'ok' or the first line of the failure message */
    readonly outcomes: Readonly<Record<string, number>>,
    /** failing states per mechanism (what reached the disk and what did not), in order of first appearance */
    readonly mechanisms: Readonly<Record<string, number>>,
    /** why the exploration stopped before checking everything, if it did */
    readonly incomplete: string | undefined,
    /** set when this run re-checked one state by its handle */
    readonly replayed: string | undefined,
    /** set when a replay handle named another exploration */
    readonly skipped: string | undefined,
    private readonly pointsOf: () => readonly CrashPointInfo[] = () => [],
  ) {}

  /** Every crash point, in order: the primitive it comes before, the Node call, the program's source line. */
  points(): readonly CrashPointInfo[] {
    return this.pointsOf();
  }

  get ok(): boolean {
    return this.counts.failed === 0;
  }

  /** One line: counts and verdict. */
  summary(): string {
    const c = this.counts;
    if (this.skipped !== undefined) return `crashsim: ${this.name} skipped (${this.skipped})`;
    const scope = this.replayed !== undefined ? `replayed ${this.replayed}` : `${c.crashPoints} crash points, ${c.candidates} candidate images, ${c.distinctImages} distinct; ${c.sampledPoints === 0 ? 'every allowed image enumerated' : `${c.sampledPoints} point(s) sampled`}`;
    const verdict = c.failed === 0 ? `all ${c.statesChecked} crash states recover` : `${c.failed} of ${c.statesChecked} crash states fail`;
    return `crashsim: ${verdict} — "${this.name}" on ${this.personality} (${scope})${this.incomplete === undefined ? '' : `; INCOMPLETE: ${this.incomplete}`}`;
  }

  /** The summary, outcome counts, failure mechanisms and, in full, the first failure of each of the first `failuresShown` mechanisms. */
  report(failuresShown = 3): string {
    const lines = [this.summary()];
    const outcomeText = Object.entries(this.outcomes).map(([k, n]) => (k === 'ok' ? `${n} ok` : `${n} × ${k}`));
    if (outcomeText.length > 0) lines.push(`outcomes: ${outcomeText.join('; ')}`);
    const mech = Object.entries(this.mechanisms);
    if (mech.length > 0) {
      lines.push(`failing states by mechanism:`);
      for (const [m, n] of mech) lines.push(`  ${String(n).padStart(4)} × ${m}`);
    }
    const shown: CrashFailure[] = [];
    for (const f of this.failures) {
      if (shown.length >= failuresShown) break;
      if (!shown.some((g) => g.mechanism === f.mechanism)) shown.push(f);
    }
    shown.forEach((f, i) => lines.push('', ...formatFailure(f, i + 1)));
    return lines.join('\n');
  }
}

function formatFailure(f: CrashFailure, n: number): string[] {
  const out = [`${n}) ${f.message.split('\n')[0]}`];
  out.push(`   crash point ${f.point.index + 1} of ${f.point.count}: ${f.point.before}`);
  if (f.point.site !== undefined) out.push(`     at ${f.point.site}`);
  if (f.acknowledged.length > 0) out.push(`   acknowledged before the crash: ${f.acknowledged.map(showValue).join(', ')}`);
  out.push(`   disk after the crash (${f.kind}):`);
  for (const l of renderDisk(f.image)) out.push(`     ${l}`);
  if (f.lost.length > 0) out.push(`   lost: ${f.lost.join('\n         ')}`);
  if (f.kept.length > 0) out.push(`   kept: ${f.kept.join('\n         ')}`);
  out.push(`   why:  ${f.explanation}`);
  out.push(`   replay: ${f.replay}`);
  return out;
}

/** A disk, one line per directory and file; text files show their text, others hex. */
export function renderDisk(image: DiskImage, previewBytesMax = 48): string[] {
  const lines: string[] = [];
  for (const d of image.dirs) lines.push(d === '/' ? '/' : `${d}/`);
  for (const [p, b] of image.files) {
    const head = Buffer.from(b.subarray(0, previewBytesMax));
    const text = head.toString('utf8');
    const printable = /^[\x20-\x7e\n\t\r\u00a0-\uffff]*$/.test(text) && !text.includes('\ufffd');
    const shown = printable ? JSON.stringify(text) : head.toString('hex');
    lines.push(`${p}  ${b.length} B  ${shown}${b.length > previewBytesMax ? '…' : ''}`);
  }
  return lines;
}

// ---------------------------------------------------------------------------
// The exploration

interface Capture {
  readonly call: FacadeCall | undefined;
  readonly before: string;
  readonly snapshot: VfsSnapshot;
  readonly acks: number;
  readonly completed: boolean;
  site?: SourceSite;
}

interface Verdict {
  readonly ok: boolean;
  readonly message: string;
  readonly error: unknown;
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message.length > 0 ? e.message : e.name;
  return String(e);
}

function describeCall(call: FacadeCall, vfs: Vfs): string {
  const path = call.path ?? (call.fd === undefined ? undefined : (vfs.fdInfo(call.fd)?.path ?? `fd ${call.fd}`));
  const what = `${call.primitive}${path === undefined ? '' : ` ${path}`}${call.dest === undefined ? '' : ` -> ${call.dest}`}`;
  return `before ${what} (${call.api.startsWith('FileHandle.') ? call.api : `fs.${call.api}`})`;
}

/** Lets callbacks, nextTicks and promise chains the workload left behind run, until no new primitive appears. */
async function settle(captures: readonly unknown[]): Promise<void> {
  for (let round = 0; round < 1000; round++) {
    const before = captures.length;
    await new Promise<void>((r) => setImmediate(r));
    if (captures.length === before) return;
  }
}

/** The replay command: this test file under vitest, else this node command line. */
function replayCommand(handle: string, callerStack: string): string {
  const env = `CRASHSIM_REPLAY='${handle}'`;
  if (process.env.VITEST !== undefined) {
    const file = userFrames(callerStack).map((f) => f.replace(/:\d+:\d+$/, '')).find((f) => /\.(test|spec)\.[cm]?[jt]sx?$/.test(f));
    return `${env} npx vitest run ${file ?? '<test file>'}`;
  }
  const q = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
  const script = process.argv[1] === undefined ? [] : [q(displayPath(process.argv[1]))];
  const viaTsx = process.execArgv.some((a) => a.includes('/tsx/'));
  const runner = viaTsx ? ['npx', 'tsx', ...process.execArgv.filter((a, i, all) => !a.includes('/tsx/') && !(/^--(require|import)$/.test(a) && (all[i + 1] ?? '').includes('/tsx/'))).map(q)] : ['node', ...process.execArgv.map(q)];
  return [env, ...runner, ...script, ...process.argv.slice(2).map(q)].join(' ');
}

/** Explores every crash state of `options.workload` (see the module doc). */
export async function exploreCrashes<S = DiskImage>(options: ExploreOptions<S>): Promise<CrashExploration> {
  const o = resolve(options as ExploreOptions<unknown>);
  const callerStack = captureStack();
  const replayText = options.replay ?? (process.env.CRASHSIM_REPLAY === '' ? undefined : process.env.CRASHSIM_REPLAY);
  const handle = replayText === undefined ? undefined : parseHandle(replayText);
  const empty: ExploreCounts = { crashPoints: 0, candidates: 0, distinctImages: 0, statesChecked: 0, passed: 0, failed: 0, sampledPoints: 0 };
  if (handle !== undefined && handle.name !== o.name) {
    return new CrashExploration(o.name, o.personality, o.seed, empty, [], {}, {}, undefined, undefined, `the replay handle names "${handle.name}"`);
  }

  // 1. setup: the durable starting state
  const vfs = Vfs.create({ personality: o.personality });
  if (options.setup !== undefined) {
    const setup = options.setup;
    const sfs = createNodeFs(vfs, { cwd: o.cwd });
    try {
      await runWithFs(sfs, () => setup(sfs));
    } catch (e) {
      throw new ExploreError(`${o.name}: setup threw: ${messageOf(e)}`, { cause: e });
    }
  }
  vfs.syncAll();

  // 2. the workload, a crash point before each primitive
  const captures: Capture[] = [];
  const acks: unknown[] = [];
  /** per acknowledgement: the index of the next capture (its snapshot's nextSeq bounds the ops issued before the ack) */
  const ackCapture: number[] = [];
  let finished = false;
  let lateCalls = 0;
  let limitHit: string | undefined;
  const wfs = createNodeFs(vfs, {
    cwd: o.cwd,
    captureSite: captureStack,
    beforeCall: (call) => {
      if (finished) {
        lateCalls++;
        return;
      }
      if (captures.length >= o.callsMax) {
        limitHit = `the workload issued more than ${o.callsMax} file-system primitives (limits.callsMax)`;
        throw new ExploreLimitError(limitHit);
      }
      captures.push({ call, before: describeCall(call, vfs), snapshot: vfs.snapshot(), acks: acks.length, completed: false });
    },
  });
  const control: WorkloadControl = {
    ack: (value?: unknown) => {
      acks.push(value);
      ackCapture.push(captures.length);
    },
  };
  try {
    await runWithFs(wfs, () => options.workload(wfs, control));
    await runWithFs(wfs, () => settle(captures));
  } catch (e) {
    if (limitHit !== undefined) throw new ExploreError(`${o.name}: ${limitHit}`, { cause: e });
    throw new ExploreError(`${o.name}: the workload threw (no crash was simulated yet): ${messageOf(e)}`, { cause: e });
  }
  // a workload that caught the limit error and carried on
  if (limitHit !== undefined) throw new ExploreError(`${o.name}: ${limitHit}`);
  if (captures.length === 0) {
    const r = routingInstalled();
    const hint = r.esm && r.cjs
      ? 'did it use the fs it was given (or node:fs imported after crashsim/register)?'
      : 'if it imports node:fs itself, install module routing first (node --import crashsim/register, or import \'crashsim/register\' before the code under test)';
    throw new ExploreError(`${o.name}: the workload made no file-system call on the simulated disk; ${hint}`);
  }
  captures.push({ call: undefined, before: 'after the workload returned', snapshot: vfs.snapshot(), acks: acks.length, completed: true });
  finished = true;

  // 3. crash images per point → recovered and checked states
  const streams = new RandomStreams(o.seed);
  const distinct = new Set<string>();
  const verdicts = new Map<string, Verdict>();
  const failures: CrashFailure[] = [];
  const outcomes: Record<string, number> = {};
  const mechanisms: Record<string, number> = {};
  const ackSeqs = ackCapture.map((ci, n) => ({ value: acks[n], seq: (captures[Math.min(ci, captures.length - 1)] as Capture).snapshot.nextSeq }));
  let candidates = 0;
  let sampledPoints = 0;
  let passed = 0;
  let failed = 0;
  let incomplete: string | undefined;
  let found = false;
  const seqStarts = captures.map((c) => c.snapshot.nextSeq);

  const siteOfOp = (seq: number): string | undefined => {
    // the primitive that issued op #seq is the last capture taken before the seq counter passed it
    let i = seqStarts.length - 1;
    while (i > 0 && (seqStarts[i] as number) > seq) i--;
    const cap = captures[i];
    if (cap === undefined || cap.call === undefined || (seqStarts[i] as number) > seq) return undefined;
    cap.site ??= siteOf(cap.call.site);
    return siteText(cap.site);
  };
  const opLine = (op: PendingOp): string => {
    const s = siteOfOp(op.seq);
    return s === undefined ? describeOp(op) : `${describeOp(op)}   ← ${s}`;
  };
  const pointInfo = (i: number): CrashPointInfo => {
    const cap = captures[i] as Capture;
    if (cap.call !== undefined) cap.site ??= siteOf(cap.call.site);
    return { index: i, count: captures.length, before: cap.before, site: cap.site === undefined ? undefined : siteText(cap.site), completed: cap.completed };
  };

  const check = async (image: CrashImage, cap: Capture, info: CrashPointInfo): Promise<Verdict> => {
    const rv = Vfs.fromImage(image, { personality: o.personality });
    let calls = 0;
    const rfs = createNodeFs(rv, {
      cwd: o.cwd,
      beforeCall: () => {
        if (++calls > o.recoverCallsMax) throw new ExploreLimitError(`recovery issued more than ${o.recoverCallsMax} file-system primitives (limits.recoverCallsMax): a retry loop?`);
      },
    });
    const context: CheckContext = { acknowledged: acks.slice(0, cap.acks), completed: cap.completed, point: info, image, fs: rfs };
    let state: S;
    try {
      state = options.recover === undefined ? (image as unknown as S) : await runWithFs(rfs, () => (options.recover as (fs: NodeFsFacade) => S | Promise<S>)(rfs));
    } catch (e) {
      return { ok: false, message: `recovery threw: ${messageOf(e)}`, error: e };
    }
    try {
      const r = await runWithFs(rfs, () => options.check(state, context));
      if (r === false) return { ok: false, message: 'check returned false', error: undefined };
    } catch (e) {
      return { ok: false, message: messageOf(e), error: e };
    }
    return { ok: true, message: 'ok', error: undefined };
  };

  points: for (const [i, cap] of captures.entries()) {
    if (handle !== undefined && i !== handle.point) continue;
    const rng = streams.stream(`point/${i}`);
    const main = crashImages(cap.snapshot, { prefixes: true, subsets: true, exhaustiveOpsMax: o.exhaustiveOpsMax, subsetSamples: o.samplesPerPoint, rng });
    const reports = [main, ...o.tornPasses.map((t, j) => crashImages(cap.snapshot, { prefixes: false, subsets: false, torn: t, rng: streams.stream(`point/${i}/torn${j}`) }))];
    if (main.subsetMode === 'sampled' || main.prefixMode === 'sampled') sampledPoints++;
    const pending = cap.snapshot.log.filter((e) => !e.durable).map((e) => e.op);
    let info: CrashPointInfo | undefined;
    for (const report of reports) {
      candidates += report.counts.total.candidates;
      for (const image of report.images) {
        if (handle !== undefined && !matchesHandle(image, handle)) continue;
        found = true;
        distinct.add(image.hash);
        const key = `${image.hash}|${cap.acks}`;
        if (verdicts.has(key)) continue;
        if (verdicts.size >= o.statesMax) {
          incomplete = `stopped after limits.statesMax = ${o.statesMax} states, at crash point ${i + 1} of ${captures.length}`;
          break points;
        }
        info ??= pointInfo(i);
        const v = await check(image, cap, info);
        verdicts.set(key, v);
        const outcome = v.ok ? 'ok' : (v.message.split('\n')[0] as string);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (v.ok) {
          passed++;
          continue;
        }
        failed++;
        const kept = new Set(image.keptSeqs);
        const why = explain(o.personality, pending, kept, image.torn, cap.completed, ackSeqs.slice(0, cap.acks));
        const firstOfMechanism = mechanisms[why.mechanism] === undefined;
        mechanisms[why.mechanism] = (mechanisms[why.mechanism] ?? 0) + 1;
        if (failures.length >= o.failuresMax && !firstOfMechanism) continue;
        const h = handleOf(o.name, i, image);
        failures.push({
          message: v.message,
          error: v.error,
          point: info,
          kind: image.kind,
          image: { dirs: image.dirs, files: image.files },
          kept: pending.filter((op) => kept.has(op.seq)).map(opLine),
          lost: pending.filter((op) => !kept.has(op.seq)).map(opLine),
          torn: image.torn,
          explanation: why.text,
          mechanism: why.mechanism,
          acknowledged: acks.slice(0, cap.acks),
          handle: h,
          replay: replayCommand(h, callerStack),
        });
      }
    }
    const p: ExploreProgress = { name: o.name, pointsDone: i + 1, points: captures.length, statesChecked: verdicts.size, failures: failed };
    options.onProgress?.(p);
    if (options.progress === true && (Math.floor(((i + 1) * 10) / captures.length) > Math.floor((i * 10) / captures.length))) {
      process.stderr.write(`crashsim: ${o.name}: crash point ${p.pointsDone}/${p.points}, ${p.statesChecked} states checked, ${p.failures} failing\n`);
    }
  }
  if (handle !== undefined && !found) {
    throw new ExploreError(`replay ${replayText}: crash point ${handle.point + 1} of "${o.name}" has no such image (${handle.point >= captures.length ? `the workload now has only ${captures.length} crash points` : 'the workload or its options changed since the handle was printed'})`);
  }
  if (lateCalls > 0 && incomplete === undefined) incomplete = `${lateCalls} file-system call(s) came after the workload returned and went quiet (timers?); they were not explored`;
  const counts: ExploreCounts = { crashPoints: captures.length, candidates, distinctImages: distinct.size, statesChecked: verdicts.size, passed, failed, sampledPoints };
  return new CrashExploration(o.name, o.personality, o.seed, counts, failures, outcomes, mechanisms, incomplete, handle === undefined ? undefined : replayText, undefined, () => captures.map((_, i) => pointInfo(i)));
}

/** Thrown by `assertCrashSafe`: the report of the failing states (readable in a test runner). */
export class CrashSafetyError extends Error {
  override readonly name = 'CrashSafetyError';
  constructor(readonly result: CrashExploration, failuresShown = 3) {
    super(result.report(failuresShown));
  }
}

/** `exploreCrashes`, then throw a `CrashSafetyError` listing the first failing states if any state fails (for test runners). */
export async function assertCrashSafe<S = DiskImage>(options: ExploreOptions<S>): Promise<CrashExploration> {
  const result = await exploreCrashes(options);
  if (!result.ok) throw new CrashSafetyError(result);
  return result;
}
