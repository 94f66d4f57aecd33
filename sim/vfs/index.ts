/**
 * The crash-faithful virtual file system (issue 3): start with vfs.ts's module
 * doc (the durability rules), then crash.ts (crash images), faults.ts (disk
 * faults). The Node-shaped facade over it is sim/node-fs.
 */
export { Vfs, VfsLimitError } from './vfs.js';
export type { CrashSource, FdInfo, PositionalFs, ResolvedVfsOptions, TruncatingFs, VfsOptions, VfsSnapshot } from './vfs.js';
export { crashImages } from './crash.js';
export type { CrashImage, CrashImageKind, CrashImageOptions, CrashReport, KindCount, TornDetail, TornFill, TornOptions } from './crash.js';
export { drawFaultProfile, FAULT_KINDS, faultProfile, FaultyFs, NO_FAULTS } from './faults.js';
export type { FaultEvent, FaultKind, FaultProfile, FaultyFsOptions, SwarmOptions } from './faults.js';
export { describeOp, imageHash, imageOf, PERSONALITIES, renderImage, sameImage, stateHash } from './model.js';
export type { DiskImage, DurableState, InodeId, LogEntry, PendingOp, Personality } from './model.js';
