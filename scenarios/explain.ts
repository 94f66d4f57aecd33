/**
 * Explanations of crash-image failures: which two operations were the wrong way
 * round on disk, in words, with the source locations that issued them.
 *
 * A run that broke an invariant while recovering from a power loss is re-run
 * (deterministically: the same plan and options) with every fs call's site
 * recorded and the disk snapshotted before each primitive near the crash point.
 * Then the images next to the failing one are checked the way the explorer
 * checks recovery (a fresh node on the image, with the run's history):
 *  1. the chosen image with one kept pending op lost — the latest first: the
 *     *culprit*, an op that reached disk too early;
 *  2. the chosen image with one lost pending op kept — the earliest first: the
 *     *missing* op, one that should have reached disk first;
 *  3. where 1 finds nothing, the crash a few primitives earlier with everything
 *     issued kept (the culprit is then the op issued at the first point that
 *     fails: e.g. an A/B write already made durable);
 *  4. where 2 finds nothing, the crash a few primitives later (the missing op is
 *     then one not yet issued at the crash).
 * Only images the personality allows count. Everything is bounded (images tried,
 * primitives either side) and deterministic, so an explanation is the same on
 * every machine.
 */
import { RandomStreams } from '../sim/random.js';
import { describeOp, type PendingOp } from '../sim/vfs/model.js';
import { crashImages, crashImageWith, keepAllowed, type CrashImage, type TornChoiceSpec, type TornDetail } from '../sim/vfs/crash.js';
import { Vfs, type VfsSnapshot } from '../sim/vfs/vfs.js';
import { getDesign } from './designs.js';
import { Execution, initialVfs, type ExecOptions, type TimelineEvent } from './execute.js';
import type { OracleHistory } from './oracles/invariants.js';
import type { Plan } from './plan.js';
import { describeSite } from './sites.js';

export interface ExplainOptions {
  /** recovery checks one explanation may spend (default 48) */
  readonly imagesMax?: number;
  /** crash points tried on either side of the failing one (default 12) */
  readonly pointsMax?: number;
}

export const EXPLAIN_IMAGES_MAX = 48;
export const EXPLAIN_POINTS_MAX = 12;
/** event-time violations: recovery checks spent finding a failing image near the violation, and per crash point */
const EVENT_FIND_MAX = 64;
const EVENT_IMAGES_PER_POINT_MAX = 8;

/** One operation an explanation names. */
export interface OpRef {
  readonly seq: number;
  /** `#35 unlink /data/blocks/…_1.pb` */
  readonly text: string;
  /** `the unlink of blocks/fb097e70…_1.pb` */
  readonly words: string;
  /** `src/persist/blocks.ts:74` */
  readonly site: string | undefined;
  /** the op was issued after the crash point (a later crash point had it) */
  readonly notYetIssued: boolean;
}

export interface Explanation {
  /** which power loss of the run (1-based) the failing image came from; 0 for an event-time violation */
  readonly crash: number;
  /** crash: broken while recovering from a crash image; event: broken at event time, explained by the image a power loss then leaves */
  readonly mode: 'crash' | 'event';
  /** event mode: where the power loss is put and what recovery breaks */
  readonly failingImage: string | undefined;
  readonly kind: 'pair' | 'torn' | 'culprit' | 'missing' | 'not-disk' | 'none' | 'not-recovery';
  /** the sentence shown to people */
  readonly text: string;
  readonly culprit: OpRef | undefined;
  /** the first of `missingAll` */
  readonly missing: OpRef | undefined;
  /** every op the failing image lost that recovery needs (usually one) */
  readonly missingAll: readonly OpRef[];
  /** how the nearest passing image differs from the failing one */
  readonly passingImage: string | undefined;
  readonly imagesTried: number;
}

/** The crash-report texts (`#35 unlink /data/…`) of the pending ops an explanation names (crash mode: the run's own crash). */
export function explanationOps(e: Explanation): string[] {
  if (e.mode !== 'crash') return [];
  return [e.culprit, ...e.missingAll].filter((r): r is OpRef => r !== undefined && !r.notYetIssued).map((r) => r.text);
}

interface Capture {
  /** world fs-op index of the primitive this capture comes before (or the crash point) */
  readonly index: number;
  readonly snapshot: VfsSnapshot;
  readonly history: OracleHistory;
}

type CheckOutcome = 'pass' | 'fail' | 'same';

const OUTCOME_WORDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^I3\/voted-block-lost/, 'recovery keeps the voted block'],
  [/^I2\/published-lost/, 'recovery keeps the published CommitQC'],
  [/^I8\/appqc-lost/, 'recovery keeps the AppQC'],
  [/^I5\//, 'the node restarts'],
];

function outcomeWords(code: string): string {
  return OUTCOME_WORDS.find(([re]) => re.test(code))?.[1] ?? 'recovery passes';
}

/** `/data/blocks/<64 hex>_3.pb` → `blocks/fb097e70…_3.pb` */
export function shortStatePath(p: string): string {
  return p.replace(/(^|\s)\/data\//g, '$1').replace(/([0-9a-f]{8})[0-9a-f]{56}/g, '$1…');
}

const AB_FILE = /(^|\/)avail_inner_[ab]\.pb$/;

/** An op in words: `the unlink of blocks/…_1.pb`, `the A/B write of the AppQC (avail_inner_b.pb)`. */
export function opWords(op: PendingOp, abPayloadWords: string): string {
  switch (op.kind) {
    case 'write': {
      const p = shortStatePath(op.path);
      return AB_FILE.test(op.path) ? `the A/B write of ${abPayloadWords} to ${p}` : `the write of ${p}`;
    }
    case 'truncate': return `the truncation of ${shortStatePath(op.path)}`;
    case 'link': return op.type === 'dir' ? `the mkdir of ${shortStatePath(op.path)}/` : `the creation of ${shortStatePath(op.path)}`;
    case 'unlink': return `the ${op.type === 'dir' ? 'rmdir' : 'unlink'} of ${shortStatePath(op.path)}`;
    case 'rename': return `the rename of ${shortStatePath(op.fromPath)} to ${shortStatePath(op.toPath)}`;
  }
}

/** `the A/B write` from `the A/B write of the AppQC (avail_inner_b.pb)`: the short form for "with X first". */
function shortWords(words: string): string {
  const ab = /^the A\/B write/.exec(words);
  return ab !== null ? 'the A/B write' : words;
}

function siteText(r: OpRef): string {
  return r.site === undefined ? '' : ` (${describeSite(r.site)})`;
}

function pendingOf(s: VfsSnapshot): PendingOp[] {
  return s.log.filter((e) => !e.durable).map((e) => e.op);
}

/**
 * Explains the failure `plan` ends with when run with `opts`: undefined when the
 * run passes or its violation cannot be tied to an image (it needs an injected
 * fault, or no fs operation is involved).
 */
export async function explainFailure(plan: Plan, opts: ExecOptions, eo: ExplainOptions = {}): Promise<Explanation | undefined> {
  const imagesMax = eo.imagesMax ?? EXPLAIN_IMAGES_MAX;
  const pointsMax = eo.pointsMax ?? EXPLAIN_POINTS_MAX;
  // The plan alone reproduces the run (recorded decisions add a check, and would end at the crash point).
  const base: ExecOptions = { ...opts, replayDecisions: undefined, recordSites: false, imageOverride: undefined };

  // 1. The run as it was: where the violation came, and which power loss (if any) it followed.
  let at0: { incarnation: number; fsOpIndex: number } | undefined;
  const first = await drive(plan, base, (x) => {
    const onViolation = x.oracle.onViolation;
    x.oracle.onViolation = (v) => {
      at0 = { incarnation: x.cur.index, fsOpIndex: x.cur.world.fsOpsPerformed };
      onViolation?.(v);
    };
  });
  const v = first.x.oracle.violation;
  if (v === undefined || at0 === undefined || NOT_DISK.test(v.code)) return undefined;
  const crashes = first.x.timeline.filter((e): e is Extract<TimelineEvent, { kind: 'crash' }> => e.kind === 'crash');
  const k = crashes.findIndex((e) => e.incarnation + 1 === v.incarnation);
  const crashEvent = crashes[k];
  const ctx: SearchContext = { plan, ack: opts.acknowledgeFindings ?? [], imagesMax, pointsMax, tried: 0, abWords: getDesign(plan.design).abPayload === 'appQC' ? 'the AppQC' : 'the prune anchor' };

  if (crashEvent !== undefined && (crashEvent.torn === undefined || crashEvent.torn.fill !== 'garbage')) {
    // 2a. Broken while recovering from a crash image: again, with sites, snapshots around the
    // crash point, and the crash moved `pointsMax` primitives later (keeping everything).
    const inc = crashEvent.incarnation;
    const point = crashEvent.fsOpIndex;
    const run = await captureAround(plan, { ...base, recordSites: true, imageOverride: { crash: k, laterFsOps: point === undefined ? 0 : pointsMax, keep: 'all' } }, (x, r) => {
      x.probeFsOp = (op) => {
        if (x.cur.index === inc && point !== undefined && op.index >= point - pointsMax) r.captures.push({ index: op.index, snapshot: x.cur.vfs.snapshot(), history: x.oracle.exportHistory() });
      };
      x.probeCrash = (vfs, crash) => {
        if (crash !== k) return;
        r.vfs = vfs;
        r.captures.push({ index: x.cur.world.fsOpsPerformed, snapshot: vfs.snapshot(), history: x.oracle.exportHistory() });
      };
    }, inc);
    const at = point === undefined ? run.captures[run.captures.length - 1] : run.captures.find((c) => c.index === point);
    if (at === undefined) return undefined;
    const kept = new Set(crashEvent.ops.filter((o) => o.kept && o.seq !== crashEvent.torn?.seq).map((o) => o.seq));
    const torn = tornSpec(crashEvent.torn);
    // The failing image must fail the same way while recovering; otherwise the violation came later
    // (at event time in the restarted node: explained below like any event-time violation).
    if ((await check(ctx, at, crashImageWith(at.snapshot, kept, torn), v.code)) === 'same') return search(ctx, run, at, kept, torn, v.code, { crash: k + 1, mode: 'crash', failingImage: undefined });
    if (RESTART_FORM.test(v.code)) {
      return { crash: k + 1, mode: 'crash', kind: 'not-recovery', text: `recovery from this crash image alone does not break ${v.code} (it needs more than the image, e.g. an injected fault): no nearest image explains it`, failingImage: undefined, culprit: undefined, missing: undefined, missingAll: [], passingImage: undefined, imagesTried: ctx.tried };
    }
    ctx.tried = 0;
  }

  // 2b. Broken at event time (e.g. a deletion while the AppQC that justifies it is not durable):
  // the same run, looking past that violation, with snapshots from a few primitives before it to
  // a few after; the first crash image there on which recovery breaks is the one to explain.
  const p = at0;
  const run = await captureAround(plan, { ...base, recordSites: true }, (x, r) => {
    const ack = x.oracle.acknowledge;
    x.oracle.acknowledge = (w) => w.code === v.code || ack?.(w) === true;
    x.haltAt = { incarnation: p.incarnation, fsOpIndex: p.fsOpIndex + pointsMax };
    x.probeFsOp = (op) => {
      if (x.cur.index !== p.incarnation || op.index < p.fsOpIndex - pointsMax) return;
      r.vfs = x.cur.vfs;
      r.captures.push({ index: op.index, snapshot: x.cur.vfs.snapshot(), history: x.oracle.exportHistory() });
    };
    // A power loss the plan puts within the window ends it: the disk right before it is a point too.
    x.probeCrash = (vfs) => {
      if (x.cur.index !== p.incarnation) return;
      r.vfs = vfs;
      r.captures.push({ index: x.cur.world.fsOpsPerformed, snapshot: vfs.snapshot(), history: x.oracle.exportHistory() });
    };
  }, p.incarnation);
  // The node went idle (or the plan ended) within the window: the disk after its last primitive is a point too.
  const last = run.captures[run.captures.length - 1];
  if (run.x.cur.index === p.incarnation && (last === undefined || last.index < run.x.cur.world.fsOpsPerformed)) {
    run.vfs = run.x.cur.vfs;
    run.captures.push({ index: run.x.cur.world.fsOpsPerformed, snapshot: run.x.cur.vfs.snapshot(), history: run.x.oracle.exportHistory() });
  }
  // Recovery is judged on its own here: no known finding looked past (they are code-matched and
  // would hide exactly the restart form of the violation being explained).
  const ectx: SearchContext = { ...ctx, ack: [] };
  let chosen: { c: Capture; image: CrashImage; code: string } | undefined;
  const consequences = consequencesOf(v.code);
  // I4 is checked before the unlink it judges is performed: its point is right after that primitive.
  const after = run.captures.filter((c) => c.index > p.fsOpIndex);
  const right = run.captures.filter((c) => c.index === p.fsOpIndex);
  const points = v.invariant === 'I4' ? [...after, ...right] : [...right, ...after];
  scan: for (const c of points) {
    const report = crashImages(c.snapshot, { exhaustiveOpsMax: 8, subsetSamples: 16, prefixesMax: 64, torn: false, rng: new RandomStreams(`explain/${c.index}`).stream('images') });
    // The images closest to "everything issued reached disk" first.
    const images = [...report.images].sort((a, b) => a.lost.length - b.lost.length).slice(0, EVENT_IMAGES_PER_POINT_MAX);
    for (const image of images) {
      if (ectx.tried >= EVENT_FIND_MAX) break scan;
      const code = await recoveryCode(ectx, c, image);
      // Only a failure the violation leads to explains it (not, say, an empty block file elsewhere).
      if (code === 'pass' || code.startsWith(ACKNOWLEDGED) || !consequences.some((prefix) => code.startsWith(prefix))) continue;
      chosen = { c, image, code };
      break scan;
    }
  }
  if (chosen !== undefined) {
    const { c, image, code } = chosen;
    ectx.tried = 0;
    const text = `had the power failed ${c.index === p.fsOpIndex ? 'right then' : `${c.index - p.fsOpIndex} primitive(s) later`}, recovery would break ${code} on the image that ${image.lost.length === 0 ? 'keeps every pending operation' : `loses ${image.lost.map((l) => l.replace(/^#\d+ /, '')).map(shortStatePath).join(', ')}`}`;
    return search(ectx, run, c, new Set(image.keptSeqs), undefined, code, { crash: 0, mode: 'event', failingImage: text });
  }
  return { crash: 0, mode: 'event', kind: 'none', text: `${v.code} broke at event time, and no crash image within ${pointsMax} primitives after it (${ectx.tried} tried) makes recovery break the way it leads to (${consequences.join(', ')}): nothing on disk was out of order yet`, failingImage: undefined, culprit: undefined, missing: undefined, missingAll: [], passingImage: undefined, imagesTried: ectx.tried };
}

interface SearchContext {
  readonly plan: Plan;
  readonly ack: readonly string[];
  readonly imagesMax: number;
  readonly pointsMax: number;
  readonly abWords: string;
  tried: number;
}

interface CapturedRun {
  readonly x: Execution;
  readonly captures: Capture[];
  /** the VFS of the incarnation the captures come from (its sites) */
  vfs: Vfs | undefined;
}

/** Runs `plan` with `setup` installing the capture probes; stops once incarnation `inc` is over. */
async function captureAround(plan: Plan, opts: ExecOptions, setup: (x: Execution, run: CapturedRun) => void, inc: number): Promise<CapturedRun> {
  let run: CapturedRun | undefined;
  await drive(plan, opts, (x) => {
    run = { x, captures: [], vfs: undefined };
    setup(x, run);
  }, inc);
  return run as unknown as CapturedRun;
}

/** The code recovery breaks with on `image` (from the disk and history of `c`), or 'pass'. */
async function recoveryCode(ctx: SearchContext, c: Capture, image: CrashImage): Promise<string> {
  ctx.tried++;
  const y = new Execution({ ...ctx.plan, commands: [], liveness: false }, { acknowledgeFindings: ctx.ack });
  y.oracle.importHistory(c.history);
  y.startIncarnation(Vfs.fromImage(image, { personality: ctx.plan.personality }), { disk: image, summary: image.summary });
  try {
    await y.cur.world.runUntil(() => y.over || y.cur.cell.load() !== undefined || y.cur.ended !== undefined, 'the node to start');
  } catch (e) {
    return `HARNESS/${e instanceof Error ? e.name : 'error'}`;
  }
  y.cur.world.stop('recovery checked');
  const w = y.oracle.violation;
  if (w !== undefined) return w.code;
  const acked = [...y.oracle.acknowledged.keys()][0];
  if (acked !== undefined) return `${ACKNOWLEDGED}${acked}`;
  return y.deadEnd === undefined ? 'pass' : `${ACKNOWLEDGED}dead-end`;
}

/** Violations no crash image can explain: liveness, the harness, network-level equivocation, in-memory batch and capacity checks. */
const NOT_DISK = /^(LIVENESS|HARNESS|X1|I6)\/|^I9\/null-/;
/** Codes of the checks made while a node recovers from a crash image (oracles' restart forms). */
const RESTART_FORM = /^(I5|I7)\/|^X[34]\/restored-|-by-crash$/;

/**
 * What an event-time violation leads to after a power loss: the restart forms of
 * the same invariant, and for I1/I4 (an AppQC without its CommitQC on disk) the
 * restart that cannot find the AppQC's CommitQC.
 */
function consequencesOf(code: string): string[] {
  const inv = code.split('/')[0] ?? code;
  const noCommitQC = 'I5/error:persisted AppQC at road index';
  switch (inv) {
    case 'I1': return ['I1/', noCommitQC, 'I7/'];
    case 'I4': return [noCommitQC, 'I1/', 'I7/'];
    case 'I9': return ['I9/', 'I3/'];
    case 'I2':
    case 'X2':
    case 'I11': return ['I2/'];
    default: return [`${inv}/`];
  }
}

/** Prefix of the outcome of a recovery that broke only in a way the run looks past (a known finding). */
const ACKNOWLEDGED = 'acknowledged:';

async function check(ctx: SearchContext, c: Capture, image: CrashImage, code: string): Promise<CheckOutcome> {
  const got = await recoveryCode(ctx, c, image);
  return got === 'pass' ? 'pass' : got === code ? 'same' : 'fail';
}

/** The nearest-image search around the failing image (`kept`, `torn`) at capture `at`. */
async function search(ctx: SearchContext, run: CapturedRun, at: Capture, kept: ReadonlySet<number>, torn: TornChoiceSpec | undefined, code: string, head: Pick<Explanation, 'crash' | 'mode' | 'failingImage'>): Promise<Explanation> {
  const { plan, imagesMax } = ctx;
  const pending = pendingOf(at.snapshot);
  const refOf = (op: PendingOp, notYetIssued: boolean): OpRef => ({
    seq: op.seq,
    text: describeOp(op),
    words: opWords(op, ctx.abWords),
    site: run.vfs === undefined ? undefined : run.x.siteOfSeq(run.vfs, op.seq)?.site,
    notYetIssued,
  });
  const imageWith = (keep: ReadonlySet<number>, t: TornChoiceSpec | undefined): CrashImage => crashImageWith(at.snapshot, keep, t);
  const allowed = (keep: ReadonlySet<number>, t: TornChoiceSpec | undefined): boolean => keepAllowed(at.snapshot, t === undefined ? keep : new Set([...keep, t.seq]));
  const keepAll = (c: Capture): CrashImage => crashImageWith(c.snapshot, new Set(pendingOf(c.snapshot).map((op) => op.seq)));

  let culprit: OpRef | undefined;
  let missing: OpRef | undefined;
  let passingImage: string | undefined;
  // (1) one kept op lost, the latest first; a torn write counts as kept.
  for (const op of [...pending].reverse().filter((o) => kept.has(o.seq) || o.seq === torn?.seq)) {
    if (ctx.tried >= imagesMax || culprit !== undefined) break;
    const keep = new Set(kept);
    keep.delete(op.seq);
    const t = op.seq === torn?.seq ? undefined : torn;
    if (!allowed(keep, t)) continue;
    if ((await check(ctx, at, imageWith(keep, t), code)) === 'pass') {
      culprit = refOf(op, false);
      passingImage = `the same image without #${op.seq}`;
    }
  }
  // (2) one lost op kept, the earliest first; a torn write may also land whole.
  const lostOrder = pending.filter((o) => !kept.has(o.seq) && o.seq !== torn?.seq);
  const tornOp = torn === undefined ? undefined : pending.find((o) => o.seq === torn.seq);
  if (tornOp !== undefined) lostOrder.unshift(tornOp);
  for (const op of lostOrder) {
    if (ctx.tried >= imagesMax || missing !== undefined) break;
    const keep = new Set(kept);
    keep.add(op.seq);
    const t = op.seq === torn?.seq ? undefined : torn;
    if (!allowed(keep, t)) continue;
    if ((await check(ctx, at, imageWith(keep, t), code)) === 'pass') {
      missing = refOf(op, false);
      passingImage ??= `the same image with #${op.seq}${op.seq === torn?.seq ? ' written whole' : ''}`;
    }
  }
  // (3) earlier crash points, everything issued kept: the culprit is the op issued right after the
  // latest point where recovery does not break this way (it passes, or breaks differently).
  if (culprit === undefined) {
    let later = at;
    for (const c of run.captures.filter((x) => x.index < at.index).reverse()) {
      if (ctx.tried >= imagesMax) break;
      const outcome = await check(ctx, c, keepAll(c), code);
      if (outcome !== 'same') {
        const issued = pendingOf(later.snapshot).find((op) => op.seq >= c.snapshot.nextSeq);
        if (issued !== undefined) culprit = refOf(issued, false);
        if (outcome === 'pass') passingImage ??= `a crash ${at.index - c.index} primitive(s) earlier`;
        break;
      }
      later = c;
    }
  }
  // (4a) no single lost op is enough: keep every lost op, then drop each one recovery does not need.
  let missingAll: OpRef[] = missing === undefined ? [] : [missing];
  if (missing === undefined && ctx.tried < imagesMax) {
    const keep = new Set(pending.map((o) => o.seq));
    if ((await check(ctx, at, imageWith(keep, undefined), code)) === 'pass') {
      for (const op of lostOrder) {
        if (ctx.tried >= imagesMax) break;
        keep.delete(op.seq);
        if (!allowed(keep, undefined) || (await check(ctx, at, imageWith(keep, undefined), code)) !== 'pass') keep.add(op.seq);
      }
      missingAll = lostOrder.filter((o) => keep.has(o.seq)).map((o) => refOf(o, false));
      missing = missingAll[0];
      passingImage ??= `the same image with ${missingAll.map((r) => `#${r.seq}`).join(', ')} too`;
    }
  }
  // (4b) later crash points, everything issued kept: the missing op was not yet issued at the crash.
  if (missing === undefined) {
    let prev = at;
    for (const c of run.captures.filter((x) => x.index > at.index)) {
      if (ctx.tried >= imagesMax) break;
      if ((await check(ctx, c, keepAll(c), code)) === 'pass') {
        const issued = pendingOf(c.snapshot).filter((op) => op.seq >= prev.snapshot.nextSeq);
        const op = issued[issued.length - 1];
        if (op !== undefined) missingAll = [(missing = refOf(op, true))];
        passingImage ??= `a crash ${c.index - at.index} primitive(s) later`;
        break;
      }
      prev = c;
    }
  }
  // (5) the missing op is known, yet no pending op is the culprit: one an fsync made durable shortly
  // before the failing point can be (e.g. an A/B write fsynced while the CommitQC it names was still
  // pending). It is the culprit when, at the latest crash point before it became durable (with that
  // point's history) and every other op as in the failing image, recovery breaks the same way with
  // it kept and passes without it: it alone makes the difference (a point before the run's story —
  // say, before the publication the violation is about — passes either way and names nothing).
  if (culprit === undefined && missing !== undefined) {
    const pendingAt = new Set(pending.map((o) => o.seq));
    const missingSeqs = new Set(missingAll.map((r) => r.seq));
    const earlier = run.captures.filter((x) => x.index < at.index);
    durable: for (let i = earlier.length - 1; i >= 0; i--) {
      const c = earlier[i] as Capture;
      const nextPending = new Set(pendingOf((earlier[i + 1] ?? at).snapshot).map((o) => o.seq));
      const atC = pendingOf(c.snapshot);
      for (const op of [...atC].reverse()) {
        if (nextPending.has(op.seq) || missingSeqs.has(op.seq)) continue;
        if (ctx.tried >= imagesMax) break durable;
        // `op` became durable between c and the next point: the failing image at c, without it.
        const keep = new Set(atC.filter((o) => o.seq !== op.seq && !missingSeqs.has(o.seq) && (!pendingAt.has(o.seq) || kept.has(o.seq))).map((o) => o.seq));
        const withOp = new Set([...keep, op.seq]);
        if (!keepAllowed(c.snapshot, keep) || !keepAllowed(c.snapshot, withOp)) continue;
        if ((await check(ctx, c, crashImageWith(c.snapshot, withOp), code)) !== 'same') continue;
        if (ctx.tried >= imagesMax) break durable;
        if ((await check(ctx, c, crashImageWith(c.snapshot, keep), code)) === 'pass') {
          culprit = refOf(op, false);
          passingImage ??= `a crash ${at.index - c.index} primitive(s) earlier, before #${op.seq} was made durable`;
          break durable;
        }
      }
    }
  }
  return compose(head, code, culprit, missingAll, passingImage, ctx);
}

function tornSpec(t: TornDetail | undefined): TornChoiceSpec | undefined {
  if (t === undefined || t.fill === 'garbage') return undefined;
  return { seq: t.seq, cutAtBytes: t.cutAtBytes, fill: t.fill };
}

function compose(head: Pick<Explanation, 'crash' | 'mode' | 'failingImage'>, code: string, culprit: OpRef | undefined, missingAll: readonly OpRef[], passingImage: string | undefined, ctx: SearchContext): Explanation {
  const outcome = outcomeWords(code);
  const missing = missingAll[0];
  const missingWords = missingAll.map((r) => `${r.words}${siteText(r)}`).join(' and ');
  const lead = head.failingImage === undefined ? '' : `${head.failingImage}: `;
  let kind: Explanation['kind'];
  let text: string;
  if (culprit !== undefined && missing !== undefined && culprit.seq === missing.seq) {
    kind = 'torn';
    text = `${lead}${culprit.words}${siteText(culprit)} was torn by the power loss; without it, or written whole, ${outcome}`;
  } else if (culprit !== undefined && missing !== undefined) {
    kind = 'pair';
    text = `${lead}${culprit.words}${siteText(culprit)} reached disk before ${missingWords}${missing.notYetIssued ? ', which the power loss came before' : ''}; with ${missingAll.length === 1 ? shortWords(missing.words) : 'them'} first, ${outcome}`;
  } else if (culprit !== undefined) {
    kind = 'culprit';
    text = `${lead}${culprit.words}${siteText(culprit)} reached disk too early; without it, ${outcome}`;
  } else if (missing !== undefined) {
    kind = 'missing';
    text = `${lead}${missingWords} ${missing.notYetIssued ? 'had not been issued' : 'had not reached disk'} at the power loss; with ${missingAll.length === 1 ? 'it' : 'them'} on disk, ${outcome}`;
  } else if (passingImage !== undefined) {
    kind = 'not-disk';
    text = `${lead}recovery passes on ${passingImage}, but no disk operation makes the difference: what breaks is the node's state, not the order of writes`;
  } else {
    kind = 'none';
    text = `${lead}no image within one pending operation of the failing one, and no crash point within ${ctx.pointsMax} primitives of it, lets recovery pass (${ctx.tried} of at most ${ctx.imagesMax} images tried)`;
  }
  return { ...head, kind, text, culprit, missing, missingAll, passingImage, imagesTried: ctx.tried };
}

/** Runs `plan` (like executePlan), with `setup` on the Execution; stops once incarnation `stopAfter` is over or the world was halted at a point. */
async function drive(plan: Plan, opts: ExecOptions, setup: ((x: Execution) => void) | undefined, stopAfter?: number): Promise<{ x: Execution }> {
  const x = new Execution(plan, opts);
  setup?.(x);
  x.startIncarnation(initialVfs(plan), undefined);
  for (const [i, c] of plan.commands.entries()) {
    if (x.over || x.haltedAtPoint) break;
    if (stopAfter !== undefined && x.cur.index > stopAfter) break;
    await x.command(c, i);
  }
  if (plan.liveness && !x.over && !x.haltedAtPoint && (stopAfter === undefined || x.cur.index <= stopAfter)) await x.liveness();
  if (x.cur.world.status === 'running') x.cur.world.stop('explained');
  return { x };
}
