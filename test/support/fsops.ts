/**
 * Test setup I/O through an Env's file system (so tests run on any Env).
 */
import type { Ctx, Env, EnvHost } from '../../src/env.js';
import { joinPath, readDir, readFile, writeAndSync } from '../../src/persist/fsutil.js';

export async function writeBytes(env: Env, ctx: Ctx, path: string, data: Uint8Array): Promise<void> {
  await writeAndSync(env, ctx, path, data);
}

export async function readBytes(env: Env, ctx: Ctx, path: string): Promise<Uint8Array> {
  return readFile(env, ctx, path);
}

/** Sorted names in `dir`, or [] when it does not exist. */
export async function listNames(env: Env, ctx: Ctx, dir: string): Promise<string[]> {
  try {
    return (await readDir(env, ctx, dir)).map((e) => e.name);
  } catch {
    return [];
  }
}

export async function exists(env: Env, ctx: Ctx, path: string): Promise<boolean> {
  try {
    await env.fs.stat(ctx, path);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn` as a top-level task of `host`. */
export function inTask<T>(host: EnvHost, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  return host.main('test', fn);
}

/** Bytes that fail Stage 1 for every message: a length-delimited field longer than the input. */
export const GARBAGE = new Uint8Array([0x0a, 0x05, 0x01]);

export { joinPath };
