/**
 * The claimed invariants of spec §10 (I1–I11) as code, plus what crashsim adds,
 * each checked at the point where it can break (notes/scenarios.md):
 *
 *  - event time, against the disk the run's personality guarantees (the VFS's
 *    durable image: what every crash image keeps): I2 at each latestCommitQC
 *    store, I3 at each RecvBatch, I1 after each A/B write, I4 before each unlink,
 *    I9 at each collected batch, I6 at every observed point, I11 at each
 *    CommitQC append;
 *  - after every restart, against the history before the crash: I5, I7, I8 and
 *    the restart forms of I2 and I3;
 *  - the run's end: liveness (LIVENESS), I10, and own-lane equivocation (X1).
 *
 * Each check takes the form of spec §10 for the design's A/B payload: the S form
 * for an AppQC payload (seed), the M form for a prune anchor (merged and its
 * variants) — I1 anchor completeness, I2 "or the winning anchor's CommitQC",
 * I3 and I4 against the durable anchor, I6 with persistedBlockStart, I7's
 * merged reconstruction.
 *
 * The first violation wins: it is recorded and the executor stops the world.
 * Every check increments a counter so a report can say what was checked.
 */
import { toHex, laneRangeOf, type AppQC, type Block, type BlockHeader, type CommitQC, type LaneId, type SignedLaneProposal } from '../../src/types.js';
import { blockHeaderHash } from '../../src/codec/index.js';
import type { AvailObserver, PersistBatch } from '../../src/avail/observer.js';
import type { AvailState } from '../../src/avail/state.js';
import type { CommitQCWriter, Inner } from '../../src/avail/inner.js';
import { blockFileName } from '../../src/persist/names.js';
import type { DiskImage } from '../../sim/vfs/model.js';
import { hasBlock, hasCommitQC, readDisk, type AbPayload, type DiskView } from './disk.js';
import type { TrustJudge } from './trust.js';

export const INVARIANTS = {
  I1: 'on-disk pairing: the persisted AppQC/anchor has its CommitQC on disk',
  I2: 'only durable CommitQCs are published',
  I3: 'votes only for durable blocks',
  I4: 'deletion safety: files are deleted only below the durable AppQC/anchor',
  I5: 'restart succeeds from every crash image',
  I6: 'capacity: at most 30 blocks per lane (merged: below the durable watermark + 30)',
  I7: 'cursors are reconstructed on restart',
  I8: 'AppQC monotonicity (within a run and across crashes)',
  I9: 'batch sanity: no null entries; blocks below the cursor are durable',
  I10: 'persistence errors are fatal and do not advance cursors',
  I11: 'at most one unpublished CommitQC from PushCommitQC',
  X1: 'no own-lane equivocation after a restart (beyond the spec)',
  X2: 'the published latestCommitQC never goes backwards within a run (beyond the spec)',
  X3: 'every CommitQC and AppQC the node publishes, restores or serves has a quorum of valid signatures (beyond the spec)',
  X4: 'every block the node restores or serves matches its payload hash and its producer\'s signature (beyond the spec)',
  LIVENESS: 'no deadlock or livelock; after the last crash, with faults off, the node publishes a new CommitQC and votes for new blocks',
  HARNESS: 'the run itself stays within its limits (no livelock, no runaway)',
} as const;
export type InvariantId = keyof typeof INVARIANTS;

/** What a violation is about: the evidence rules of scenarios/findings.ts read it. */
export type Subject =
  /** a block file: a vote, a cursor, an own block */
  | { readonly kind: 'block'; readonly lane: LaneId; readonly n: bigint; readonly hashHex?: string | undefined; readonly seenIn?: number | undefined }
  /** a CommitQC (file): published, paired, appended; `from` for a regression */
  | { readonly kind: 'commitQC'; readonly index: bigint; readonly writer?: CommitQCWriter | undefined; readonly from?: bigint | undefined }
  /** votes whose blocks a restart lost (restart form of I3) */
  | { readonly kind: 'votes'; readonly votes: readonly LostVote[] }
  /** a failed restart: the error text */
  | { readonly kind: 'restart'; readonly error: string }
  /** an AppQC (restored from the A/B file) */
  | { readonly kind: 'appQC'; readonly roadIndex: bigint }
  /** the prune anchor (A/B payload) the node loaded or acted on (merged's I6, I7 forms) */
  | { readonly kind: 'anchor' };

export interface LostVote {
  readonly lane: LaneId;
  readonly n: bigint;
  readonly hashHex: string;
  /** the incarnation that voted */
  readonly incarnation: number;
  /** the block is missing after the restart (else: different) */
  readonly missing: boolean;
  /**
   * its file on the disk the node restarted from: intact (decodes to the voted
   * header and verifies: the design lost it), damaged (there but not that block,
   * or it does not verify), absent; undefined where not judged
   */
  readonly durableFile?: 'intact' | 'damaged' | 'absent' | undefined;
}

/** A known finding whose mechanism a violation shows, with the evidence in one sentence. */
export interface KnownMatch {
  readonly id: string;
  readonly evidence: string;
}

/**
 * Unsurvivable damage: an outcome no design could avoid (the only copy of what
 * was needed is unreadable). Reported and counted, never a failure, never a finding.
 */
export interface Damage {
  /** `<invariant>/<kind>` of what would otherwise have been a violation */
  readonly code: string;
  readonly message: string;
  readonly incarnation: number;
  readonly step: number;
}

export interface Violation {
  readonly invariant: InvariantId;
  /** `<invariant>/<kind>`: a stable signature of *how* it broke (findings and acknowledgements match on it) */
  readonly code: string;
  /** one line: what broke */
  readonly message: string;
  /** extra lines (state, disk, history) */
  readonly details: readonly string[];
  readonly incarnation: number;
  readonly step: number;
  /** disk faults injected in the run before the violation (findings can depend on them) */
  readonly faultsBefore: number;
  readonly subject: Subject | undefined;
  /** the known findings whose evidence holds (all of them, never the first match); empty: new */
  readonly known: readonly KnownMatch[];
}

/** A vote the node emitted: (lane, n, header hash). */
interface EmittedVote {
  readonly lane: LaneId;
  readonly n: bigint;
  readonly hashHex: string;
  readonly incarnation: number;
}

/** One store into latestCommitQC after startup (the evidence of F1/F2 reads who stored what). */
export interface Publication {
  readonly incarnation: number;
  readonly step: number;
  readonly index: bigint;
  readonly writer: CommitQCWriter;
}

export interface OracleHistory {
  readonly votes: ReadonlyMap<string, EmittedVote>;
  readonly publishedMax: bigint | undefined;
  readonly abWrittenMax: bigint | undefined;
  readonly publications: readonly Publication[];
}

export interface OracleContext {
  /** the guaranteed-durable disk now (personality rules) */
  durableImage(): DiskImage;
  readonly stateDir: string;
  readonly abPayload: AbPayload;
  /** the committee's lanes (I4 M: block files of other lanes may always go) */
  readonly lanes: readonly LaneId[];
  readonly incarnation: number;
  readonly step: number;
  /** disk faults injected so far in the run */
  readonly faultsInjected: number;
  /** CommitQC `index` of the global chain (for prune points), if the network formed it */
  networkCommitQC(index: bigint): CommitQC | undefined;
  /** whether a read of `path` returned corrupted bytes in this incarnation (injected media corruption) */
  corruptedRead?(path: string): boolean;
}

const short = (lane: LaneId): string => lane.slice(0, 8);

/** At most `maxChars`, cut at a word boundary and marked with "…" (codes are read by people, never cut mid-word). */
export function clipAtWord(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = text.slice(0, maxChars - 1);
  const space = head.lastIndexOf(' ');
  return `${(space > maxChars / 2 ? head.slice(0, space) : head).replace(/[\s:;,.(]+$/, '')}…`;
}

/** `abort` or `error:<message with numbers and hex elided>`: restart failures of one cause share a code. */
function restartCode(error: unknown): string {
  if (error instanceof Error && error.name === 'ProcessAbort') return `abort:${clipAtWord(elide(error.message.replace(/^process abort: /, '')), 80)}`;
  return `error:${clipAtWord(elide(error instanceof Error ? error.message : String(error)), 80)}`;
}

/** The restart brought back some state (a trivial restart, from an empty disk, checks little). */
function restoredAnything(inner: Inner): boolean {
  return inner.commitQCs.next > inner.commitQCs.first || inner.latestAppQC !== undefined || [...inner.blocks.values()].some((q) => q.next > q.first);
}

function elide(s: string): string {
  return s.replace(/[0-9a-f]{16,}/g, 'H').replace(/\d+/g, 'N');
}

export class Oracle {
  violation: Violation | undefined;
  readonly checks = new Map<InvariantId, number>();
  /** called once, when the first violation is recorded (the executor stops the world) */
  onViolation: ((v: Violation) => void) | undefined;
  /** the known findings whose evidence a violation shows (set by the executor; none: every violation is new) */
  classify: ((v: Omit<Violation, 'known'>) => readonly KnownMatch[]) | undefined;
  /** whether to count and look past a classified violation (known findings the caller acknowledges) */
  acknowledge: ((v: Violation) => boolean) | undefined;
  /** unsurvivable damage seen (never a violation) */
  readonly damage: Damage[] = [];
  /** persist batches in a row with nothing to write (the evidence of F12) */
  emptyBatchesInARow = 0;
  /** acknowledged violations by code, and by the finding (id) they were */
  readonly acknowledged = new Map<string, number>();
  readonly acknowledgedFindings = new Map<string, number>();
  /** sees every collected persist batch (the explorer marks iteration boundaries with it) */
  onBatch: ((batch: PersistBatch) => void) | undefined;
  /** sees every (lane, n) the node votes for (the liveness phase waits for new ones) */
  onVotes: ((lane: LaneId, n: bigint) => void) | undefined;

  // History across incarnations (the "pre-crash history" of the restart forms).
  private votes = new Map<string, EmittedVote>();
  private publishedMax: bigint | undefined;
  private abWrittenMax: bigint | undefined;
  private publicationList: Publication[] = [];
  /** the A/B persister's sequence number after its last successful write (I10: a failed write must not move it) */
  private abSeq: bigint | undefined;

  /** The pre-crash history the restart checks compare with (the explorer forks it per crash point). */
  exportHistory(): OracleHistory {
    return { votes: new Map(this.votes), publishedMax: this.publishedMax, abWrittenMax: this.abWrittenMax, publications: [...this.publicationList] };
  }

  importHistory(h: OracleHistory): void {
    this.votes = new Map(h.votes);
    this.publishedMax = h.publishedMax;
    this.abWrittenMax = h.abWrittenMax;
    this.publicationList = [...h.publications];
  }

  /** Every store into latestCommitQC after startup, in order. */
  get publications(): readonly Publication[] {
    return this.publicationList;
  }
  private appQCMaxThisRun: bigint | undefined;
  private publishedThisRun: bigint | undefined;

  constructor(private ctx: OracleContext) {}

  setContext(ctx: OracleContext): void {
    this.ctx = ctx;
    this.appQCMaxThisRun = undefined;
    this.publishedThisRun = undefined;
    this.emptyBatchesInARow = 0;
    this.abSeq = undefined;
  }

  /** checks per invariant that had something to compare (a coverage probe: a check of an empty state proves little) */
  readonly nontrivialChecks = new Map<InvariantId, number>();

  /** Counts one check of `id` (reports say how often each invariant was checked), and whether its state was non-trivial. */
  count(id: InvariantId, nontrivial = true): void {
    this.checks.set(id, (this.checks.get(id) ?? 0) + 1);
    if (nontrivial) this.nontrivialChecks.set(id, (this.nontrivialChecks.get(id) ?? 0) + 1);
  }

  /** Records the first violation; later ones are ignored (the run is stopping). */
  /**
   * Records a violation. An acknowledged one (a known finding the caller chose to
   * look past) is counted and the run goes on; otherwise the first one wins.
   */
  fail(invariant: InvariantId, kind: string, message: string, details: readonly string[] = [], subject?: Subject): void {
    if (this.violation !== undefined) return;
    const bare = { invariant, code: `${invariant}/${kind}`, message, details, incarnation: this.ctx.incarnation, step: this.ctx.step, faultsBefore: this.ctx.faultsInjected, subject };
    const v: Violation = { ...bare, known: this.classify?.(bare) ?? [] };
    if (this.acknowledge?.(v) === true) {
      this.acknowledged.set(v.code, (this.acknowledged.get(v.code) ?? 0) + 1);
      for (const k of v.known) this.acknowledgedFindings.set(k.id, (this.acknowledgedFindings.get(k.id) ?? 0) + 1);
      return;
    }
    this.violation = v;
    this.onViolation?.(v);
  }

  /** Records unsurvivable damage: counted and reported, the run goes on. */
  noteDamage(invariant: InvariantId, kind: string, message: string): void {
    this.damage.push({ code: `${invariant}/${kind}`, message, incarnation: this.ctx.incarnation, step: this.ctx.step });
  }

  private disk(): DiskView {
    return readDisk(this.ctx.durableImage().files, this.ctx.stateDir, this.ctx.abPayload);
  }

  /** The durable prune point of `lane`: lr(CommitQC of the durable AppQC/anchor, lane).first, or 0. */
  private prunePoint(view: DiskView, lane: LaneId): bigint {
    if (view.ab.kind !== 'ok' || view.ab.appQC === undefined) return 0n;
    const qc = view.ab.commitQC ?? this.ctx.networkCommitQC(view.ab.appQC.vote.roadIndex);
    return laneRangeOf(qc, lane).first;
  }

  // -------------------------------------------------------------------------
  // Event-time checks: the observer of one incarnation

  observer(state: () => AvailState | undefined): AvailObserver {
    const checkState = (): void => {
      const s = state();
      if (s !== undefined) this.checkInnerState(s.core.inner);
    };
    return {
      onCommitQCPublished: ({ qc, writer }) => {
        const idx = qc.vote.view.index;
        if (writer !== 'newInner') {
          this.count('X2', this.publishedThisRun !== undefined);
          if (this.publishedThisRun !== undefined && idx < this.publishedThisRun) {
            this.fail('X2', `regressed-by-${writer}`, `latestCommitQC goes back from ${this.publishedThisRun} to ${idx} (stored by ${writer})`, [], { kind: 'commitQC', index: idx, writer, from: this.publishedThisRun });
          }
        }
                if (this.publishedThisRun === undefined || idx > this.publishedThisRun) this.publishedThisRun = idx;
        if (this.publishedMax === undefined || idx > this.publishedMax) this.publishedMax = idx;
        if (writer === 'newInner') return; // the startup store comes from disk (checked as restored)
        this.publicationList.push({ incarnation: this.ctx.incarnation, step: this.ctx.step, index: idx, writer });
        this.trustCommitQC(qc, 'published');
        this.count('I2');
        const view = this.disk();
        const anchorHas = view.ab.kind === 'ok' && view.ab.commitQC?.vote.view.index === idx;
        if (!hasCommitQC(view, idx) && !anchorHas) {
          this.fail('I2', `published-by-${writer}`, `CommitQC ${idx} published (by ${writer}) but commitqcs/${idx}.pb is not durable`, [`durable commitqcs: ${[...view.commitQCs.keys()].join(', ') || '(none)'}`], { kind: 'commitQC', index: idx, writer });
        }
        checkState();
      },
      onRecvBatch: (headers) => {
        this.count('I3');
        const view = this.disk();
        for (const h of headers) {
          this.checkVote(view, h);
          this.onVotes?.(h.lane, h.blockNumber);
        }
        checkState();
      },
      onAppQCWritten: ({ appQC, seq }) => {
        this.abSeq = seq;
        const idx = appQC.vote.roadIndex;
        if (this.abWrittenMax === undefined || idx > this.abWrittenMax) this.abWrittenMax = idx;
        this.checkPairing('after the A/B write of AppQC ' + idx);
      },
      onPersistBatch: (batch) => {
        this.emptyBatchesInARow = batch.blocks.length === 0 && batch.commitQCs.length === 0 ? this.emptyBatchesInARow + 1 : 0;
        this.checkBatch(batch, state());
        this.onBatch?.(batch);
      },
      onCommitQCPushed: ({ qc, latest }) => {
        this.count('I11');
        const idx = qc.vote.view.index;
        const published = latest === undefined ? 0n : latest.vote.view.index + 1n;
        if (published < idx) this.fail('I11', 'appended-beyond-published', `PushCommitQC appends CommitQC ${idx} while latestCommitQC is ${latest === undefined ? 'none' : latest.vote.view.index}`, [], { kind: 'commitQC', index: idx, from: latest?.vote.view.index });
      },
      onPrune: ({ appQC, updated }) => {
        if (updated) this.noteAppQC(appQC);
        checkState();
      },
      onMark: (e) => {
        if (e.kind === 'persistedBlockStart') {
          const s = state();
          if (s !== undefined) this.checkWatermark(s.core.inner, 'after the anchor write');
        }
        checkState();
      },
    };
  }

  private checkVote(view: DiskView, h: BlockHeader): void {
    const hashHex = toHex(blockHeaderHash(h));
    this.votes.set(`${h.lane}/${h.blockNumber}`, { lane: h.lane, n: h.blockNumber, hashHex, incarnation: this.ctx.incarnation });
    if (hasBlock(view, h.lane, h.blockNumber, hashHex)) return;
    if (h.blockNumber < this.prunePoint(view, h.lane)) return;
    this.fail('I3', 'vote-not-durable', `the node votes for block ${short(h.lane)}…/${h.blockNumber} but blocks/${short(h.lane)}…_${h.blockNumber}.pb is not durable`, [
      `durable blocks of the lane: ${[...(view.blocks.get(h.lane)?.keys() ?? [])].join(', ') || '(none)'}`,
    ], { kind: 'block', lane: h.lane, n: h.blockNumber });
  }

  private noteAppQC(a: AppQC): void {
    this.count('I8', this.appQCMaxThisRun !== undefined);
    const idx = a.vote.roadIndex;
    if (this.appQCMaxThisRun !== undefined && idx < this.appQCMaxThisRun) this.fail('I8', 'appqc-regressed', `latestAppQC went back from ${this.appQCMaxThisRun} to ${idx}`);
    if (this.appQCMaxThisRun === undefined || idx > this.appQCMaxThisRun) this.appQCMaxThisRun = idx;
  }

  /** I1: the durable A/B winner's AppQC (seed) has its CommitQC file durable; an anchor (merged) is complete and consistent. */
  checkPairing(when: string): void {
    const view = this.disk();
    this.count('I1', view.ab.kind !== 'ok' || view.ab.appQC !== undefined);
    if (this.ctx.abPayload === 'anchor' && view.ab.kind === 'error' && view.ab.error.includes('incomplete prune anchor')) {
      this.fail('I1', 'anchor-incomplete', `${when}: the durable anchor is incomplete (${view.ab.error})`);
      return;
    }
    if (view.ab.kind !== 'ok' || view.ab.appQC === undefined) return;
    const r = view.ab.appQC.vote.roadIndex;
    if (this.ctx.abPayload === 'anchor') {
      if (view.ab.commitQC === undefined || view.ab.commitQC.vote.view.index !== r) this.fail('I1', 'anchor-mismatch', `${when}: the durable anchor's AppQC (${r}) and CommitQC do not match`);
      return;
    }
    if (!hasCommitQC(view, r)) {
      this.fail('I1', 'appqc-without-commitqc', `${when}: the durable AppQC is at road index ${r} but commitqcs/${r}.pb is not durable`, [`durable commitqcs: ${[...view.commitQCs.keys()].join(', ') || '(none)'}`], { kind: 'commitQC', index: r });
    }
  }

  /**
   * I4 before every unlink. CommitQC files (S and M): i < road index of the
   * durable AppQC/anchor. Block files (M only; seed states no condition):
   * the lane is not a committee lane, or n < lr(durable anchor, lane).first.
   */
  beforeUnlink(path: string): void {
    const qcName = /\/commitqcs\/(0|[1-9][0-9]*)\.pb$/.exec(path);
    const blockName = this.ctx.abPayload === 'anchor' ? /\/blocks\/([0-9a-f]{64})_(0|[1-9][0-9]*)\.pb$/.exec(path) : null;
    if (qcName === null && blockName === null) return;
    this.count('I4');
    const view = this.disk();
    const r = view.ab.kind === 'ok' && view.ab.appQC !== undefined ? view.ab.appQC.vote.roadIndex : undefined;
    const what = this.ctx.abPayload === 'anchor' ? 'anchor' : 'AppQC';
    if (qcName !== null) {
      const i = BigInt(qcName[1] as string);
      if (r === undefined || i >= r) this.fail('I4', 'delete-at-or-above-appqc', `commitqcs/${i}.pb is deleted while the durable ${what} is ${r === undefined ? 'absent' : `at ${r}`}`, [], { kind: 'commitQC', index: i });
      return;
    }
    const lane = (blockName as RegExpExecArray)[1] as LaneId;
    const n = BigInt((blockName as RegExpExecArray)[2] as string);
    if (!this.ctx.lanes.includes(lane)) return;
    const f = this.prunePoint(view, lane);
    if (n >= f) this.fail('I4', 'block-delete-at-or-above-anchor', `blocks/${short(lane)}…_${n}.pb is deleted while the durable anchor ${r === undefined ? 'is absent' : `(at ${r}) keeps lane blocks from ${f}`}`, [], { kind: 'block', lane, n });
  }

  private checkBatch(batch: PersistBatch, s: AvailState | undefined): void {
    this.count('I9', batch.blocks.length + batch.commitQCs.length > 0);
    for (const [i, p] of batch.blocks.entries()) if (p === undefined || p === null) return this.fail('I9', 'null-block-in-batch', `collected batch has a null block at position ${i}`);
    for (const [i, q] of batch.commitQCs.entries()) if (q === undefined || q === null) return this.fail('I9', 'null-commitqc-in-batch', `collected batch has a null CommitQC at position ${i}`);
    if (s === undefined) return;
    const inner = s.core.inner;
    const view = this.disk();
    for (const [lane, q] of inner.blocks) {
      const cursor = inner.nextBlockToPersist.get(lane) ?? 0n;
      const upper = q.next < cursor ? q.next : cursor;
      for (let n = q.first; n < upper; n++) {
        const p = q.get(n);
        if (p === undefined) continue;
        if (!hasBlock(view, lane, n, toHex(blockHeaderHash(p.block.header)))) {
          return this.fail('I9', 'below-cursor-not-durable', `block ${short(lane)}…/${n} is below the persistence cursor ${cursor} but not durable`, [], { kind: 'block', lane, n });
        }
      }
    }
  }

  /**
   * I6 in memory (both designs: at most 30 blocks per lane); merged also: every
   * held block is below persistedBlockStart + 30.
   */
  checkInnerState(inner: Inner): void {
    this.count('I6', [...inner.blocks.values()].some((q) => q.next > q.first));
    for (const [lane, q] of inner.blocks) {
      if (q.next - q.first > 30n) return this.fail('I6', 'over-capacity', `lane ${short(lane)}… holds ${q.next - q.first} blocks (capacity 30)`);
      if (this.ctx.abPayload !== 'anchor' || q.next === q.first) continue;
      const psb = inner.persistedBlockStart.get(lane) ?? 0n;
      if (q.next > psb + 30n) return this.fail('I6', 'above-watermark', `lane ${short(lane)}… holds block ${q.next - 1n} ≥ persistedBlockStart ${psb} + 30`);
    }
  }

  /** I6 (M): persistedBlockStart[lane] ≤ lr(durable anchor, lane).first (checked where it moves: the anchor mark and restarts). */
  private checkWatermark(inner: Inner, when: string): void {
    if (this.ctx.abPayload !== 'anchor') return;
    this.count('I6');
    const view = this.disk();
    for (const [lane, psb] of inner.persistedBlockStart) {
      const f = this.prunePoint(view, lane);
      if (psb > f) {
        return this.fail('I6', 'watermark-not-durable', `${when}: persistedBlockStart of lane ${short(lane)}… is ${psb} but the durable anchor only covers blocks below ${f}`, [
          `durable anchor: ${view.ab.kind === 'ok' && view.ab.appQC !== undefined ? `at ${view.ab.appQC.vote.roadIndex}` : view.ab.kind === 'ok' || view.ab.kind === 'none' ? 'none' : view.ab.kind}`,
        ], { kind: 'anchor' });
      }
    }
  }

  // -------------------------------------------------------------------------
  // Restart checks

  /** NewState failed on a crash image: I5 (and the reason). */
  restartFailed(error: unknown, imageSummary: string): void {
    this.count('I5', true);
    const msg = error instanceof Error ? (error.name === 'ProcessAbort' ? error.message : `error: ${error.message}`) : String(error);
    const unreadable = this.filesOf(error instanceof Error ? error.message : String(error)).find((p) => this.ctx.corruptedRead?.(p) === true);
    if (unreadable !== undefined) {
      // The file the restart needed read back corrupted: unsurvivable damage, not a failure.
      this.noteDamage('I5', 'restart-needs-unreadable-file', `restart failed (${msg}): ${unreadable.slice(this.ctx.stateDir.length + 1)} read back corrupted`);
      return;
    }
    this.fail('I5', restartCode(error), `restart failed: ${msg}`, [`crash image: ${imageSummary}`], { kind: 'restart', error: error instanceof Error ? error.message : String(error) });
  }

  /** The files a restart error is about (its block file, the AppQC's CommitQC file, the A/B slots). */
  private filesOf(error: string): string[] {
    const d = this.ctx.stateDir;
    const block = /decode block file (\S+?):/.exec(error);
    if (block !== null) return [`${d}/blocks/${block[1]}`];
    const qc = /at road index (\d+) but no matching commitQC/.exec(error);
    if (qc !== null) return [`${d}/commitqcs/${qc[1]}.pb`];
    // a verifying loader (hardened) names the file it refuses
    const refused = /corrupt persisted state: ((?:blocks\/|commitqcs\/)?[\w.-]+\.pb)/.exec(error);
    if (refused !== null) return [`${d}/${refused[1]}`];
    const qcFile = /decode commitqc file (\S+?):/.exec(error);
    if (qcFile !== null) return [`${d}/commitqcs/${qcFile[1]}`];
    if (/NewPersister avail_inner|decode prune anchor|decode persisted AppQC/.test(error)) return [`${d}/avail_inner_a.pb`, `${d}/avail_inner_b.pb`];
    // merged: a gap or a broken chain the loader left where a file was skipped
    const gap = /lane validator:ed25519:public:([0-9a-f]{64}): non-contiguous persisted blocks: expected (\d+),/.exec(error);
    if (gap !== null) return [`${d}/blocks/${gap[1]}_${gap[2]}.pb`];
    const chain = /lane validator:ed25519:public:([0-9a-f]{64}): parent hash mismatch at block (\d+)/.exec(error);
    if (chain !== null) return [`${d}/blocks/${chain[1]}_${BigInt(chain[2] as string) - 1n}.pb`, `${d}/blocks/${chain[1]}_${chain[2]}.pb`];
    const qcGap = /non-contiguous persisted commitQCs: expected (\d+),/.exec(error);
    if (qcGap !== null) return [`${d}/commitqcs/${qcGap[1]}.pb`];
    return [];
  }

  /** NewState succeeded: restart forms of I2, I3, I8 and the I7 reconstruction. */
  restarted(s: AvailState, image: DiskImage): void {
    const inner = s.core.inner;
    this.count('I5', restoredAnything(inner));
    const latest = inner.latestCommitQC.load();
    const nextIdx = latest === undefined ? 0n : latest.vote.view.index + 1n;

    this.count('I2', this.publishedMax !== undefined);
    if (this.publishedMax !== undefined && nextIdx < this.publishedMax + 1n && this.ctx.corruptedRead?.(`${this.ctx.stateDir}/commitqcs/${this.publishedMax}.pb`) === true) {
      // The published CommitQC's only copy read back corrupted: no design restores what it cannot read.
      this.noteDamage('I2', 'published-unreadable', `CommitQC ${this.publishedMax} had been published; its only copy, commitqcs/${this.publishedMax}.pb, read back corrupted at this restart`);
      this.publishedMax = latest?.vote.view.index;
    }
    if (this.publishedMax !== undefined && nextIdx < this.publishedMax + 1n) {
      this.fail('I2', 'published-lost-by-crash', `after the restart latestCommitQC is ${latest === undefined ? 'none' : latest.vote.view.index} but CommitQC ${this.publishedMax} had been published before the crash`, [], { kind: 'commitQC', index: this.publishedMax });
      // Looked past (a known finding): counted once; later restarts judge what was published from here on.
      this.publishedMax = latest?.vote.view.index;
      return;
    }

    this.count('I8', this.abWrittenMax !== undefined);
    const a = inner.latestAppQC?.vote.roadIndex;
    if (this.abWrittenMax !== undefined && (a === undefined || a < this.abWrittenMax) && this.filesOf('NewPersister avail_inner').some((p) => this.ctx.corruptedRead?.(p) === true)) {
      this.noteDamage('I8', 'appqc-unreadable', `the A/B write of AppQC ${this.abWrittenMax} had completed; its slot read back corrupted at this restart`);
      this.abWrittenMax = a;
    }
    if (this.abWrittenMax !== undefined && (a === undefined || a < this.abWrittenMax)) {
      this.fail('I8', 'appqc-lost-by-crash', `after the restart latestAppQC is ${a ?? 'none'} but the A/B write of AppQC ${this.abWrittenMax} had completed before the crash`, [], { kind: 'appQC', roadIndex: this.abWrittenMax });
      this.abWrittenMax = a;
      return;
    }

    this.count('I3', this.votes.size > 0);
    const lost = this.votedBlocksLost(inner, image);
    // A vote whose own block file read back corrupted: no design keeps a block whose only copy is unreadable.
    const damaged = lost.filter((v) => this.ctx.corruptedRead?.(`${this.ctx.stateDir}/blocks/${blockFileName(v.lane, v.n)}`) === true);
    for (const v of damaged) {
      this.noteDamage('I3', 'voted-block-unreadable', `the node voted for block ${short(v.lane)}…/${v.n} (incarnation ${v.incarnation}); its only copy, blocks/${short(v.lane)}…_${v.n}.pb, read back corrupted at this restart`);
      this.votes.delete(`${v.lane}/${v.n}`);
    }
    const rest = lost.filter((v) => !damaged.includes(v));
    const v = rest[0];
    if (v !== undefined) {
      const q = inner.blocks.get(v.lane);
      const intact = rest.filter((x) => x.durableFile === 'intact').length;
      this.fail('I3', 'voted-block-lost-by-crash', `the node voted for block ${short(v.lane)}…/${v.n} (incarnation ${v.incarnation}) but after the restart it is ${v.missing ? 'missing' : 'different'} (queue [${q?.first}, ${q?.next}))`, [
        `${rest.length} voted block(s) lost; the disk the node restarted from held an intact file of ${intact}:`,
        ...rest.map((x) => `  ${short(x.lane)}…/${x.n} (voted in incarnation ${x.incarnation}): ${x.missing ? 'missing' : 'different'}; its file ${x.durableFile === 'intact' ? 'was intact' : x.durableFile === 'damaged' ? 'was there but does not verify' : 'was not there'}`),
      ], { kind: 'votes', votes: rest });
      // Looked past (a known finding): these votes are counted once, not again at every later restart.
      for (const x of rest) this.votes.delete(`${x.lane}/${x.n}`);
      return;
    }

    this.count('I7', restoredAnything(inner));
    const merged = this.ctx.abPayload === 'anchor';
    if (!merged && inner.nextCommitQCToPersist !== inner.commitQCs.next) {
      this.fail('I7', 'commitqc-cursor', `nextCommitQCToPersist ${inner.nextCommitQCToPersist} ≠ commitQCs.next ${inner.commitQCs.next} after the restart`);
      return;
    }
    if (inner.commitQCs.next > inner.commitQCs.first && nextIdx !== inner.commitQCs.next) {
      this.fail('I7', 'latest-commitqc', `latestCommitQC ${nextIdx - 1n} is not the last restored CommitQC ${inner.commitQCs.next - 1n}`);
      return;
    }
    const view = readDisk(image.files, this.ctx.stateDir, this.ctx.abPayload);
    const diskAppQC = view.ab.kind === 'ok' ? view.ab.appQC?.vote.roadIndex : undefined;
    if (diskAppQC !== a) this.fail('I7', 'latest-appqc', `latestAppQC ${a ?? 'none'} after the restart, but the disk's A/B winner holds ${diskAppQC ?? 'none'}`, [], { kind: 'anchor' });
    else if (merged) this.mergedReconstruction(s, view);
    this.appQCMaxThisRun = a;
    this.abSeq = s.persisters.ab.seq;
    this.checkInnerState(inner);
    this.checkWatermark(inner, 'after the restart');
  }

  /**
   * I7 (M): nextBlockToPersist = blocks.next for lanes with restored blocks;
   * persistedBlockStart = lr(anchor, lane).first; the CommitQC persister's next
   * = commitQCs.next; FirstCommitQC() = the anchor's index (0 without one).
   */
  private mergedReconstruction(s: AvailState, view: DiskView): void {
    const inner = s.core.inner;
    const anchorQC = view.ab.kind === 'ok' ? view.ab.commitQC : undefined;
    const want = anchorQC === undefined ? 0n : anchorQC.vote.view.index;
    if (inner.commitQCs.first !== want) {
      this.fail('I7', 'first-commitqc', `FirstCommitQC ${inner.commitQCs.first} after the restart, but the disk's anchor is at ${anchorQC === undefined ? 'none (want 0)' : want}`, [], { kind: 'anchor' });
      return;
    }
    const persisterNext = s.core.persisters.commitQCs.loadNext();
    if (persisterNext !== inner.commitQCs.next) {
      this.fail('I7', 'commitqc-persister-next', `the CommitQC persister's next is ${persisterNext}, commitQCs.next ${inner.commitQCs.next} after the restart`, [], { kind: 'anchor' });
      return;
    }
    for (const [lane, q] of inner.blocks) {
      const f = laneRangeOf(anchorQC, lane).first;
      const psb = inner.persistedBlockStart.get(lane) ?? 0n;
      if (psb !== f) {
        this.fail('I7', 'persisted-block-start', `persistedBlockStart of lane ${short(lane)}… is ${psb} after the restart, lr(anchor).first is ${f}`, [], { kind: 'anchor' });
        return;
      }
      const cursor = inner.nextBlockToPersist.get(lane) ?? 0n;
      if (q.next > q.first && cursor !== q.next) {
        this.fail('I7', 'block-cursor', `nextBlockToPersist of lane ${short(lane)}… is ${cursor} after the restart, blocks.next is ${q.next}`, [], { kind: 'anchor' });
        return;
      }
    }
  }

  /** The node started on a fresh disk (the first incarnation): what the A/B persister's seq starts at. */
  started(s: AvailState): void {
    this.abSeq = s.persisters.ab.seq;
  }

  /**
   * I10: the persist loop ended with an error; it must come from an injected
   * fault, and the failed item must not have moved anything — here, the A/B
   * persister's sequence number (spec §3.3: "a failed write does not consume a
   * sequence number"; the cursors are checked where they are read).
   */
  persistLoopEnded(error: unknown, faultInjected: boolean, s: AvailState | undefined): void {
    this.count('I10');
    if (!faultInjected) {
      this.fail('I10', 'run-ended-without-fault', `the node's Run ended without an injected fault: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const seq = s?.persisters.ab.noop === false ? s.persisters.ab.seq : undefined;
    if (seq !== undefined && this.abSeq !== undefined && seq !== this.abSeq) {
      this.fail('I10', 'ab-seq-moved-by-failed-write', `the persist loop failed (${error instanceof Error ? error.message : String(error)}) and the A/B persister's sequence number moved from ${this.abSeq} to ${seq} without a completed write`);
    }
  }

  /**
   * I3's restart form, every vote at once: each voted block at or above its
   * lane's restored first that the restart did not bring back, and whether the
   * disk it restarted from held an intact file of it (decodes to the voted
   * header, verifies): intact means the design lost it; damaged or absent, the
   * disk did (or the design never made it durable).
   */
  private votedBlocksLost(inner: Inner, image: DiskImage): LostVote[] {
    const lost: LostVote[] = [];
    let view: DiskView | undefined;
    for (const v of this.votes.values()) {
      const q = inner.blocks.get(v.lane);
      if (q === undefined || v.n < q.first) continue;
      const p = q.get(v.n);
      if (p !== undefined && toHex(blockHeaderHash(p.block.header)) === v.hashHex) continue;
      view ??= readDisk(image.files, this.ctx.stateDir, this.ctx.abPayload);
      const f = view.blocks.get(v.lane)?.get(v.n);
      const durableFile = f === undefined ? 'absent' : hasBlock(view, v.lane, v.n, v.hashHex) && (this.trust?.blockFile(f) ?? true) ? 'intact' : 'damaged';
      lost.push({ lane: v.lane, n: v.n, hashHex: v.hashHex, incarnation: v.incarnation, missing: p === undefined, durableFile });
    }
    return lost;
  }

  // -------------------------------------------------------------------------
  // What recovery trusts (X3, X4; scenarios/oracles/trust.ts)

  /** Set by the executor: judges QCs and blocks against the run's committee. Unset: X3/X4 are not checked. */
  trust: TrustJudge | undefined;
  /** objects already reported: a bad restored object is one violation, not one more at every serve */
  private readonly untrusted = new WeakSet<object>();

  /** X3 on a CommitQC the node publishes or serves; `where` names the point in the code. */
  trustCommitQC(qc: CommitQC, where: 'published' | 'served'): void {
    const judge = this.trust;
    if (judge === undefined) return;
    this.count('X3');
    const v = judge.commitQC(qc);
    if (v.ok || this.untrusted.has(qc)) return;
    this.untrusted.add(qc);
    const index = qc.vote.view.index;
    this.fail('X3', `${where}-commitqc-${v.flaw}`, `the node ${where === 'published' ? 'publishes' : 'serves'} CommitQC ${index} but ${v.text}`, [], { kind: 'commitQC', index });
  }

  /** X4 on a block the node serves: a signed proposal (its own lane's), or a bare block (the data pump: payload hash only). */
  trustBlock(p: SignedLaneProposal | Block, where: string): void {
    const judge = this.trust;
    if (judge === undefined) return;
    this.count('X4');
    const v = 'sig' in p ? judge.block(p) : judge.payload(p);
    if (v.ok || this.untrusted.has(p) || ('sig' in p && this.untrusted.has(p.block))) return;
    this.untrusted.add(p);
    const h = 'sig' in p ? p.block.header : p.header;
    this.fail('X4', `served-block-${v.flaw}`, `the node serves block ${short(h.lane)}…/${h.blockNumber} (${where}) but ${v.text}`, [], { kind: 'block', lane: h.lane, n: h.blockNumber, hashHex: toHex(blockHeaderHash(h)) });
  }

  /**
   * X3 and X4 after a restart, on everything the node restored: each CommitQC
   * in its queue (latestCommitQC is the last one), latestAppQC, and each block
   * of each lane. Each bad object is its own violation (its own subject, so a
   * known finding looked past for one does not hide another); the details list
   * every one.
   */
  checkRestoredTrust(s: AvailState): void {
    const judge = this.trust;
    if (judge === undefined) return;
    const inner = s.core.inner;
    const bad: { code: string; line: string; obj: object; subject: Subject }[] = [];
    this.count('X3', inner.commitQCs.next > inner.commitQCs.first || inner.latestAppQC !== undefined);
    for (let i = inner.commitQCs.first; i < inner.commitQCs.next; i++) {
      const qc = inner.commitQCs.get(i);
      if (qc === undefined) continue;
      const v = judge.commitQC(qc);
      if (!v.ok) bad.push({ code: `X3/restored-commitqc-${v.flaw}`, line: `CommitQC ${i}${qc === inner.latestCommitQC.load() ? ' (published as latestCommitQC)' : ''}: ${v.text}`, obj: qc, subject: { kind: 'commitQC', index: i } });
    }
    const latest = inner.latestCommitQC.load();
    if (latest !== undefined && !bad.some((b) => b.obj === latest)) {
      // merged: the anchor's CommitQC is published without being in the queue
      const v = judge.commitQC(latest);
      const i = latest.vote.view.index;
      if (!v.ok) bad.push({ code: `X3/restored-commitqc-${v.flaw}`, line: `CommitQC ${i} (published as latestCommitQC): ${v.text}`, obj: latest, subject: { kind: 'commitQC', index: i } });
    }
    const a = inner.latestAppQC;
    if (a !== undefined) {
      const v = judge.appQC(a);
      if (!v.ok) bad.push({ code: `X3/restored-appqc-${v.flaw}`, line: `AppQC ${a.vote.roadIndex}: ${v.text}`, obj: a, subject: { kind: 'appQC', roadIndex: a.vote.roadIndex } });
    }
    this.count('X4', [...inner.blocks.values()].some((q) => q.next > q.first));
    for (const [lane, q] of inner.blocks) {
      for (let n = q.first; n < q.next; n++) {
        const p = q.get(n);
        if (p === undefined) continue;
        const v = judge.block(p);
        if (!v.ok) bad.push({ code: `X4/restored-block-${v.flaw}`, line: `block ${short(lane)}…/${n}: ${v.text}`, obj: p, subject: { kind: 'block', lane, n, hashHex: toHex(blockHeaderHash(p.block.header)) } });
      }
    }
    if (bad.length === 0) return;
    for (const b of bad) {
      this.untrusted.add(b.obj);
      if ('block' in b.obj) this.untrusted.add((b.obj as SignedLaneProposal).block);
    }
    const details = bad.length > 1 ? [`${bad.length} restored objects do not verify:`, ...bad.map((b) => `  ${b.line}`)] : [];
    for (const b of bad) {
      const [invariant, kind] = b.code.split('/') as [InvariantId, string];
      this.fail(invariant, kind, `after the restart the node holds ${b.line}`, details, b.subject);
      if (this.violation !== undefined) return;
    }
  }
}
