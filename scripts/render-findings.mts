/**
 * Renders reports/findings.md from reports/findings.json (run after
 * scripts/record-findings.mts): the prose is here, the replay commands and
 * shrunk steps come from the recorded tokens, so the two never drift apart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { FINDINGS } from '../scenarios/findings.js';
import { MUTANTS } from '../scenarios/mutants.js';

interface Recorded {
  readonly id: string;
  readonly replay: string;
  readonly steps: readonly string[];
  readonly evidence?: readonly string[];
}

const recorded: Recorded[] = JSON.parse(readFileSync('reports/findings.json', 'utf8')).findings;
const get = (id: string): Recorded => {
  const f = recorded.find((x) => x.id === id);
  if (f === undefined) throw new Error(`reports/findings.json has no ${id}`);
  return f;
};
const replay = (id: string): string => get(id).replay;
const steps = (id: string): string => get(id).steps.map((s, i) => `${i + 1}. ${s}`).join('\n');
const count = (id: string): number => get(id).steps.length;
/** The evidence sentence the recorded counterexample printed (what a report shows for it). */
const evidence = (id: string): string => `* **Evidence in the recorded run:** ${(get(id).evidence ?? []).join(' / ') || '(none recorded)'}`;

/** F11's recorded case, from its evidence: the first A/B write (no older slot at all) or a later one (an older valid slot not used). */
function f11Case(): string {
  const ev = (get('F11').evidence ?? []).join(' ');
  if (/this was the first A\/B write/.test(ev)) return 'In the recorded example it is the **first** A/B write: the other slot is still the empty\n  pre-created file, so there is no older valid slot to fall back to at all.';
  if (/holds the valid seq \d+, which the loader does not fall back to/.test(ev)) return 'In the recorded example it is a later A/B write: the other slot holds a valid older AppQC,\n  which the loader does not fall back to. On the **first** A/B write the other slot is still\n  the empty pre-created file: there is no older valid slot at all.';
  return 'On the **first** A/B write the other slot is still the empty pre-created file: there is\n  no older valid slot at all; on a later one the older valid slot is not used either.';
}

const invariantsOf = (codes: readonly string[]): string => [...new Set(codes.map((c) => c.split('/')[0]))].join(', ');
const personalitiesOf = (ps: readonly string[]): string => (ps.length === 4 ? 'all' : ps.join(', '));
const findingRows = FINDINGS.filter((f) => f.design === 'seed').map((f) => `| ${f.id} | ${invariantsOf(f.codes)} | ${personalitiesOf(f.personalities)} | ${f.needs} | ${f.title} |`).join('\n');
const mergedRows = FINDINGS.filter((f) => f.design === 'merged').map((f) => `| ${f.id} | ${f.sameAs ?? '—'} | ${invariantsOf(f.codes)} | ${personalitiesOf(f.personalities)} | ${f.needs} | ${f.title} |`).join('\n');
/** One merged finding's section: what differs from its seed mechanism, then the recorded counterexample. */
const mergedSection = (id: string, heading: string, body: string): string => `## ${id} — ${heading}

${body}
* **Shrunk counterexample** (${count(id)} commands):
${steps(id)}
${evidence(id)}
* **Replay:** \`${replay(id)}\``;
const mutantRows = MUTANTS.map((m) => `| \`${m.id}\` | ${m.label ?? '—'} | ${m.explains} |`).join('\n');

const doc = `# Findings: what crashsim shows broken in the faithful designs "seed" and "merged"

These are results, not bugs of crashsim: each is an invariant of spec §10 (I1–I11)
or one of crashsim's extra checks (X1–X4) that the harness shows broken in design
**seed** (F<n>) or design **merged** (MF<n>, [below](#design-merged-the-code-that-shipped))
implemented exactly as specified. The design is left as it is; each finding
has a shrunk counterexample, one command that replays it exactly, and a test
(\`test/crash/findings.test.ts\`) that asserts the harness still finds it within its
budget and that the recorded token still replays to the same verdict and trace hash.
Tokens are regenerated with \`npx tsx scripts/record-findings.mts\` (reports/findings.json).

Disk personalities (sim/vfs/vfs.ts module doc): \`ordered\` — nothing reordered, a crash
keeps a prefix of all operations (the most forgiving disk); \`ext4\` — a real ext4 (jbd2,
data=ordered, delayed allocation): metadata operations persist as a journal prefix, any
fsync commits every earlier one plus the file's data, auto_da_alloc flushes replaced
files; \`ext4-weak\` — weaker than any real ext4: a file fsync makes its data and its own
directory entry durable, other directory changes need a directory fsync, entry operations
persist in journal order, truncates are data; \`strict-posix\` — ALICE's model, a file
fsync makes only its data durable. The personalities column says where each finding
shows (measured by the crash suite on each; \`all\` = all four).

**How a failure is recognised as a known finding.** Never by its invariant code alone: each
finding has an evidence rule (\`scenarios/findings.ts\`) over the violation, the run's
forensic record (\`scenarios/forensics.ts\`: every fs primitive with its incarnation, step,
task, persist write group, result or errno and injected fault; every power loss with the
pending operations the chosen image kept and lost; every restart with the disk it started
from and the files that were in the page cache only; corrupted reads; every block unlink
with the durable AppQC at that moment) and the disk. The rule either returns one evidence
sentence — reports print it — or nothing. A failure whose code a finding lists but whose
evidence does not hold is **NEW**; a failure that shows the evidence of two findings is
reported with both ids (\`F7+F9\`), never first-match. Losing what only a file that read back
corrupted held is **unsurvivable damage**, counted per cell, never a failure, never a finding:
a vote whose *own* block file read back corrupted, an own block re-produced after its only copy
read back corrupted, a published CommitQC or a completed AppQC whose only copy read back
corrupted, and a restart that stops (an error or an abort) because the block, CommitQC or A/B
file it needed read back corrupted — the node stops rather than run on data it cannot read.

| id | invariants | personalities | needs | in one line |
|---|---|---|---|---|
${findingRows}

F1, F2, F4, F5, F6 and F9 break even on the \`ordered\` disk: they are ordering bugs of the
design, not disk-model subtleties. F16 and F18 need no fault, only a write torn where an
encoded field ends. F3 and F15 need POSIX directory-entry durability
(strict-posix): under the spec's own definition of durable (\`Dur(t)\`: "fsync returned") they
are not violations at all.

---

## F1 — prune publishes a CommitQC that is not on disk (I2)

* **Design / disk / faults:** seed · every personality · none.
* **Invariant:** I2 "publish only durable CommitQCs" (claimed: "consensus won't proceed
  until the CommitQC is durable"), at event time and in its restart form.
* **What happens (shrunk):**
${steps('F1')}
* **Why:** seed \`prune\` (spec §6.3) pushes the AppQC's CommitQC into an empty/shorter
  queue *and stores it into \`latestCommitQC\`* (§8.5: "prune … fast-forward ✓ (seed)").
  PushAppQC is not gated on durability, so consensus sees index *r* published while
  \`commitqcs/<r>.pb\` has not been written; a power loss then restarts the node with a
  lower \`latestCommitQC\` than it had published (the restart form, code
  \`I2/published-lost-by-crash\`). The missing barrier: publication must wait for the
  CommitQC write (merged moves publication to the persist loop only).
* **Recognised by:** the violation is a store into latestCommitQC by prune's fast-forward while the CommitQC file is not durable; restart form: the lost publication was prune's and the file's write had not completed (fsync) when the node went down.
${evidence('F1')}
* **Replay:** \`${replay('F1')}\`

## F2 — latestCommitQC goes backwards (X2, beyond the spec)

* **Design / disk / faults:** seed · every personality · none.
* **Check:** X2 "the published latestCommitQC never goes backwards within a run".
* **What happens:** the same fast-forward as F1. The persist loop had collected a batch
  holding CommitQC 0 before the prune; it writes it and then \`markCommitQCsPersisted\`
  stores CommitQC 0 into \`latestCommitQC\`, over the CommitQC 1 that \`prune\` had published.
* **Why:** "No mark compares the new value of latestCommitQC with the current one"
  (spec §8.4). Subscribers of \`LastCommitQC()\` see the index decrease. It also breaks
  I11: a \`PushCommitQC(i)\` whose wait saw \`latestCommitQC = i−1\` appends *i* after the
  regression, while \`latestCommitQC\` is far below (code \`I11/appended-beyond-published\`).
* **Shrunk counterexample** (${count('F2')} commands):
${steps('F2')}
* **Recognised by:** the value latestCommitQC went back from had been published by prune's fast-forward in the same incarnation; for I11, such a regression by the persist loop came before the append.
${evidence('F2')}
* **Replay:** \`${replay('F2')}\`

## F3 — no directory fsync (I2, I3, I1, I9 on strict-posix; POSIX directory-entry durability)

* **Design / disk / faults:** seed · strict-posix · none. **Depends on POSIX directory-entry
  durability beyond the spec's definition:** spec §10 calls a file durable once its H1
  write's fsync returned; under that definition F3 breaks nothing. Under POSIX (and
  ALICE's model) the *name* needs an fsync of its directory too.
* **Recognised by:** the violating file's last write fsynced successfully, and yet its name is
  not durable — its directory entry, or its directory (\`blocks/\`, \`commitqcs/\`) itself, is
  still pending, or a later power loss lost it.
* **Invariants:** I3 (a vote for a block whose file is not durable), I2 (a CommitQC
  published whose file is not durable), I1, I9; after a crash the restart forms (voted
  blocks and published CommitQCs missing, \`persisted AppQC … but no matching commitQC\`).
* **What happens (shrunk):**
${steps('F3')}
* **Why:** H1 \`writeAndSync\` fsyncs the file but never its directory, \`blocks/\` and
  \`commitqcs/\` are created without an fsync of the state directory, and unlinks are
  never followed by a directory fsync (spec §2.7). Under ALICE's model a file's name is
  durable only after an fsync of its directory, so a block the node voted for can vanish.
  On ext4 (data=ordered) the same code happens to be safe because the journal commits the
  entry with the file's fsync — the design depends on that file system behaviour.
${evidence('F3')}
* **Replay:** \`${replay('F3')}\`

## F4 — an empty block file makes the restart panic (I5)

* **Design / disk / faults:** seed · every personality · none (also after a failed write).
* **What happens (shrunk):** normal operation; a power loss right after the persist loop
  \`open(O_CREAT|O_TRUNC)\`s \`blocks/<lane>_<n>.pb\` and before its \`write\` is durable. The
  crash image holds the file with 0 bytes.
* **Why:** an empty file parses as an empty \`SignedMsg\`; the semantic decoder then
  dereferences the absent \`msg\` (spec §1.6: abort) and the loader does not catch it
  (§4.3), so \`NewState\` terminates the process — every restart, forever. There is no
  temporary file + rename, and the loader treats "corrupt" (skipped) and "abort" (panic)
  differently. The exhaustive explorer shows it at 2 of the 8 crash points of a one-block
  iteration (\`test/crash/explore.test.ts\`).
* **Shrunk counterexample** (${count('F4')} commands):
${steps('F4')}
* **Recognised by:** the block file named in the panic is empty (or cut) on the disk the node restarted from, and the record explains it: its write failed, or a power loss or process restart came before its write was fsynced (lost, torn, or not yet issued).
${evidence('F4')}
* **Replay:** \`${replay('F4')}\`

## F5 — own-lane equivocation after a crash (X1, beyond the spec)

* **Design / disk / faults:** seed · every personality · none.
* **What happens:** the node produces own block *n*; \`SubscribeLaneProposals\` hands it to
  the peers at once (no persistence gate, §9.3); a power loss comes before the block file
  is durable; the restarted node produces block *n* again, with a different payload.
* **Why:** own blocks are disseminated before they are durable. The peers now hold two
  different blocks at the same (lane, n) signed by the node: an equivocation caused by a
  crash, not by malice.
* **Shrunk counterexample** (${count('F5')} commands):
${steps('F5')}
* **Recognised by:** at some restart the disseminated own block's file was not on the disk the node started from, and its write had not completed (never written, or not yet fsynced) — other reasons for a lost own block (F3, F7, F9, F15) are recognised as those findings.
${evidence('F5')}
* **Replay:** \`${replay('F5')}\`

## F6 — fast-forward + gap-truncating loader: the restart fails (I5)

* **Design / disk / faults:** seed · every personality · none.
* **What happens (shrunk):**
${steps('F6')}
  The node holds \`commitqcs/0.pb\`; a fast-forward AppQC at 2 makes the loop write
  \`commitqcs/2.pb\` and the AppQC; the power loss comes before \`DeleteBefore(2)\` removes
  \`0.pb\` (or its unlink is lost: unlinks are never followed by a directory fsync).
* **Why:** the seed CommitQC loader keeps the consecutive run from the *smallest* index
  and drops the rest at the first gap (§5.2). With \`0.pb\` and \`2.pb\` on disk it keeps
  \`[0]\`, drops \`2.pb\`, and \`newInner\` fails with \`persisted AppQC at road index 2 but no
  matching commitQC on disk\`. The node cannot restart from this disk.
* **Recognised by:** on the disk the node restarted from, the AppQC's (or the published) CommitQC file is intact, but an older file below a gap makes the seed loader's kept run stop before it; the sentence says whether the old file's unlink was lost or not yet issued.
${evidence('F6')}
* **Replay:** \`${replay('F6')}\`

## F7 — a corrupt read at startup truncates a lane: intact voted blocks above it are dropped (I3, with read corruption)

* **Design / disk / faults:** seed · ext4, ext4-weak, ordered · a read fault (sticky bit flip).
* **What happens:** the node persisted and voted for several blocks of a lane; at a restart
  one read of a *lower* block file of that lane returns a flipped bit, while the voted
  block's own file above it is intact and durable.
* **Why:** the loader logs \`skipping corrupt block file\` and then truncates the lane at
  the gap (§4.3, seed): every later block of that lane is dropped too, including intact,
  durable blocks the node voted for. There is no checksum and no way to tell media
  corruption from a torn write; the log line says "remaining will be re-fetched", but votes
  were already given. (Merged keeps gaps.)
* **Recognised by:** a lost voted block whose own file is intact on the disk the node
  restarted from, and a corrupted read, in that restart, of a lower block file of the same
  lane. A vote whose *own* block file read back corrupted is not F7: no design keeps a block
  whose only copy is unreadable — that is unsurvivable damage (counted, never a failure).
  The same mechanism on the own lane (the dropped own block is then produced again) shows as X1.
* **Shrunk counterexample** (${count('F7')} commands):
${steps('F7')}
${evidence('F7')}
* **Replay:** \`${replay('F7')}\`

## F8 — fsyncgate: after an fsync failure and a process restart the node votes for non-durable data (I3, I9, I1, I2)

* **Design / disk / faults:** seed · ext4, ext4-weak, ordered · one fsync failure (EIO) on a block
  or CommitQC file, then a process restart.
* **What happens (shrunk):**
${steps('F8')}
  The fsync of a block file fails; the persist loop ends \`Run\` with the error (I10 holds);
  the node process restarts (no power loss). The page cache still holds the block's bytes,
  which are not durable (Linux marks the failed pages clean). The loader reads them,
  counts them as persisted ("loaded blocks are already on disk"), and the node votes.
* **Why:** recovery trusts what \`read\` returns; after a failed fsync that is not what is on
  disk. The same happens to CommitQC files: the restarted node publishes a CommitQC, or writes
  an AppQC whose CommitQC exists only in the page cache (I2, I1). The missing barrier:
  re-write (or fsync) what is loaded before treating it as durable, or crash hard on fsync
  failure without restarting on the same page cache.
* **Recognised by:** the violating file's last write before a process restart had a *failed*
  fsync; the file was in the page cache only at that restart and was never written durably
  since. (Also the restart form: a power loss later loses what the node had voted for.)
${evidence('F8')}
* **Replay:** \`${replay('F8')}\`

## F8b — a plain process kill between a write and its fsync: the restarted node votes for non-durable data (I3, I9, I1, I2)

* **Design / disk / faults:** seed · ext4, ext4-weak, ordered · no fault: the process restarts
  while a block or CommitQC file's write is in the page cache and its fsync has not run.
* **What happens (shrunk):**
${steps('F8b')}
* **Why:** the same trust in the page cache as F8, without any I/O error: a restart on the
  same page cache (a crashed process, an operator restart, a container restart) shows the
  new process data that was never fsynced, and the seed loader counts it as persisted.
* **Recognised by:** the violating file was in the page cache only at a process restart, its
  last write before that restart had not been fsynced (no failed fsync: that is F8), and it was
  never written durably since.
${evidence('F8b')}
* **Replay:** \`${replay('F8b')}\`

## F9 — blocks deleted before their AppQC is durable (I3)

* **Design / disk / faults:** seed · every personality · none.
* **What happens:** an AppQC prunes the queues in memory; the next persist iteration runs
  in the seed order blocks → **delete old blocks** → CommitQCs → **AppQC** → … and the power
  loss comes between the two: the block files below the new prune point are gone, the
  durable AppQC is still the old one. After the restart the lane's queue starts at the old
  prune point, where the node had voted for blocks that no longer exist.
* **Why:** block-file deletion uses the in-memory \`blocks[lane].first\` and runs before the
  AppQC write (spec §8.3 step 2 vs step 4; I4 states no durability condition for block
  deletion). The PR fixed this ordering for CommitQC files (AppQC before their deletion)
  but not for block files.
* **Shrunk counterexample** (${count('F9')} commands):
${steps('F9')}
* **Recognised by:** the lost voted block's file was unlinked by the \`deleteOldBlocks\` write group while the durable AppQC's prune point for its lane was at or below the block (recorded at the unlink), and it is absent from the disk the node restarted from.
${evidence('F9')}
* **Replay:** \`${replay('F9')}\`

## F10 — a torn first A/B write bricks the node (I5)

* **Design / disk / faults:** seed · every personality · a short write followed by an
  error on the A/B file (or a power loss tearing it).
* **What happens (shrunk):**
${steps('F10')}
* **Why:** startup pre-creates both slots empty. The first \`Persist\` writes slot A in place
  (\`O_TRUNC\`, no temporary file): a short write then ENOSPC leaves A holding a prefix of
  the wrapper. On restart A is *Corrupt* and B is empty (= *NotExist*), and the load
  decision (spec §3.4) makes "Corrupt + NotExist" an error, not "no data": \`NewPersister
  avail_inner: no valid state\`, on every restart. The A/B scheme protects a write only
  when the other slot already holds valid data.
* **Recognised by:** one slot on the disk the node restarted from is non-empty but its wrapper does not parse, the other is empty, and the record explains the cut slot: a failed write, or a power loss or process restart before its write was fsynced.
${evidence('F10')}
* **Replay:** \`${replay('F10')}\`

## F11 — a torn A/B write with a zero tail: the wrapper parses, the payload does not, no fallback (I5)

* **Design / disk / faults:** seed · every personality · none, but a disk that can tear a write
  and leave the unwritten tail reading as **zeros** (or garbage): ext4 without data=ordered,
  XFS (torn writes at any byte, \`zero\` fill).
* **What happens (shrunk):**
${steps('F11')}
  The power loss comes right before the fsync of an A/B write; the crash image keeps the
  file's new size but only the first bytes of the write, the rest reading as zeros.
  ${f11Case()}
* **Which tear it needs:** a cut *after* the wrapper's varint \`seq\` and the length prefix of
  \`data\`, with a zero (or garbage) tail. A cut with the old tail leaves a short file whose
  wrapper does not parse — that slot counts as Corrupt (F10 when the other slot is empty;
  harmless when it holds a valid older AppQC).
* **Why:** with that tear \`PersistedWrapper\` parses and wins on its seq; \`data\` is then
  mostly zeros and its Stage-1 parse fails. Spec §3.2 step 7: "no fallback to the other
  slot" — when the other slot holds a valid older AppQC it is not used either — and startup
  ends with \`NewPersister avail_inner: unmarshal persisted avail_inner\`. There is no
  checksum to tell a torn slot from a good one.
* **Recognised by:** a power loss tore the winning slot's last write with a zero or garbage
  tail, and on the disk the node restarted from that slot's wrapper parses while its AppQC
  payload does not.
${evidence('F11')}
* **Replay:** \`${replay('F11')}\`

## F12 — the persist loop busy-spins (liveness)

* **Design / disk / faults:** seed · every personality · none.
* **What happens:** a prune moves a lane's block queue past its end (e.g. a fast-forward,
  or the AppQC prune at restart, spec §7.3: the cursor "stays below \`blocks[lane].next\`"),
  so \`nextBlockToPersist[lane] < blocks[lane].next = blocks[lane].first\`. The seed wake
  predicate (§8.2) is true, the clamped batch is empty, the iteration writes nothing and
  marks nothing — and lists \`blocks/\` (DeleteBefore runs every iteration) — then collects
  again at once. The node spins until a new block arrives on that lane; the simulator
  reports the exhausted step budget with \`avail/persist\` as the spinning task.
* **Why:** seed \`prune\` leaves the cursors alone (A4). Merged raises
  \`nextBlockToPersist[lane]\` to the new \`first\` in prune, which removes this spin.
* **Shrunk counterexample** (${count('F12')} commands):
${steps('F12')}
* **Recognised by:** when the step budget runs out with the persist task spinning, a lane has \`nextBlockToPersist < blocks.first = blocks.next\` and the persist loop has collected more than 100 empty batches in a row.
${evidence('F12')}
* **Replay:** \`${replay('F12')}\`

## F13 — a corrupt read at startup deletes durable CommitQC files (I4, with read corruption)

* **Design / disk / faults:** seed · all personalities · a read fault (sticky bit flip, byte
  and bit from the seed) on a CommitQC file, read by the restarted node's loader.
* **What happens:** one read of \`commitqcs/<i>.pb\` returns a flipped bit. The loader logs
  \`skipping corrupt commitqc file\` and goes on without it, so the node's CommitQC queue
  starts after that index; its cleanup (\`deleteBefore\`) then removes the skipped file,
  although no durable AppQC justifies deleting it (I4). A transient or latent read error
  becomes the loss of durable data: nothing checksums the file or re-reads it.
* **Recognised by:** the CommitQC file being deleted read back corrupted at this startup (the loader skipped it), and no durable AppQC justifies the deletion.
* **Shrunk counterexample** (${count('F13')} commands):
${steps('F13')}
${evidence('F13')}
* **Replay:** \`${replay('F13')}\`

## F14 — a corrupted file that still decodes is loaded as persisted (I3, X3, X4)

* **Design / disk / faults:** seed · every personality · media corruption of a block file
  (or a CommitQC file, or an A/B slot) whose flipped bit still leaves a decodable message.
* **What happens (shrunk):**
${steps('F14')}
* **Why:** the seed loaders check neither a checksum nor a signature, a quorum or a payload
  hash (spec §1.6): corrupted bytes that still parse become a "persisted" block, CommitQC or
  AppQC. For a block, the cursor passes it and the node signs a LaneVote for a header that is
  not the one on disk (and, after another restart that reads the true bytes, the block it voted
  for is "different"); the data pump serves it, with a payload that no longer matches the
  payload hash its producer signed (X4). A flipped signature of a block, CommitQC or AppQC is
  restored and served the same way (X3, X4), and the A/B persister writes such an AppQC back
  to disk, where the next startup loads it again. A flip in a block's header forks the lane:
  the producer's next block names the true block as its parent, the node rejects it as an
  equivocation, and the lane never moves again (LIVENESS). A loader that verified would skip
  the file: what the file held was durable, so losing it is then damage (counted apart, below).
* **Recognised by:** a read of the violating block file returned corrupted bytes in the
  incarnation that voted, while the file on disk is intact; for X3/X4, the object that does
  not verify was loaded at this startup from a file whose read returned corrupted bytes (or from
  a file the node wrote back after such a load); for LIVENESS, a block the node holds differs in
  its header from the file it was read from, and that read returned corrupted bytes.
${evidence('F14')}
* **Replay:** \`${replay('F14')}\`

## F15 — lost unlinks leave a gap below newer blocks; the gap-truncating loader drops voted blocks (I3, POSIX directory-entry durability)

* **Design / disk / faults:** seed · strict-posix · none.
* **What happens (shrunk):**
${steps('F15')}
* **Why:** block-file unlinks are never followed by a directory fsync (§2.7). A power loss
  can undo some of them and not others (or lose the create of a newer file), so the disk holds
  stale old block files below a gap and the newer blocks above it. The seed loader keeps the run
  from the *smallest* number up to the first gap (§4.3) and drops the blocks above it —
  including blocks the node voted for. Like F3 it depends on POSIX directory-entry durability.
* **Recognised by:** on the disk the node restarted from, the lost voted block's file is
  intact above a gap in its lane, and the gap is explained by the record: a file below it had
  been unlinked before the power loss (its unlink was undone), or the missing file's directory
  entry was lost.
${evidence('F15')}
* **Replay:** \`${replay('F15')}\`

## F16 — recovery trusts a torn file that still parses: an under-quorum CommitQC is published (X3, X4)

* **Design / disk / faults:** seed · every personality · no faults; a write torn where an
  encoded field ends (byte-granular tears, as on disks without power-loss protection; torn
  mode \`field\` of scenario \`torn-parseable\` tears only there, the other torn modes cut
  there among other cuts).
* **Check:** X3 "every CommitQC and AppQC the node publishes, restores or serves has a
  quorum of valid signatures from distinct committee members" (X4 for blocks: payload hash
  and producer signature), judged by crashsim's own verifier (\`scenarios/oracles/trust.ts\`:
  the codec's hashes and the signature primitive, not the SUT's \`verify.ts\`).
* **What happens (shrunk):**
${steps('F16')}
  The power loss comes right before the fsync of a CommitQC file; the crash image keeps the
  file up to the end of one of its fields and nothing after.
* **Why:** a CommitQC is \`vote\` followed by repeated \`sigs\`; a prefix that ends between
  two fields is a valid encoding of a CommitQC with fewer signatures (none, when the cut is
  right after the vote). No loader checks a signature, a quorum or a payload hash, and nothing
  checks what was loaded (spec §1.6), so \`newInner\` stores it into \`latestCommitQC\` (published
  as the node's latest commit), \`CommitQC(i)\` serves it and the data pump hands it to the data
  layer. An AppQC torn inside its signatures (in the A/B slot) is restored the same way. The
  fix is a verification on load that skips what fails: the torn file was never durable (its
  fsync had not returned), so nothing is lost.
* **Recognised by:** the object that does not verify was loaded from a file that a power loss
  tore (its last write is the torn one: the disk the node started from holds that prefix), or
  from a file the node wrote back after loading such a torn file.
${evidence('F16')}
* **Replay:** \`${replay('F16')}\`

## F18 — a torn A/B write that kept only its seq forgets the AppQC (I8)

* **Design / disk / faults:** seed · every personality · no faults; an A/B write torn right
  after the wrapper's \`seq\` field (torn mode \`field\`, or any byte-granular tear there).
* **What happens (shrunk):**
${steps('F18')}
* **Why:** the wrapper is \`seq\` (field 1) then \`data\` (field 2). A write into a slot torn
  right after \`seq\` leaves \`{seq: n+1}\` without \`data\`: it parses, wins the load decision
  against the other slot's valid \`{seq: n, data: AppQC}\` (spec §3.4 compares seqs only), and
  "no data" loads no AppQC: the restart forgets the AppQC whose A/B write had completed before
  the crash (I8's restart form). The A/B scheme assumes a torn slot fails to parse; without a
  checksum over the payload (or a length check) it cannot tell. Unlike F11 (a zero tail that
  makes the payload undecodable: the restart fails), here the restart succeeds and silently
  goes back.
* **Recognised by:** on the disk the node restarted from, the winning slot is a wrapper with
  the higher seq and no payload whose last write a power loss tore, and the other slot holds a
  valid wrapper with a lower seq and an AppQC.
${evidence('F18')}
* **Replay:** \`${replay('F18')}\`

---

## Design merged (the code that shipped)

Design **merged** (\`src/design/merged.ts\`, spec §12) fixes several of seed's ordering
problems by construction and shares most of its file handling. A seed mechanism that also
shows in merged is **MF<n>** (\`sameAs\` F<n>): the same evidence rule recognises it, plus the
extra ways merged's code lets it show (its strict \`newInner\` turns a missing file below
others into a restart error; the prune anchor the node acts on at startup). A mechanism only
merged has would take an id from F30–F49: the crash suite and the campaigns over every
scenario × personality × fault profile (\`npx crashsim run --design merged --scenario all
--personality all --faults off,swarm\`) found none — every merged failure so far is one of
seed's mechanisms. The hardened variant (\`src/design/hardened.ts\`) removes all of them:
\`npx crashsim run --design hardened\` acknowledges no finding at all.

| id | same as | invariants | personalities | needs | in one line |
|---|---|---|---|---|---|
${mergedRows}

${mergedSection('MF3', 'no directory fsync; in merged a vanished file is a gap the restart refuses (I2, I3, I1, I9, I5; strict-posix)', `* **Design / disk / faults:** merged · strict-posix · none (POSIX directory-entry durability, as F3).
* **In merged:** the same missing directory fsyncs as seed (spec §12: "the absence of directory
  fsyncs outside \`NewPersister\`" is unchanged). Merged's loader keeps gaps, and its strict
  \`newInner\` refuses them: a block or CommitQC file whose name a power loss undid *below*
  newer ones is \`non-contiguous persisted blocks/commitQCs\` — the node does not restart at all
  (I5), where seed silently truncated.
* **Recognised by:** F3's rule; for a gap error, the file the error names as missing had its
  fsync return and a later power loss lost its directory entry (or its directory).`)}

${mergedSection('MF4', 'an empty block file makes the restart panic (I5)', `* **Design / disk / faults:** merged · every personality · none (also after a failed write).
* **In merged:** unchanged — same \`writeAndSync\` in place, same loader that skips "corrupt"
  but panics on "abort" (§4.3 "unchanged between the designs").
* **Recognised by:** F4's rule.`)}

${mergedSection('MF5', 'own-lane equivocation after a crash (X1)', `* **Design / disk / faults:** merged · every personality · none.
* **In merged:** \`SubscribeLaneProposals\` is still not gated on persistence (§12 "unchanged").
* **Recognised by:** F5's rule.`)}

${mergedSection('MF8', 'fsyncgate; in merged the node also acts on a page-cache-only anchor (I3, I9, I4, I6, I5)', `* **Design / disk / faults:** merged · ext4, ext4-weak, ordered · one fsync failure (EIO), then a
  process restart on the same page cache.
* **In merged:** besides voting for page-cache-only blocks (as seed), the restarted node loads a
  **prune anchor** whose A/B write's fsync failed and acts on it at once: the startup cleanup
  deletes block and CommitQC files below its prune points (I4), \`persistedBlockStart\` admits
  blocks on its strength (I6); after a later power loss the older durable anchor comes back and
  needs the deleted blocks (I3 restart form). A CommitQC file loaded from the page cache that a
  power loss then loses sits *below* newer ones: merged's strict \`newInner\` refuses the gap (I5).
* **Recognised by:** F8's rule; or an A/B slot, a deleted block's anchor, or the gap file was in
  the page cache only at a process restart after its fsync failed, and never durably written since.`)}

${mergedSection('MF8b', 'a plain process kill between a write and its fsync (I3, I9, I4, I6, I5)', `* **Design / disk / faults:** merged · ext4, ext4-weak, ordered · no fault: a process restart while a
  write's fsync has not run.
* **In merged:** the forms of MF8, without the I/O error.
* **Recognised by:** F8b's rule and MF8's merged forms with "fsync never ran" instead of "failed".`)}

${mergedSection('MF10', 'a torn first A/B write bricks the node (I5)', `* **Design / disk / faults:** merged · every personality · a failed or torn first A/B write.
* **In merged:** the A/B envelope, slot choice and load decision are unchanged (§12); only the
  payload is a prune anchor.
* **Recognised by:** F10's rule.`)}

${mergedSection('MF11', 'a torn A/B write with a zero tail: no fallback (I5)', `* **Design / disk / faults:** merged · every personality · none (a disk that tears with a zero tail).
* **In merged:** unchanged; the payload that fails to parse is the prune anchor.
* **Recognised by:** F11's rule (the payload is decoded as the design's message).`)}

${mergedSection('MF14', 'a corrupted read that still decodes is loaded as persisted (I3, I9, I7, I5)', `* **Design / disk / faults:** merged · every personality · media corruption (a read returns
  flipped bits that still decode).
* **In merged:** as seed for blocks (no checksum, no signature check on load: the node votes for a
  header no one proposed). Merged adds two forms: a corrupted **prune anchor** that still decodes
  sets the restarted node's first CommitQC, watermark and cursors (I7); and a corrupted block
  header taken as the lane's tip gets the next block chained onto it, so a later restart that
  reads the true block fails merged's parent-hash check (I5).
* **Recognised by:** F14's rule; or the A/B slot read back corrupted at this restart (anchor form);
  or the parent named by the hash-mismatch error read back corrupted in an earlier incarnation.`)}

${mergedSection('MF16', 'recovery trusts a torn file that still parses (X3, X4)', `* **Design / disk / faults:** merged · every personality · none (a write torn where an encoded
  field ends).
* **In merged:** the block and CommitQC files and the A/B envelope are seed's, and merged's loaders
  check no signature, quorum or payload hash either: F16's torn CommitQC (or AppQC, block) that
  still parses is restored and published. Defined from seed's F16 (same rule, same cell).
* **Recognised by:** F16's rule.`)}

${mergedSection('MF18', 'a torn A/B write that kept only its new seq wins without payload: the anchor is forgotten (I8)', `* **Design / disk / faults:** merged · every personality · none (a tear right after the wrapper's
  \`seq\` field: byte-granular or sector tears of the A/B file).
* **In merged:** the A/B envelope and load decision are seed's (§12): the torn slot parses as a
  wrapper with the newer seq and no payload, wins over the slot holding the durable anchor, and
  "no data" restores no anchor at all. The same mechanism in seed is h-oracles2's F18; the merged
  crash suite found it first (\`torn-writes\` on \`ext4\`, root seed \`ci\`).
* **Recognised by:** the slot that won on the start disk parses as a wrapper without payload, the
  other slot holds an older seq with a payload, and a power loss tore the winner's last write.`)}

## Seed findings in design merged

Seed's **F1, F2, F6, F7, F9, F12, F13 and F15 do not occur in merged**. Shown on the same
workload: \`test/crash/findings-across-designs.test.ts\` runs each one's recorded counterexample
on seed (it breaks) and the very same plan on merged and hardened (it holds; on merged after
looking past merged's own findings, which never include that mechanism).

| seed finding | why merged does not have it |
|---|---|
| F1 | merged \`prune\` does not publish on a fast-forward (§12 row 23); only the persist loop publishes, after the CommitQC writes |
| F2 | the same: the only publisher is the persist loop, in index order |
| F6 | merged's CommitQC loader keeps gaps and drops files below the anchor's index (§12 rows 5, 8); the anchor carries its own CommitQC |
| F7 | merged's block loader keeps gaps; a corrupt read of a needed file is a refused restart (unsurvivable damage), not a silently truncated lane |
| F9 | merged writes the anchor first and deletes old blocks last (§12 rows 25, 30) |
| F12 | merged \`prune\` raises \`nextBlockToPersist\` to the new \`first\` (§12 row 24) |
| F13 | a skipped CommitQC at or above the anchor is a gap \`newInner\` refuses; the startup cleanup only deletes below the anchor |
| F15 | block files below the anchor's prune points are filtered before the contiguity check; stale ones from undone unlinks never make a gap above it |

---

## Mutants: the suite must see regressions

Each mutant is one hook of a faithful design with one safeguard removed
(\`scenarios/mutants.ts\`, \`mutantsOf(base)\`). \`npx crashsim mutants\` runs every mutant
through the default \`crashsim run\` cells and budget with the base design's known findings
looked past — as a CI user runs it — and reports per mutant whether it showed as NEW, the runs
and seconds to the first NEW failure, its invariant, the shrunk counterexample and its replay
command; a mutant that shows only as known findings counts as missed.
\`test/crash/mutants.test.ts\` asserts every mutant is NEW within 4 runs per default cell.

| mutant | label | what it removes |
|---|---|---|
${mutantRows}
`;
writeFileSync('reports/findings.md', doc);
