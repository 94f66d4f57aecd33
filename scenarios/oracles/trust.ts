/**
 * Oracles for what recovery trusts (beyond the spec: §1.6 says no loader
 * checks a signature, a quorum or a payload hash, and nothing checks them
 * afterwards). Every CommitQC and AppQC the node publishes, restores or serves
 * must carry a quorum of valid signatures from distinct committee members;
 * every block it restores or serves must match its header's payload hash and
 * be signed by its lane's producer.
 *
 * Judged apart from the system under test: the codec's hashes and the
 * signature primitive are shared (as scenarios/oracles/disk.ts shares the
 * codec), but not src/verify.ts, so a faulty verifier in the SUT cannot blind
 * the oracle. The quorum is computed here from the committee's size (spec §1.7).
 *
 * Cost: a verdict is memoized on the object it judges (objects are immutable,
 * and the queues hand the same objects to every check of an incarnation), and
 * on the bytes of a disk file (the VFS shares immutable buffers, disk.ts); the
 * signature primitive memoizes its own verdicts by full input (src/crypto.ts).
 */
import { appVoteMsgHash, commitVoteMsgHash, laneProposalMsgHash, payloadHash } from '../../src/codec/index.js';
import { verifySignature } from '../../src/crypto.js';
import { bytesEqual, type AppQC, type Block, type CommitQC, type Hash32, type PublicKeyHex, type Signature, type SignedLaneProposal } from '../../src/types.js';
import type { FileVerdict } from './disk.js';

/** Why a QC is not trustworthy: its valid signatures are too few, or one of its signatures is not valid. */
export type QCFlaw = 'under-quorum' | 'invalid-signature';
/** Why a block is not trustworthy. */
export type BlockFlaw = 'payload-hash' | 'signer' | 'invalid-signature';

export type Verdict<F extends string> = { readonly ok: true } | { readonly ok: false; readonly flaw: F; readonly text: string };

const OK = { ok: true } as const;

/** CommitQuorum = AppQuorum = N − f, f = ⌊(N − 1)/3⌋ (spec §1.7). */
export function quorumOf(committeeSize: number): number {
  return committeeSize - Math.floor((committeeSize - 1) / 3);
}

export class TrustJudge {
  readonly quorum: number;
  private readonly members: ReadonlySet<string>;
  private readonly qcMemo = new WeakMap<object, Verdict<QCFlaw>>();
  private readonly blockMemo = new WeakMap<object, Verdict<BlockFlaw>>();
  /** verifications actually computed (memo misses), for the cost figures */
  computed = 0;

  constructor(members: readonly PublicKeyHex[]) {
    this.members = new Set(members);
    this.quorum = quorumOf(members.length);
  }

  commitQC(qc: CommitQC): Verdict<QCFlaw> {
    return this.memo(this.qcMemo, qc, () => this.qc(commitVoteMsgHash(qc.vote), qc.sigs));
  }

  appQC(qc: AppQC): Verdict<QCFlaw> {
    return this.memo(this.qcMemo, qc, () => this.qc(appVoteMsgHash(qc.vote), qc.sigs));
  }

  block(p: SignedLaneProposal): Verdict<BlockFlaw> {
    return this.memo(this.blockMemo, p, () => {
      const h = p.block.header;
      const payload = this.payload(p.block);
      if (!payload.ok) return payload;
      if (p.sig.key !== h.lane || !this.members.has(h.lane)) return { ok: false, flaw: 'signer', text: `it is signed by ${p.sig.key.slice(0, 8)}…, not by its lane's producer` };
      if (!verifySignature(p.sig.key, laneProposalMsgHash(p.block), p.sig.sig)) return { ok: false, flaw: 'invalid-signature', text: 'its producer\'s signature does not verify' };
      return OK;
    });
  }

  /** A bare block (no signature to check): its payload matches its header's payload hash. */
  payload(b: Block): Verdict<BlockFlaw> {
    return this.memo(this.blockMemo, b, () =>
      bytesEqual(payloadHash(b.payload), b.header.payloadHash) ? OK : { ok: false, flaw: 'payload-hash', text: 'its payload does not hash to the header\'s payload hash' },
    );
  }

  /** A disk file's verdict: what the file would give a loader that verified (memoized on the file's bytes via the decode). */
  commitQCFile(f: FileVerdict<CommitQC> | undefined): boolean {
    return f !== undefined && f.kind === 'ok' && this.commitQC(f.value).ok;
  }

  blockFile(f: FileVerdict<SignedLaneProposal> | undefined): boolean {
    return f !== undefined && f.kind === 'ok' && this.block(f.value).ok;
  }

  private qc(msg: Hash32, sigs: readonly Signature[]): Verdict<QCFlaw> {
    const valid = new Set<string>();
    let invalid = 0;
    for (const s of sigs) {
      if (this.members.has(s.key) && verifySignature(s.key, msg, s.sig)) valid.add(s.key);
      else invalid++;
    }
    if (valid.size >= this.quorum) return OK;
    const text = `${valid.size} valid signature(s) from distinct members, quorum ${this.quorum}${invalid > 0 ? `; ${invalid} signature(s) do not verify` : ''} (${sigs.length} present)`;
    return { ok: false, flaw: invalid > 0 ? 'invalid-signature' : 'under-quorum', text };
  }

  private memo<F extends string>(m: WeakMap<object, Verdict<F>>, key: object, compute: () => Verdict<F>): Verdict<F> {
    let v = m.get(key);
    if (v === undefined) {
      this.computed++;
      m.set(key, (v = compute()));
    }
    return v;
  }
}

/** A judge per committee (the committee fixture is shared by every run, so verdicts on shared objects are too). */
const judges = new Map<string, TrustJudge>();

export function trustJudge(members: readonly PublicKeyHex[]): TrustJudge {
  const key = members.join(',');
  let j = judges.get(key);
  if (j === undefined) {
    if (judges.size > 16) judges.clear();
    judges.set(key, (j = new TrustJudge(members)));
  }
  return j;
}
