/**
 * The one executor: runs a Plan in the simulated world and judges it.
 *
 * A run is a sequence of *incarnations* of the node under test. Each incarnation
 * is a fresh simulated world (scheduler, clock, tasks) over the disk the previous
 * one left: after a power loss, one of the crash images the personality allows;
 * after a process restart, the same VFS (the page cache survives). The plan's
 * commands drive the simulated committee (scenarios/network.ts), the oracles
 * (scenarios/oracles/invariants.ts) watch every point where an invariant can
 * break, and the first violation stops the run.
 */
import { createHash } from 'node:crypto';
import { newState, type AvailState } from '../src/avail/state.js';
import { useSignatureScheme, type SignatureScheme } from '../src/crypto.js';
import type { AtomicSend, Ctx } from '../src/env.js';
import { toHex, type CommitQC, type LaneId } from '../src/types.js';
import { blockHeaderHash } from '../src/codec/index.js';
import { blockFileName } from '../src/persist/names.js';
import type { AvailObserver } from '../src/avail/observer.js';
import { RandomStreams, type Rng } from '../sim/random.js';
import { crashImages, crashImageWith, type CrashImage, type CrashImageOptions, type CrashReport, type TornDetail } from '../sim/vfs/crash.js';
import { drawFaultProfile, FaultyFs } from '../sim/vfs/faults.js';
import { describeOp, type DiskImage } from '../sim/vfs/model.js';
import { Vfs } from '../sim/vfs/vfs.js';
import { createWorld, DeadlockError, LivelockError, SimFailure, type FsOpInfo, type World } from '../sim/world.js';
import type { StrategyOptions } from '../sim/sched/strategy.js';
import { ablatedDesign, getDesign, type DesignEntry } from './designs.js';
import { acknowledger, prunePointOf, recognise, type EvidenceInput } from './findings.js';
import { fieldCutHints, topLevelFieldCutHints } from './field-cuts.js';
import { Forensics, RecordingFs, opRef, pageCacheOnlyFiles, pathOf, truncates, type OpRef } from './forensics.js';
import { readDisk } from './oracles/disk.js';
import { ScriptedFaults, ScriptedFaultState, targets } from './faults.js';
import { Network } from './network.js';
import { Oracle, type Damage, type InvariantId, type Violation } from './oracles/invariants.js';
import { trustJudge } from './oracles/trust.js';
import { Probes } from './probes.js';
import { cursorOf } from '../src/avail/inner.js';
import { InMemoryDataLayer, type DataLayer } from '../src/avail/data.js';
import { describeCommand, type Command, type CrashFilter, type ImagePick, type Plan } from './plan.js';
import { currentCallSiteId } from './sites.js';

/** The state directory D of the node (the operator creates it; it is durable from the start). */
export const STATE_DIR = '/data';
/** Process restarts after a failed node (persist error, startup error under faults) a run may take. */
export const REVIVES_MAX = 50;
/** Times the liveness phase restarts a node that a late persistence error stopped. */
export const LIVENESS_ATTEMPTS_MAX = 3;
/** The signature scheme of every simulated run (part of what a trace hash depends on). */
export const SIMULATION_SIGNATURE_SCHEME: SignatureScheme = 'ed25519-fast';
/** Fixture seed of the committee: fixed, so keys, blocks and signatures are shared (and memoized) by every run. */
export const COMMITTEE_SEED = 'crashsim-committee';

export interface ExecOptions {
  /** record each Env call's source location (replay --trace) */
  readonly traceSources?: boolean;
  /** trace events each world keeps for the report; default 200 */
  readonly traceKeepLastEvents?: number;
  /** recorded scheduler decisions per incarnation (from a replay token): followed exactly, divergence fails */
  readonly replayDecisions?: readonly (readonly number[])[];
  /** known findings (ids) to count and look past instead of stopping the run */
  readonly acknowledgeFindings?: readonly string[];
  /**
   * record the call site (scenarios/sites.ts) of every fs op (`true`: crash events
   * name where each pending op came from) or of fsyncs only (`'fsync'`: ablation's
   * discovery); `FsOpInfo.site` then carries it to `probeFsOp`
   */
  readonly recordSites?: boolean | 'fsync';
  /** explanations: crash number `crash` (0-based) takes a chosen image instead of the plan's */
  readonly imageOverride?: ImageOverride;
  /** index of the first incarnation (the explorer continues a run's forensic record after a crash) */
  readonly firstIncarnation?: number;
}

/** A crash image chosen by its kept pending ops, optionally a few primitives later than the plan's crash point. */
export interface ImageOverride {
  readonly crash: number;
  /** crash this many fs primitives after the plan's crash point (0: at it) */
  readonly laterFsOps: number;
  /** seqs of the pending ops to keep, or every pending op */
  readonly keep: readonly number[] | 'all';
  /** the torn write of the image, kept torn */
  readonly torn?: { readonly seq: number; readonly cutAtBytes: number; readonly fill: 'old' | 'zero' };
}

/** A pending op at a power loss: kept or lost by the chosen image, and where the system under test issued it. */
export interface CrashOp {
  readonly seq: number;
  readonly text: string;
  readonly kept: boolean;
  /** call site (with ExecOptions.recordSites) */
  readonly site: string | undefined;
  /** the fs primitive that logged it */
  readonly primitive: string | undefined;
}

/** What happened, in order, for reports and the HTML timeline. */
export type TimelineEvent =
  | { readonly kind: 'command'; readonly incarnation: number; readonly step: number; readonly index: number; readonly text: string }
  | { readonly kind: 'fault'; readonly incarnation: number; readonly step: number; readonly text: string }
  | { readonly kind: 'crash'; readonly incarnation: number; readonly step: number; readonly point: string; readonly pending: readonly string[]; readonly image: string; readonly lost: readonly string[]; readonly imagesConsidered: number; readonly ops: readonly CrashOp[]; readonly torn: TornDetail | undefined; readonly fsOpIndex: number | undefined }
  | { readonly kind: 'restart'; readonly incarnation: number; readonly step: number; readonly why: string }
  | { readonly kind: 'liveness'; readonly incarnation: number; readonly step: number; readonly text: string }
  | { readonly kind: 'violation'; readonly incarnation: number; readonly step: number; readonly text: string };

export interface RunStats {
  readonly incarnations: number;
  readonly crashes: number;
  readonly processRestarts: number;
  /** crash images enumerated (distinct) over all crash points of the run */
  readonly crashImagesConsidered: number;
  readonly steps: number;
  readonly fsOps: number;
  readonly faultsInjected: number;
  /** scripted `fault` commands armed, and how many of them fired (the rest found no matching call) */
  readonly scriptedFaultsArmed: number;
  readonly scriptedFaultsFired: number;
  readonly checks: Readonly<Partial<Record<InvariantId, number>>>;
  /** checks on a state with something to compare (coverage) */
  readonly nontrivialChecks: Readonly<Partial<Record<InvariantId, number>>>;
  /** coverage probes: faults fired by kind, crash windows hit, races (scenarios/probes.ts): name → hits */
  readonly probes: Readonly<Record<string, number>>;
}

export interface RunResult {
  readonly plan: Plan;
  readonly verdict: 'pass' | 'fail';
  readonly violation: Violation | undefined;
  /** the known findings (ids) this run looked past */
  readonly acknowledgeFindings: readonly string[];
  /** acknowledged violations seen (code → count); the run went on past them */
  readonly acknowledged: Readonly<Record<string, number>>;
  /** the same, by known finding (id → count) */
  readonly acknowledgedFindings: Readonly<Record<string, number>>;
  readonly stats: RunStats;
  /** stable hash of everything the run did (every world's trace + every chosen crash image) */
  readonly traceHash: string;
  /** scheduler decisions (task ids) of each incarnation */
  readonly decisions: readonly (readonly number[])[];
  readonly timeline: readonly TimelineEvent[];
  /** the last trace lines of the world where the run ended */
  readonly traceTail: readonly string[];
  /** why the run ended early past an acknowledged finding, if it did */
  readonly deadEnd: string | undefined;
  /** unsurvivable damage (never a failure): code → count, and the first few in words */
  readonly unsurvivable: Readonly<Record<string, number>>;
  readonly damage: readonly Damage[];
  /** the node's state when the run ended, if it was running */
  readonly finalState: string | undefined;
}

interface Incarnation {
  readonly index: number;
  readonly world: World;
  readonly vfs: Vfs;
  readonly faulty: FaultyFs | undefined;
  readonly scripted: ScriptedFaults;
  readonly cell: AtomicSend<AvailState | undefined>;
  /** set when the node task ends: undefined = still running */
  ended: { readonly error: unknown } | undefined;
  /** faults injected in the run when this incarnation started */
  readonly faultsAtStart: number;
  /** votes delivered to this incarnation: lane → next block number to deliver votes for */
  readonly votesDelivered: Map<LaneId, bigint>;
  crashAfterFsOps: number | undefined;
  /** with a targeted crash point: only these primitives count */
  crashOnly: CrashFilter | undefined;
}

/** One run in progress (exported for the explorer, which drives it step by step). */
export class Execution {
  readonly design: DesignEntry;
  /** the design the node runs: `design` with the plan's ablation applied */
  readonly sutDesign: DesignEntry['design'];
  readonly net: Network;
  readonly oracle: Oracle;
  readonly streams: RandomStreams;
  readonly timeline: TimelineEvent[] = [];
  /** what happened to the disk, for the findings' evidence rules */
  readonly forensics = new Forensics();
  /** own block number → the incarnation that first handed it to the peers */
  private readonly ownBlockSeenIn = new Map<bigint, number>();
  readonly probes = new Probes();
  private readonly hash = createHash('sha256');
  private readonly decisions: number[][] = [];
  private stepsBefore = 0;
  private fsOpsBefore = 0;
  private faults = 0;
  private crashes = 0;
  private restarts = 0;
  private imagesConsidered = 0;
  private revives = 0;
  /** set by the liveness phase: no faults from then on */
  private faultsOff = false;
  /** set when the run cannot go on (a restart failed with an acknowledged finding) */
  deadEnd: string | undefined;
  private faultProfileRng: Rng;
  /** scripted faults armed and sticky read corruption: kept across restarts and power losses */
  readonly scriptedState: ScriptedFaultState;
  cur!: Incarnation;

  constructor(readonly plan: Plan, readonly opts: ExecOptions) {
    // Simulations use native Ed25519: signature bytes never steer the SUT (src/crypto.ts).
    useSignatureScheme(SIMULATION_SIGNATURE_SCHEME);
    this.design = getDesign(plan.design);
    this.sutDesign = ablatedDesign(this.design.design, plan.ablation);
    this.net = new Network(COMMITTEE_SEED, plan.committeeSize, plan.nodeIndex);
    this.streams = new RandomStreams(plan.seed);
    this.faultProfileRng = this.streams.stream('faults');
    this.scriptedState = new ScriptedFaultState(this.streams.stream('faults/scripted'));
    this.oracle = new Oracle(this.oracleContext(undefined));
    this.oracle.trust = trustJudge(this.net.fx.committee.replicas);
    const ack = opts.acknowledgeFindings ?? [];
    if (ack.length > 0) this.oracle.acknowledge = acknowledger(ack);
    this.oracle.classify = (v) => recognise(plan.design, this.evidenceInput(v));
    this.oracle.onViolation = (v) => {
      const known = v.known.length === 0 ? ' [NEW: no known finding\'s evidence holds]' : ` [${v.known.map((k) => k.evidence).join(' | ')}]`;
      this.timeline.push({ kind: 'violation', incarnation: v.incarnation, step: v.step, text: `${v.invariant}: ${v.message}${known}` });
      this.cur?.world.stop(`violation of ${v.invariant}`);
    };
  }

  /** What the findings' evidence rules see at a violation (now). */
  evidenceInput(v: Omit<Violation, 'known'>): EvidenceInput {
    const self = this;
    return {
      v,
      forensics: this.forensics,
      stateDir: STATE_DIR,
      abPayload: this.design.abPayload,
      incarnation: this.cur.index,
      durable: () => self.cur.vfs.durableImage(),
      pending: () => self.cur.vfs.pendingLog(),
      publications: this.oracle.publications,
      state: () => self.cur.cell.load(),
      emptyBatchesInARow: this.oracle.emptyBatchesInARow,
      networkCommitQC: (i) => this.net.commitQCs[Number(i)],
    };
  }

  private oracleContext(inc: Incarnation | undefined): ConstructorParameters<typeof Oracle>[0] {
    const self = this;
    return {
      durableImage: () => (inc ?? self.cur).vfs.durableImage(),
      stateDir: STATE_DIR,
      abPayload: this.design.abPayload,
      lanes: this.net.fx.lanes,
      incarnation: inc?.index ?? 0,
      get step() {
        return self.cur?.world.step ?? 0;
      },
      get faultsInjected() {
        return self.faults;
      },
      networkCommitQC: (i) => this.net.commitQCs[Number(i)],
      corruptedRead: (path) => self.forensics.corruptedReads((inc ?? self.cur).index, path).length > 0,
    };
  }

  // -------------------------------------------------------------------------
  // Incarnations

  /**
   * Starts the node on `vfs` in a fresh world. `image` is set when the disk came
   * from a crash or a process restart; `restart` says which, for the forensic record.
   */
  startIncarnation(vfs: Vfs, image: { readonly disk: DiskImage; readonly summary: string } | undefined, restart?: { readonly kind: 'power-loss' | 'process'; readonly why: string; readonly pageCacheOnly: ReadonlySet<string> }): void {
    const local = this.decisions.length;
    // The incarnation number; seeds stay per world of this execution (a forked explorer recovery keeps its streams).
    const index = (this.opts.firstIncarnation ?? 0) + local;
    const plan = this.plan;
    this.forensics.newIncarnation();
    if (image !== undefined && restart !== undefined) this.forensics.restarts.push({ incarnation: index, kind: restart.kind, disk: image.disk, pageCacheOnly: restart.pageCacheOnly, why: restart.why });
    const faulty = plan.faults === 'swarm' ? new FaultyFs(vfs, drawFaultProfile(this.faultProfileRng), this.streams.stream(`faults/inc${local}`), { enabled: !this.faultsOff, onFault: (e) => this.noteFault(`${e.kind} on ${e.primitive} of ${e.path ?? '(unlinked)'}: ${e.detail}`, `${e.kind}: ${e.detail}`) }) : undefined;
    const scripted = new ScriptedFaults(faulty ?? vfs, vfs, (e) => this.noteFault(`${e.kind} of ${e.path ?? '(unlinked)'}: ${e.detail}`, `${e.kind}: ${e.detail}`), this.scriptedState);
    this.probes.newIncarnation();
    const world = createWorld({
      seed: `${plan.seed}/inc${local}`,
      fs: new RecordingFs(scripted, this.forensics, (fd) => {
        const path = vfs.fdInfo(fd)?.path;
        return path !== undefined && (this.scriptedState.flips.get(path)?.length ?? 0) > 0;
      }),
      budgetSteps: plan.budgetSteps,
      strategy: this.strategy(),
      traceSources: this.opts.traceSources ?? false,
      traceKeepLastEvents: this.opts.traceKeepLastEvents ?? 200,
      beforeFsOp: (op) => this.beforeFsOp(op),
      fsCallSite: this.wantSites ? currentCallSiteId : this.opts.recordSites === 'fsync' || this.plan.ablation?.kind === 'fsync' ? fsyncCallSiteId : undefined,
    });
    const inc: Incarnation = {
      index,
      world,
      vfs,
      faulty,
      scripted,
      cell: world.env.newAtomicSend<AvailState | undefined>('harness.node', undefined),
      ended: undefined,
      faultsAtStart: this.faults,
      votesDelivered: new Map(),
      crashAfterFsOps: undefined,
      crashOnly: undefined,
    };
    this.cur = inc;
    this.decisions.push([]);
    this.oracle.setContext(this.oracleContext(inc));
    const fx = this.net.fx;
    const env = world.env;
    world.spawn('node', async (ctx) => {
      let state: AvailState;
      try {
        state = await newState(env, ctx, {
          key: fx.key(plan.nodeIndex),
          committee: fx.committee,
          stateDir: STATE_DIR,
          design: this.sutDesign,
          observer: this.observerFor(inc),
          data: this.servedData(),
        });
      } catch (e) {
        inc.ended = { error: e };
        // A disk fault during startup may fail it legitimately: the operator restarts the node.
        if (this.faults > inc.faultsAtStart) {
          this.timeline.push({ kind: 'restart', incarnation: inc.index, step: world.step, why: `startup failed under an injected fault: ${e instanceof Error ? e.message : String(e)}` });
          return;
        }
        this.oracle.restartFailed(e, image?.summary ?? 'the initial (empty) state dir');
        // Acknowledged (a known finding): the disk cannot be recovered, so the run ends here.
        if (!this.violated) {
          this.deadEnd = `the node cannot restart (${e instanceof Error ? e.message : String(e)})`;
          world.stop('dead end');
        }
        return;
      }
      if (image !== undefined) {
        this.oracle.restarted(state, image.disk);
        this.oracle.checkRestoredTrust(state);
      } else this.oracle.started(state);
      inc.cell.store(state);
      try {
        await env.tasks.run(ctx, 'node', async (c, scope) => {
          scope.spawn('lane-votes', async (t) => {
            const sub = state.subscribeLaneVotes();
            for (;;) await sub.recvBatch(t);
          });
          scope.spawn('own-proposals', async (t) => {
            const sub = state.subscribeLaneProposals(0n);
            for (;;) {
              const p = await sub.recv(t);
              const n = p.block.header.blockNumber;
              if (!this.ownBlockSeenIn.has(n)) this.ownBlockSeenIn.set(n, inc.index);
              this.oracle.trustBlock(p, 'SubscribeLaneProposals');
              this.net.seeOwnBlock(p);
            }
          });
          await state.run(c);
        });
      } catch (e) {
        inc.ended = { error: e };
        this.oracle.persistLoopEnded(e, this.faults > inc.faultsAtStart, inc.cell.load());
      }
    });
  }

  /** The oracles' observer plus the write-group bookkeeping of the forensic record. */
  private observerFor(inc: Incarnation): AvailObserver {
    const forensics = this.forensics;
    return this.probedObserver({ ...this.oracle.observer(() => inc.cell.load()), onWriteGroup: (e) => forensics.writeGroup(e.task, e.group, e.phase) }, inc);
  }

  private strategy(): StrategyOptions {
    const recorded = this.opts.replayDecisions;
    if (recorded !== undefined) return { kind: 'replay', decisions: recorded[this.decisions.length] ?? [] };
    const s = this.plan.schedule;
    if (s.kind === 'random') return { kind: 'random' };
    if (s.kind === 'pct') return { kind: 'pct', depth: s.depth, estimatedSteps: Math.min(this.plan.budgetSteps, 5000) };
    return { kind: 'guided', decisions: s.decisions.slice(Math.min(this.stepsBefore, s.decisions.length)) };
  }

  /** The node's data layer, with X3/X4 on everything the data pump serves it (no extra scheduling points). */
  private servedData(): DataLayer {
    const data = new InMemoryDataLayer();
    return {
      pushQC: (ctx, full, blocks) => {
        this.oracle.trustCommitQC(full.qc, 'served');
        for (const b of blocks) this.oracle.trustBlock(b, 'the data pump');
        return data.pushQC(ctx, full, blocks);
      },
    };
  }

  /** The oracles' observer plus the probes that read the node's state (the persist/prune race). */
  private probedObserver(o: AvailObserver, inc: Incarnation): AvailObserver {
    return {
      ...o,
      onPrune: (e) => {
        o.onPrune?.(e);
        const inner = inc.cell.load()?.core.inner;
        if (!e.updated || inner === undefined) return;
        for (const [lane, q] of inner.blocks) if (cursorOf(inner.nextBlockToPersist, lane) < q.first) return this.probes.hit('race/prune-past-cursor');
      },
    };
  }

  /** `short`: `<kind>: <detail>` (the forensic record's fault text; its kind names the probe). */
  private noteFault(text: string, short: string): void {
    this.probes.hit(`fault/${short.slice(0, short.indexOf(':') < 0 ? undefined : short.indexOf(':'))}`);
    this.faults++;
    this.forensics.fault(short);
    this.timeline.push({ kind: 'fault', incarnation: this.cur.index, step: this.cur.world.step, text });
  }

  /** sees every fs primitive before it is performed (the explorer snapshots the VFS here) */
  probeFsOp: ((op: FsOpInfo) => void) | undefined;
  /** sees the disk at each power loss, before the image is chosen (explanations snapshot it here) */
  probeCrash: ((vfs: Vfs, crash: number) => void) | undefined;
  /** explanations: halt the world before fs primitive `fsOpIndex` of incarnation `incarnation`, whatever command runs */
  haltAt: { readonly incarnation: number; readonly fsOpIndex: number } | undefined;
  /** set when `haltAt` halted the world */
  haltedAtPoint = false;

  private get wantSites(): boolean {
    return this.opts.recordSites === true;
  }

  /** per VFS: the first seq each fs primitive logged, with its call site (recordSites) */
  private readonly siteLog = new WeakMap<Vfs, { readonly seq: number; readonly site: string | undefined; readonly primitive: string }[]>();
  /** fs primitives the image override has let pass beyond the plan's crash point */
  private laterFsOpsDone = 0;

  private beforeFsOp(op: FsOpInfo): 'continue' | 'crash' | 'skip' {
    this.probeFsOp?.(op);
    this.probes.seeFsOp(op);
    const inc = this.cur;
    if (this.haltAt !== undefined && this.haltAt.incarnation === inc.index && this.haltAt.fsOpIndex === op.index) {
      this.haltedAtPoint = true;
      return 'crash';
    }
    if (op.primitive === 'unlink' && typeof op.args[0] === 'string') this.oracle.beforeUnlink(op.args[0]);
    if (inc.crashAfterFsOps !== undefined && (inc.crashOnly === undefined || this.matches(op, inc.crashOnly))) {
      if (inc.crashAfterFsOps === 0) {
        const o = this.opts.imageOverride;
        if (o === undefined || o.crash !== this.crashes || this.laterFsOpsDone >= o.laterFsOps) return 'crash';
        // An explanation's later crash point: any primitive counts from here.
        this.laterFsOpsDone++;
        inc.crashOnly = undefined;
      } else inc.crashAfterFsOps--;
    }
    if (this.wantSites) {
      let log = this.siteLog.get(inc.vfs);
      if (log === undefined) this.siteLog.set(inc.vfs, (log = []));
      log.push({ seq: inc.vfs.nextOpSeq, site: op.site, primitive: op.primitive });
    }
    const a = this.plan.ablation;
    if (a?.kind === 'fsync' && op.primitive === 'fsync' && op.site === a.site) return 'skip';
    const event = this.forensics.begin(inc.index, op, pathOf(inc.vfs, op), truncates(op));
    if (op.primitive === 'unlink' && event.path !== undefined) {
      const m = /\/blocks\/([0-9a-f]{64})_\d+\.pb$/.exec(event.path);
      if (m !== null) {
        // What the durable AppQC justified deleting at this moment (F9's evidence).
        const view = readDisk(inc.vfs.durableImage().files, STATE_DIR, this.design.abPayload);
        const appQC = view.ab.kind === 'ok' ? view.ab.appQC : undefined;
        const qc = appQC === undefined ? undefined : (view.ab.kind === 'ok' ? view.ab.commitQC : undefined) ?? this.net.commitQCs[Number(appQC.vote.roadIndex)];
        this.forensics.blockUnlinks.push({ event, durableAppQC: appQC?.vote.roadIndex, durablePrunePoint: prunePointOf(qc, m[1] as LaneId) });
      }
    }
    return 'continue';
  }

  /** The call site and primitive that logged op `seq` of `vfs` (recordSites). */
  siteOfSeq(vfs: Vfs, seq: number): { site: string | undefined; primitive: string } | undefined {
    const log = this.siteLog.get(vfs);
    if (log === undefined) return undefined;
    let lo = 0;
    let hi = log.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((log[mid] as { seq: number }).seq <= seq) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : log[found];
  }

  private matches(op: FsOpInfo, f: CrashFilter): boolean {
    if (op.primitive !== f.primitive) return false;
    const a = op.args[0];
    const path = typeof a === 'string' ? a : typeof a === 'number' ? this.cur.vfs.fdInfo(a)?.path : undefined;
    return targets(f.target, path);
  }

  /** Ends the current world's accounting (it must be halted or blocked). */
  private closeIncarnation(): void {
    const w = this.cur.world;
    this.hash.update(w.trace.hash()).update('\n');
    this.decisions[this.decisions.length - 1] = w.decisions();
    this.stepsBefore += w.step;
    this.fsOpsBefore += w.fsOpsPerformed;
  }

  // -------------------------------------------------------------------------
  // Driving

  get violated(): boolean {
    return this.oracle.violation !== undefined;
  }

  /** The run stops: a violation, or a dead end past an acknowledged finding. */
  get over(): boolean {
    return this.violated || this.deadEnd !== undefined;
  }

  /** Runs up to `steps` steps (fewer if everything blocks, the world halts, or an invariant breaks). */
  async advance(steps: number): Promise<void> {
    const w = this.cur.world;
    try {
      let left = steps;
      while (left > 0 && !this.violated && w.status === 'running') {
        const chunk = Math.min(left, 256);
        const before = w.step;
        const out = await w.runSteps(chunk);
        left -= w.step - before;
        if (out.kind !== 'steps-done') break;
      }
    } catch (e) {
      this.harnessFailure(e);
    }
  }

  private harnessFailure(e: unknown): void {
    if (e instanceof LivelockError) {
      // The step budget is far above what a bounded workload needs: whoever spins in the last steps is livelocked.
      const spinner = busiestTask(e.lastTrace);
      this.oracle.fail('LIVENESS', `livelock:${spinner}`, `livelock: the step budget of ${this.plan.budgetSteps} ran out with ${spinner} spinning`, e.message.split('\n').slice(0, 40));
    }
    else if (e instanceof DeadlockError) this.oracle.fail('LIVENESS', 'deadlock', `deadlock: ${e.message.split('\n')[0] ?? ''}`, e.message.split('\n').slice(1, 40));
    else if (e instanceof SimFailure) this.oracle.fail('HARNESS', 'simulator', e.message.split('\n')[0] ?? 'simulator failure', e.message.split('\n').slice(1, 40));
    else this.oracle.fail('HARNESS', 'unexpected-error', `unexpected error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  }

  /** Spawns a network task that waits for the node to be up, then runs `fn`. */
  private netTask(name: string, fn: (ctx: Ctx, s: AvailState) => Promise<void>): void {
    const inc = this.cur;
    inc.world.spawn(`net/${name}`, async (ctx) => {
      const s = await inc.cell.wait(ctx, (v) => v !== undefined);
      if (s === undefined) return;
      await fn(ctx, s);
    });
  }

  /** Restarts the node process if its Run ended (the page cache survives). */
  private async reviveIfDead(why: string): Promise<void> {
    if (this.cur.ended === undefined || this.violated) return;
    if (++this.revives > REVIVES_MAX) {
      this.oracle.fail('LIVENESS', 'cannot-restart', `the node was restarted ${REVIVES_MAX} times after failures and still does not run`);
      return;
    }
    await this.processRestart(why);
  }

  async processRestart(why: string): Promise<void> {
    const old = this.cur;
    old.world.stop(why);
    this.closeIncarnation();
    this.restarts++;
    this.probes.hit('restart/process');
    closeAllFds(old.vfs);
    this.timeline.push({ kind: 'restart', incarnation: old.index + 1, step: 0, why });
    const disk = old.vfs.volatileImage();
    this.startIncarnation(old.vfs, { disk, summary: 'process restart (no power loss)' }, { kind: 'process', why, pageCacheOnly: pageCacheOnlyFiles(disk, old.vfs.durableImage()) });
  }

  async crash(afterFsOps: number, imageIndex: number, only?: CrashFilter, pick?: ImagePick): Promise<void> {
    const inc = this.cur;
    inc.crashAfterFsOps = afterFsOps;
    inc.crashOnly = only;
    try {
      if (inc.world.status === 'running') await inc.world.runUntilBlocked();
    } catch (e) {
      this.harnessFailure(e);
    }
    if (this.violated) return;
    const point = inc.world.crashPoint;
    const starting = inc.cell.load() === undefined && inc.ended === undefined;
    this.probes.hit(`crash/${this.probes.crashClass(point, starting, (a) => (typeof a === 'string' ? a : typeof a === 'number' ? inc.vfs.fdInfo(a)?.path : undefined))}`);
    inc.world.stop('power loss');
    this.closeIncarnation();
    this.probeCrash?.(inc.vfs, this.crashes);
    const report: CrashReport = crashImages(inc.vfs, {
      exhaustiveOpsMax: 8,
      subsetSamples: 32,
      prefixesMax: 64,
      torn: tornOptions(this.plan.torn, 8),
      rng: this.streams.stream('crash'),
    });
    const o = this.opts.imageOverride;
    // `pick: 'torn'`: only the images that tear a pending write, when there are any.
    const torn = pick === 'torn' ? report.images.filter((i) => i.kind === 'torn') : [];
    const choice = torn.length > 0 ? torn : report.images;
    const image: CrashImage | undefined =
      o !== undefined && o.crash === this.crashes
        ? crashImageWith(inc.vfs, new Set(o.keep === 'all' ? inc.vfs.pendingLog().filter((e) => !e.durable).map((e) => e.op.seq) : o.keep), o.torn)
        : choice[imageIndex % choice.length];
    if (image === undefined) throw new Error('crashImages returned no image');
    const kept = new Set(image.keptSeqs);
    const pendingOps = inc.vfs.pendingLog().filter((e) => !e.durable).map((e) => opRef(e.op, describeOp(e.op)));
    this.forensics.crashes.push({ incarnation: inc.index, step: inc.world.step, pending: pendingOps, kept: pendingOps.filter((x: OpRef) => kept.has(x.seq)), lost: pendingOps.filter((x: OpRef) => !kept.has(x.seq) && x.seq !== image.torn?.seq), torn: image.torn });
    const ops: CrashOp[] = inc.vfs
      .pendingLog()
      .filter((e) => !e.durable)
      .map((e) => {
        const s = this.wantSites ? this.siteOfSeq(inc.vfs, e.op.seq) : undefined;
        return { seq: e.op.seq, text: describeOp(e.op), kept: kept.has(e.op.seq) || image.torn?.seq === e.op.seq, site: s?.site, primitive: s?.primitive };
      });
    this.crashes++;
    if (image.kind === 'torn') this.probes.hit('fault/torn');
    this.imagesConsidered += report.counts.total.distinct;
    this.hash.update(`crash ${image.hash}\n`);
    this.timeline.push({
      kind: 'crash',
      incarnation: inc.index,
      step: inc.world.step,
      point: point === undefined ? 'everything blocked' : `before fs primitive #${point.index} (${point.primitive} ${point.args.join(' ')}) of ${point.taskName}`,
      pending: report.pending,
      image: o !== undefined && o.crash === this.crashes ? `chosen: ${image.summary}` : `#${imageIndex % choice.length} of ${choice.length}${choice === torn ? ' torn' : ''}: ${image.summary}`,
      lost: image.lost,
      imagesConsidered: report.counts.total.distinct,
      ops,
      torn: image.torn,
      fsOpIndex: point?.index,
    });
    this.startIncarnation(Vfs.fromImage(image, { personality: this.plan.personality }), { disk: image, summary: image.summary }, { kind: 'power-loss', why: 'power loss', pageCacheOnly: new Set() });
  }

  async command(c: Command, index: number): Promise<void> {
    if (c.c !== 'crash' && c.c !== 'restart') await this.reviveIfDead('the node stopped after a persistence error');
    if (this.violated) return;
    this.timeline.push({ kind: 'command', incarnation: this.cur.index, step: this.cur.world.step, index, text: describeCommand(c) });
    const net = this.net;
    const fx = net.fx;
    const inc = this.cur;
    switch (c.c) {
      case 'produce':
        this.netTask(`c${index}:produce`, async (ctx, s) => {
          for (let i = 0; i < c.count; i++) {
            const n = await s.nextBlock(ctx, net.me);
            await s.produceBlock(ctx, fx.payload(net.me, n, inc.index));
          }
        });
        return;
      case 'peerBlocks': {
        const lane = net.peerLanes[c.peer % net.peerLanes.length] as LaneId;
        net.producePeerBlocks(lane, c.count);
        this.netTask(`c${index}:blocks`, (ctx, s) => this.deliverBlocks(ctx, s, lane));
        return;
      }
      case 'votes':
        this.netTask(`c${index}:votes`, (ctx, s) => this.deliverVotes(ctx, s, inc));
        return;
      case 'commitQC':
        for (let i = 0; i < c.count; i++) net.formCommitQC();
        this.netTask(`c${index}:commitqcs`, (ctx, s) => this.deliverCommitQCs(ctx, s));
        return;
      case 'appVotes': {
        const idx = this.latestAppQCCandidate();
        if (idx === undefined) return;
        net.appQC(idx);
        const votes = net.appVotes(idx);
        this.netTask(`c${index}:appvotes`, async (ctx, s) => {
          for (const v of votes) await s.pushAppVote(ctx, v);
        });
        return;
      }
      case 'appQC': {
        for (let i = 0; i < c.ahead; i++) net.formCommitQC();
        const idx = this.latestAppQCCandidate();
        if (idx === undefined) return;
        const aqc = net.appQC(idx);
        const qc = net.commitQCs[Number(idx)] as CommitQC;
        this.netTask(`c${index}:appqc`, (ctx, s) => s.pushAppQC(ctx, aqc, qc));
        return;
      }
      case 'run':
        await this.advance(c.steps);
        return;
      case 'crash':
        await this.crash(c.afterFsOps, c.image, c.only, c.pick);
        return;
      case 'restart':
        await this.processRestart('restart command');
        return;
      case 'fault':
        inc.scripted.arm(c.kind, c.nth, c.target);
        return;
    }
  }

  private latestAppQCCandidate(): bigint | undefined {
    for (let i = this.net.commitQCs.length - 1; i >= 0; i--) if (this.net.appQCPossible(BigInt(i))) return BigInt(i);
    return undefined;
  }

  private async deliverBlocks(ctx: Ctx, s: AvailState, lane: LaneId): Promise<void> {
    for (let n = await s.nextBlock(ctx, lane); n < this.net.known(lane); n++) await s.pushBlock(ctx, this.net.block(lane, n));
  }

  private async deliverVotes(ctx: Ctx, s: AvailState, inc: Incarnation): Promise<void> {
    for (const lane of this.net.fx.lanes) {
      const from = inc.votesDelivered.get(lane) ?? this.net.lowWater(lane);
      const to = this.net.known(lane);
      if (to > from) inc.votesDelivered.set(lane, to);
      for (let n = from; n < to; n++) for (const v of this.net.votes(lane, n)) await s.pushVote(ctx, v);
    }
  }

  private async deliverCommitQCs(ctx: Ctx, s: AvailState): Promise<void> {
    const latest = s.lastCommitQC().load();
    for (let i = latest === undefined ? 0 : Number(latest.vote.view.index) + 1; i < this.net.commitQCs.length; i++) {
      await s.pushCommitQC(ctx, this.net.commitQCs[i] as CommitQC);
    }
  }

  // -------------------------------------------------------------------------
  // Liveness phase

  async liveness(): Promise<void> {
    // Faults stay off from here on, in this and every later incarnation.
    this.faultsOff = true;
    const net = this.net;
    const startLatest = net.latestCommitQC()?.vote.view.index ?? -1n;
    const newBlocks = new Set<string>();
    let targetIndex: bigint | undefined;
    let votedNew = false;
    const observerVotes = this.oracle.onVotes;
    this.oracle.onVotes = (lane, n) => {
      if (newBlocks.has(`${lane}/${n}`)) votedNew = true;
      observerVotes?.(lane, n);
    };
    const done = (): boolean => targetIndex !== undefined && votedNew && (this.cur.cell.load()?.lastCommitQC().load()?.vote.view.index ?? -1n) >= targetIndex;
    // A persistence error injected just before the phase may still end the node inside it: restart and go on.
    for (let attempt = 0; attempt < LIVENESS_ATTEMPTS_MAX && !this.over && !done(); attempt++) {
      await this.reviveIfDead('the node stopped after a persistence error');
      if (this.over) return;
      const inc = this.cur;
      inc.faulty?.setEnabled(false);
      inc.scripted.disarmAll();
      this.timeline.push({ kind: 'liveness', incarnation: inc.index, step: inc.world.step, text: 'liveness phase: faults off; the network catches the node up, then adds one block per lane and a CommitQC over them' });
      this.netTask('liveness', async (ctx, s) => {
        // Catch up: every CommitQC the network has, and its latest AppQC (frees capacity).
        await this.deliverCommitQCs(ctx, s);
        const a = this.latestAppQCCandidate();
        if (a !== undefined) await s.pushAppQC(ctx, net.appQC(a), net.commitQCs[Number(a)] as CommitQC);
        for (const lane of net.peerLanes) {
          const n = net.producePeerBlocks(lane, 1) - 1n;
          newBlocks.add(`${lane}/${n}`);
        }
        for (const lane of net.peerLanes) await this.deliverBlocks(ctx, s, lane);
        await this.deliverVotes(ctx, s, inc);
        // CommitQCs until every known block is finalised (at most 10 per lane each).
        for (let i = 0; i < 64; i++) {
          const qc = net.formCommitQC();
          targetIndex = qc.vote.view.index;
          if (net.fx.lanes.every((l) => net.known(l) <= (qc.vote.laneRanges.find((r) => r.lane === l)?.next ?? 0n))) break;
        }
        await this.deliverCommitQCs(ctx, s);
      });
      const w = inc.world;
      const budgetEnd = w.step + this.plan.livenessBudgetSteps;
      try {
        await w.runUntil(
          () => this.over || w.status !== 'running' || w.step >= budgetEnd || inc.ended !== undefined || done(),
          'the liveness phase: a new CommitQC published and a vote for a new block',
        );
      } catch (e) {
        this.harnessFailure(e);
        return;
      }
      if (inc.ended === undefined) break;
    }
    if (this.over) return;
    this.oracle.count('LIVENESS');
    const published = this.cur.cell.load()?.lastCommitQC().load()?.vote.view.index;
    if (!done()) {
      this.oracle.fail('LIVENESS', 'no-progress', `no progress within ${this.plan.livenessBudgetSteps} steps after the last crash: latest published CommitQC ${published ?? 'none'} (want ≥ ${targetIndex ?? startLatest + 1n}), vote for a new block: ${votedNew ? 'yes' : 'no'}`);
    }
  }

  finish(): RunResult {
    const inc = this.cur;
    if (inc.world.status === 'running') inc.world.stop('end of plan');
    this.closeIncarnation();
    this.oracle.count('X1', this.net.ownBlocks.length > 0 && this.decisions.length > 1);
    if (!this.violated && this.net.equivocations.length > 0) {
      const e = this.net.equivocations[0];
      if (e !== undefined) {
        const path = `${STATE_DIR}/blocks/${blockFileName(this.net.me, e.n)}`;
        const unreadable = this.forensics.restarts.some((r) => this.forensics.corruptedReads(r.incarnation, path).length > 0);
        // Its only local copy read back corrupted at a restart: no design re-produces a block it cannot read.
        if (unreadable) this.oracle.noteDamage('X1', 'own-block-unreadable', `own block ${e.n} read back corrupted at a restart, and the node produced a different block ${e.n}`);
        else this.oracle.fail('X1', 'own-equivocation', `after a restart the node produced a different own block ${e.n} than the one it had disseminated`, [], { kind: 'block', lane: this.net.me, n: e.n, hashHex: toHex(blockHeaderHash(e.seen)), seenIn: this.ownBlockSeenIn.get(e.n) });
      }
    }
    const s = inc.cell.load();
    return {
      plan: this.plan,
      verdict: this.violated ? 'fail' : 'pass',
      violation: this.oracle.violation,
      acknowledgeFindings: this.opts.acknowledgeFindings ?? [],
      acknowledged: Object.fromEntries(this.oracle.acknowledged),
      acknowledgedFindings: Object.fromEntries(this.oracle.acknowledgedFindings),
      stats: {
        incarnations: this.decisions.length,
        crashes: this.crashes,
        processRestarts: this.restarts,
        crashImagesConsidered: this.imagesConsidered,
        steps: this.stepsBefore,
        fsOps: this.fsOpsBefore,
        faultsInjected: this.faults,
        scriptedFaultsArmed: this.scriptedState.armedCount,
        scriptedFaultsFired: this.scriptedState.firedCount,
        checks: Object.fromEntries(this.oracle.checks),
        nontrivialChecks: Object.fromEntries(this.oracle.nontrivialChecks),
        probes: this.probes.counts(),
      },
      traceHash: this.hash.digest('hex').slice(0, 32),
      decisions: this.decisions,
      timeline: this.timeline,
      traceTail: inc.world.trace.lines(60),
      deadEnd: this.deadEnd,
      unsurvivable: countBy(this.oracle.damage.map((d) => d.code)),
      damage: this.oracle.damage.slice(0, 20),
      finalState: s === undefined ? undefined : JSON.stringify(s.inspect(), (_k, v) => (typeof v === 'bigint' ? Number(v) : v)),
    };
  }
}

function fsyncCallSiteId(primitive: string): string | undefined {
  return primitive === 'fsync' ? currentCallSiteId() : undefined;
}

/** The task with the most events in trace lines `#<step> t=<ms>ms <task>: …`. */
function busiestTask(lines: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of lines) {
    const m = /^#\d+ t=\d+ms ([^:]+):/.exec(l.trim());
    if (m !== null) counts.set(m[1] as string, (counts.get(m[1] as string) ?? 0) + 1);
  }
  let best = 'unknown';
  let n = 0;
  for (const [k, v] of counts) if (v > n) [best, n] = [k, v];
  return best;
}

function countBy(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

function closeAllFds(vfs: Vfs): void {
  for (let fd = 0; fd < vfs.options.openFilesMax + 16; fd++) if (vfs.fdInfo(fd) !== undefined) vfs.close(fd);
}

/**
 * Torn-write enumeration for a plan's torn mode; `cutsPerWriteMax` bounds byte
 * cuts per write. Every mode also cuts at the protobuf field boundaries of the
 * file written (scenarios/field-cuts.ts): a file cut between two fields still
 * parses, with fewer elements.
 *  - sector: 512-byte sectors are atomic (cuts at sector and field boundaries), old or zero tail;
 *  - byte: cuts at any byte (sampled), old or zero tail;
 *  - shorn: a sector half written (one seeded byte cut inside each sector the write
 *    spans, besides sector and field cuts), the rest of it old — SSDs without
 *    power-loss protection; never a zero tail;
 *  - field: only at the end of a top-level field of the file, nothing kept after:
 *    every tear still parses (with `pick: 'torn'`, scenario torn-parseable).
 */
export function tornOptions(mode: Plan['torn'], cutsPerWriteMax: number): CrashImageOptions['torn'] {
  if (mode === 'off') return false;
  const hints = { cutHints: fieldCutHints, hintCutsMax: 32 };
  if (mode === 'sector') return { sectorBytes: 512, fills: ['old', 'zero'], ...hints };
  if (mode === 'shorn') return { sectorBytes: 512, shorn: true, fills: ['old'], ...hints };
  // Only where a top-level field ends, nothing kept after: every such tear parses (a CommitQC with fewer signatures).
  if (mode === 'field') return { sectorBytes: 0, fills: ['old'], cutHints: topLevelFieldCutHints, hintCutsMax: 32 };
  return { sectorBytes: 0, anyByte: true, fills: ['old', 'zero'], cutsPerWriteMax, ...hints };
}

/** The disk every run starts from: an empty, durable state directory. */
export function initialVfs(plan: Plan): Vfs {
  const vfs = Vfs.create({ personality: plan.personality });
  vfs.mkdir(STATE_DIR, 0o700);
  vfs.syncAll();
  return vfs;
}

/** Runs `plan` to its verdict. Never throws for anything the system under test does. */
export async function executePlan(plan: Plan, opts: ExecOptions = {}): Promise<RunResult> {
  const x = new Execution(plan, opts);
  x.startIncarnation(initialVfs(plan), undefined);
  for (const [i, c] of plan.commands.entries()) {
    if (x.over) break;
    await x.command(c, i);
  }
  if (plan.liveness && !x.over) await x.liveness();
  return x.finish();
}
