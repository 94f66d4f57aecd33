/**
 * What the availability code needs besides `inner`: the Env, the committee,
 * the design's hooks and the optional observer. Built once by NewState.
 */
import type { Env } from '../env.js';
import type { Design } from '../design/types.js';
import type { AvailObserver } from './observer.js';
import type { CommitteeView } from './ports.js';

export interface AvailDeps {
  readonly env: Env;
  readonly committee: CommitteeView;
  readonly design: Design;
  readonly observer: AvailObserver | undefined;
}
