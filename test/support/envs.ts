/**
 * The Env matrix the conformance tests run against: `node` (the production Env
 * on a fresh temporary directory) and `sim` (a simulator world on an empty VFS).
 * Tests do all their setup I/O through `host.env.fs`, so they run unchanged on both.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvHost } from '../../src/env.js';
import { createNodeEnv } from '../../src/env/node-env.js';
import { Vfs } from '../../sim/vfs/index.js';
import { createWorld } from '../../sim/world.js';

export interface TestEnv {
  readonly host: EnvHost;
  /** an existing, empty directory */
  readonly stateDir: string;
  cleanup(): Promise<void>;
}

export interface EnvFactory {
  readonly name: string;
  make(): Promise<TestEnv>;
}

export const nodeEnvFactory: EnvFactory = {
  name: 'node',
  async make(): Promise<TestEnv> {
    const stateDir = await mkdtemp(join(tmpdir(), 'crashsim-conf-'));
    const host = createNodeEnv();
    return {
      host,
      stateDir,
      async cleanup() {
        await host.closeOpenFiles();
        // Tasks of a failed test may still be writing: retry on ENOTEMPTY.
        await rm(stateDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
      },
    };
  },
};

let simWorlds = 0;

/** The simulator's Env: a fresh world on an empty strict-POSIX VFS holding `/state`. */
export const simEnvFactory: EnvFactory = {
  name: 'sim',
  async make(): Promise<TestEnv> {
    const vfs = Vfs.create({ personality: 'strict-posix' });
    vfs.mkdir('/state', 0o700);
    const world = createWorld({ seed: `conformance-${simWorlds++}`, fs: vfs, budgetSteps: 5_000_000 });
    return {
      host: world.host,
      stateDir: '/state',
      async cleanup() {
        world.stop('test done');
      },
    };
  },
};

export const ENVS: readonly EnvFactory[] = [nodeEnvFactory, simEnvFactory];
