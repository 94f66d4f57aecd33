/**
 * Public surface of the system under test (the availability persistence layer).
 * Scenarios, oracles and tests import from here; the simulator never does.
 */
export { AvailError, ErrBadLane, ErrPruned, InvariantViolation, SentinelError, errorAs, errorIs, errorText, wrapError } from './errors.js';
export { ProcessAbort } from './codec/index.js';
export { createNodeEnv } from './env/node-env.js';
export type { LogEntry, NodeEnvHost, NodeEnvOptions } from './env/node-env.js';

export { newState, AvailState } from './avail/state.js';
export type {
  CommitQCSubscription,
  InnerSnapshot,
  LaneProposalSubscription,
  LaneVoteSubscription,
  NewStateOptions,
} from './avail/state.js';
export { InMemoryDataLayer } from './avail/data.js';
export type { DataLayer, ReceivedQC } from './avail/data.js';
export type { AvailObserver, MarkEvent, PersistBatch } from './avail/observer.js';
export type { CommitQCWriter, Inner, PruneResult } from './avail/inner.js';
export { AppVotes, BlockVotes, cursorOf, laneQC, newEmptyInner, prune, publishCommitQC } from './avail/inner.js';
export { Queue } from './avail/queue.js';
export { unspecifiedOrder } from './avail/order.js';
export type { StateCore } from './avail/core.js';
export { advancePersistedBlockStart, markBlockPersisted, markCommitQCsPersisted } from './avail/core.js';
export type { AvailDeps } from './avail/deps.js';
export type { CommitteeView, SigningKey } from './avail/ports.js';

export type { Design, LoadedAvailState, PersistLoopLocals, Persisters } from './design/types.js';
export { AVAIL_AB_PREFIX, BLOCKS_PER_LANE, BLOCKS_PER_LANE_PER_COMMIT, seedDesign, wrapStartupError } from './design/seed.js';
export { mergedDesign } from './design/merged.js';

export { abFileForSeq, loadPersisted, loadSlot, newABPersister, newNoOpABPersister, SUFFIX_A, SUFFIX_B } from './persist/ab.js';
export type { ABLoadResult, ABPersister, SlotLoad } from './persist/ab.js';
export { BLOCKS_DIR, newBlockPersister, newNoOpBlockPersister } from './persist/blocks.js';
export type { BlockLoaderPolicy, BlockPersister, BlockPersisterLoad, LoadedBlock } from './persist/blocks.js';
export { COMMITQCS_DIR, CommitQCPersister, newCommitQCPersister, newNoOpCommitQCPersister } from './persist/commitqcs.js';
export type { CommitQCPersisterLoad, CommitQCPersisterPolicy, LoadedCommitQC } from './persist/commitqcs.js';
export { blockFileName, commitQCFileName, parseBlockFileName, parseCommitQCFileName } from './persist/names.js';
export {
  DIR_MODE,
  FILE_MODE,
  joinPath,
  mkdirAll,
  readDir,
  readFile,
  remove,
  syncDir,
  writeAndSync,
} from './persist/fsutil.js';
