/**
 * crashsim as a library: what a power loss does to any Node storage code.
 *
 * ```ts
 * import { assertCrashSafe } from 'crashsim';
 * await assertCrashSafe({ personality: 'strict-posix', workload, recover, check });
 * ```
 * See docs/library.md. `crashsim/register` routes `node:fs` imports to the
 * simulated disk during explorations; `crashsim/vitest` does the same inside
 * vitest and offers `vi.mock` factories.
 */
export { assertCrashSafe, CrashExploration, CrashSafetyError, exploreCrashes, ExploreError, renderDisk } from './explore.js';
export type {
  CheckContext, CrashFailure, CrashPointInfo, ExploreCounts, ExploreLimits, ExploreOptions, ExploreProgress, WorkloadControl,
} from './explore.js';
export { currentFs, installRouting, routedModule, routingInstalled, runWithFs } from './routing.js';
export type { RoutedModuleId } from './routing.js';
export { createNodeFs, NodeFsError, UnsupportedFsCallError } from '../sim/node-fs/index.js';
export type { FacadeCall, NodeFsFacade, NodeFsOptions } from '../sim/node-fs/index.js';
export { Vfs } from '../sim/vfs/vfs.js';
export { crashImages } from '../sim/vfs/crash.js';
export type { CrashImage, CrashImageOptions, CrashReport, TornOptions } from '../sim/vfs/crash.js';
export { PERSONALITIES } from '../sim/vfs/model.js';
export type { DiskImage, Personality } from '../sim/vfs/model.js';
