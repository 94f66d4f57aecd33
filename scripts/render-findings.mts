/**
 * Renders reports/findings.md from reports/findings.json (run after
 * scripts/record-findings.mts): the prose is here, the replay commands and
 * shrunk steps come from the recorded tokens, so the two never drift apart.
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface Recorded {
  readonly id: string;
  readonly replay: string;
  readonly steps: readonly string[];
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

const doc = `# Findings: what crashsim shows broken in the faithful design "seed"

These are results, not bugs of crashsim: each is an invariant of spec §10 (I1–I11)
or one of crashsim's extra checks (X1, X2) that the harness shows broken in design
**seed** implemented exactly as specified. The design is left as it is; each finding
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

| id | invariant | personalities | faults needed | in one line |
|---|---|---|---|---|
| F1 | I2 | all | no | \`prune\` publishes a fast-forwarded CommitQC before it is on disk; a crash then un-publishes it |
| F2 | X2, I11 | all | no | after a fast-forward the persist loop publishes an *older* CommitQC: \`latestCommitQC\` goes backwards |
| F3 | I2, I3, I1, I9 | strict-posix | no | no directory fsync: block and CommitQC files (and \`blocks/\`, \`commitqcs/\`) vanish after their fsync |
| F4 | I5 | all | no | a crash between creating a block file and writing it leaves an empty file: the restart panics |
| F5 | X1 | all | no | a crash loses an own block already sent to peers; the restarted node equivocates on its own lane |
| F6 | I5 | all | no | fast-forward + the gap-truncating CommitQC loader: a crash before the old files are deleted makes the restart fail |
| F7 | I3 | ext4, ext4-weak, ordered | read corruption | one corrupt read at startup truncates a lane: blocks the node voted for are gone |
| F8 | I3, I9, I1 | ext4, ext4-weak, ordered | fsync failure | after an fsync error and a restart the node treats page-cache data as durable and votes for it (fsyncgate) |
| F9 | I3 | all | no | old block files are deleted before the AppQC that justifies it is written: a crash in between loses voted blocks |
| F10 | I5 | all | a failed or torn write | a torn first write of the A/B file beside the still-empty other slot: the node never restarts |
| F11 | I5 | all | no (a torn write) | a torn A/B write with a zero tail parses as a wrapper, its payload does not, and there is no fallback to the valid slot |
| F12 | liveness | all | no | the persist loop busy-spins forever when a prune empties a lane past its persistence cursor |
| F13 | I4 | all | read corruption | a corrupt read of a CommitQC file at startup: the node deletes CommitQC files its durable AppQC does not justify |

F1, F2, F4, F5, F6 and F9 break even on the \`ordered\` disk: they are ordering bugs of the
design, not disk-model subtleties.

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
* **Replay:** \`${replay('F2')}\`

## F3 — no directory fsync (I2, I3, I1, I9 on strict-posix)

* **Design / disk / faults:** seed · strict-posix · none.
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
* **Replay:** \`${replay('F6')}\`

## F7 — one corrupt read at startup loses voted blocks (I3, with read corruption)

* **Design / disk / faults:** seed · ext4, ext4-weak, ordered · a read fault (sticky bit flip).
* **What happens:** the node persisted and voted for blocks 0..2 of a lane; at restart one
  read of \`blocks/<lane>_2.pb\` returns a flipped bit.
* **Why:** the loader logs \`skipping corrupt block file\` and then truncates the lane at
  the gap (§4.3, seed): every later block of that lane is dropped too, including blocks the
  node voted for. There is no checksum and no way to tell media corruption from a torn
  write; the log line says "remaining will be re-fetched", but votes were already given.
* **Shrunk counterexample** (${count('F7')} commands):
${steps('F7')}
* **Replay:** \`${replay('F7')}\`

## F8 — fsyncgate: after an fsync error the restarted node votes for non-durable blocks (I3, I9)

* **Design / disk / faults:** seed · ext4, ext4-weak, ordered · one fsync failure.
* **What happens (shrunk):**
${steps('F8')}
  The fsync of a block file fails; the persist loop ends \`Run\` with the error (I10 holds);
  the node process restarts (no power loss). The page cache still holds the block's bytes,
  which are not durable (Linux marks the failed pages clean). The loader reads them,
  counts them as persisted ("loaded blocks are already on disk"), and the node votes.
* **Why:** recovery trusts what \`read\` returns; after a failed fsync that is not what is on
  disk. The same happens to CommitQC files: the restarted node writes an AppQC whose
  CommitQC exists only in the page cache (I1, \`I1/appqc-without-commitqc\`). The missing barrier: re-write (or fsync) what is loaded before treating it as
  durable, or crash hard on fsync failure without restarting on the same page cache.
* **Replay:** \`${replay('F8')}\`

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
* **Replay:** \`${replay('F10')}\`

## F11 — a torn A/B write with a zero tail: no fallback to the valid slot (I5)

* **Design / disk / faults:** seed · every personality · none (torn writes at any byte).
* **What happens (shrunk):**
${steps('F11')}
  The power loss comes right before the fsync of an A/B write; the crash image keeps the
  file's new size but only the first bytes of the write, the rest reading as zeros (what
  ext4 without data=ordered, or XFS, can show after a crash).
* **Why:** the wrapper's varint \`seq\` and the length of \`data\` are in the first bytes, so
  \`PersistedWrapper\` parses and wins with the higher seq; \`data\` is then mostly zeros and
  its Stage-1 parse fails. Spec §3.2 step 7: "no fallback to the other slot" — the other
  slot holds the previous, valid AppQC, but startup ends with \`NewPersister avail_inner:
  unmarshal persisted avail_inner\`. There is no checksum to tell a torn slot from a good one.
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
* **Replay:** \`${replay('F12')}\`

## F13 — a corrupt read at startup deletes durable CommitQC files (I4, with read corruption)

* **Design / disk / faults:** seed · all personalities · a read fault (sticky bit flip, byte
  and bit from the seed) on a CommitQC file, read by the restarted node's loader.
* **What happens:** one read of \`commitqcs/<i>.pb\` returns a flipped bit. The loader logs
  \`skipping corrupt commitqc file\` and goes on without it, so the node's CommitQC queue
  starts after that index; its cleanup (\`deleteBefore\`) then removes the skipped file,
  although no durable AppQC justifies deleting it (I4). A transient or latent read error
  becomes the loss of durable data: nothing checksums the file or re-reads it.
* **Shrunk counterexample** (${count('F13')} commands):
${steps('F13')}
* **Replay:** \`${replay('F13')}\`

---

## Mutants: the suite catches what it should

| mutant | what it removes | caught by | shrunk counterexample |
|---|---|---|---|
| \`seed~no-clamp\` | the clamp \`max(cursor, first)\` of \`collectPersistBatch\` (spec §8.2) | I9 \`null-block-in-batch\` in scenario \`persist-prune-race\` | 6 commands: peer blocks, a CommitQC, more blocks, a fast-forward AppQC, run |

(\`test/crash/mutants.test.ts\`; the faithful design passes the same cell.)
`;
writeFileSync('reports/findings.md', doc);
