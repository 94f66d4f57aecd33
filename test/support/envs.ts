/**
 * The Env matrix the conformance tests run against. Today: `node` (the
 * production Env on a fresh temporary directory). The simulator's Env will be
 * added here as `sim`; tests do all their setup I/O through `host.env.fs`, so
 * they run unchanged on it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvHost } from '../../src/env.js';
import { createNodeEnv } from '../../src/env/node-env.js';

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

export const ENVS: readonly EnvFactory[] = [nodeEnvFactory];
