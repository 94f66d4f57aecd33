/**
 * The file-system helper sequences of spec §2.2 (H1–H6), on `env.fs`.
 *
 * Each helper issues exactly the primitives the reference issues, in the same
 * order, because the crash simulator enumerates crash points between them: an
 * extra or a missing primitive changes its results. Error texts follow Go's
 * `*PathError` (`<op> <path>: <errno text>`), as produced by the Env.
 */
import { posix } from 'node:path';
import { FsError, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, isFsError } from '../env.js';
import type { Ctx, DirEntry, Env } from '../env.js';
import { AvailError, wrapError } from '../errors.js';

/** Mode of every file the SUT creates (spec §2.3). */
export const FILE_MODE = 0o600;
/** Mode of every directory the SUT creates. */
export const DIR_MODE = 0o700;
/** Largest file `readFile` accepts; persisted messages are a few KiB. */
export const READ_FILE_BYTES_MAX = 64 * 1024 * 1024;

/** Go's filepath.Join (lexical; no I/O). */
export function joinPath(dir: string, name: string): string {
  return posix.join(dir, name);
}

/** Is `e` the "not exist" outcome of a primitive (Go's `os.IsNotExist`)? */
export function isNotExist(e: unknown): boolean {
  return isFsError(e, 'ENOENT');
}

/**
 * H1 `writeAndSync`: open(O_WRONLY|O_CREAT|O_TRUNC, 0600) → write (repeated on a
 * short write) → fsync → close. On a write or fsync error the fd is closed (its
 * error ignored) and the first error returned; the final close's error is returned.
 */
export function writeAndSync(env: Env, ctx: Ctx, path: string, data: Uint8Array): Promise<void> {
  return writeWhole(env, ctx, path, data, true);
}

/** How a persister writes one whole file: H1 in every faithful design (a mutant may drop the fsync). */
export type WriteFile = (env: Env, ctx: Ctx, path: string, data: Uint8Array) => Promise<void>;

/**
 * H1 without its fsync: open → write (repeated) → close. No faithful design
 * uses it; the no-fsync mutants (scenarios/mutants.ts) do, to prove the crash
 * suite notices a missing barrier.
 */
export function writeWithoutSync(env: Env, ctx: Ctx, path: string, data: Uint8Array): Promise<void> {
  return writeWhole(env, ctx, path, data, false);
}

/**
 * Atomic replacement (not used by any faithful design; the hardened variant's
 * H1): H1 of `<path>.tmp` → rename onto `path` → H6 of the parent directory.
 * A name therefore only ever shows a complete, fsynced file, and the name
 * itself is durable when this returns.
 */
export async function writeAtomic(env: Env, ctx: Ctx, path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}${TMP_SUFFIX}`;
  await writeWhole(env, ctx, tmp, data, true);
  await env.fs.rename(ctx, tmp, path);
  await syncDir(env, ctx, posix.dirname(path));
}

/** Suffix of writeAtomic's temporary files (loaders skip them: not `.pb`). */
export const TMP_SUFFIX = '.tmp';

async function writeWhole(env: Env, ctx: Ctx, path: string, data: Uint8Array, sync: boolean): Promise<void> {
  const fd = await env.fs.open(ctx, path, O_WRONLY | O_CREAT | O_TRUNC, FILE_MODE);
  try {
    // Go's File.Write issues at least one write(2), even for empty data, and
    // repeats until everything is written; each round writes ≥ 1 byte or fails.
    let offset = 0;
    do {
      const n = await env.fs.write(ctx, fd, data.subarray(offset));
      if (!Number.isSafeInteger(n) || n < 0 || n > data.length - offset) {
        throw new AvailError(`write ${path}: bad write count ${n}`);
      }
      if (n === 0 && offset < data.length) throw new AvailError(`write ${path}: unexpected EOF`);
      offset += n;
    } while (offset < data.length);
    if (sync) await env.fs.fsync(ctx, fd);
  } catch (e) {
    await env.fs.close(ctx, fd).catch(() => undefined);
    throw e;
  }
  await env.fs.close(ctx, fd);
}

/**
 * H2 `readFile` (Go's os.ReadFile): open(O_RDONLY) → fstat (its error ignored,
 * as the reference only uses it to size the buffer) → read until EOF → close
 * (its error ignored). ENOENT from open is the "not exist" outcome.
 */
export async function readFile(env: Env, ctx: Ctx, path: string): Promise<Uint8Array> {
  const fd = await env.fs.open(ctx, path, O_RDONLY);
  try {
    let sizeHint = 0;
    try {
      sizeHint = (await env.fs.fstat(ctx, fd)).sizeBytes;
    } catch {
      sizeHint = 0;
    }
    // One byte more than the size so the EOF read needs no growth; at least 512.
    let capacity = Math.max(Math.min(sizeHint, READ_FILE_BYTES_MAX) + 1, 512);
    const chunks: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      if (length >= capacity) capacity = Math.min(capacity * 2, READ_FILE_BYTES_MAX + 1);
      const want = capacity - length;
      if (want <= 0) throw new AvailError(`read ${path}: file larger than ${READ_FILE_BYTES_MAX} bytes`);
      const chunk = await env.fs.read(ctx, fd, want);
      if (chunk.length === 0) break;
      chunks.push(chunk);
      length += chunk.length;
    }
    return concatBytes(chunks, length);
  } finally {
    await env.fs.close(ctx, fd).catch(() => undefined);
  }
}

function concatBytes(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * H3 `mkdirAll` for a directory whose parent exists: stat → (mkdir 0700) →
 * lstat fallback when mkdir fails (success if a directory is there by then).
 */
export async function mkdirAll(env: Env, ctx: Ctx, path: string): Promise<void> {
  let exists: { isDirectory: boolean } | undefined;
  try {
    exists = await env.fs.stat(ctx, path);
  } catch {
    exists = undefined;
  }
  if (exists !== undefined) {
    if (exists.isDirectory) return;
    throw new FsError('ENOTDIR', 'mkdir', path);
  }
  try {
    await env.fs.mkdir(ctx, path, DIR_MODE);
  } catch (mkdirErr) {
    let st: { isDirectory: boolean } | undefined;
    try {
      st = await env.fs.lstat(ctx, path);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory === true) return;
    throw mkdirErr;
  }
}

/** Byte-wise comparison of names, as Go's sort of strings. */
export function compareNamesBytewise(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** H4 `readDir`: open(O_RDONLY) → getdents → close (error ignored); entries sorted by name. */
export async function readDir(env: Env, ctx: Ctx, path: string): Promise<DirEntry[]> {
  const fd = await env.fs.open(ctx, path, O_RDONLY);
  let entries: DirEntry[];
  try {
    entries = await env.fs.getdents(ctx, fd);
  } finally {
    await env.fs.close(ctx, fd).catch(() => undefined);
  }
  return [...entries].sort((x, y) => compareNamesBytewise(x.name, y.name));
}

/**
 * H5 `remove` (Go's os.Remove): unlink; if that fails, rmdir. When both fail the
 * unlink error is reported, or the rmdir error when it is not ENOTDIR.
 */
export async function remove(env: Env, ctx: Ctx, path: string): Promise<void> {
  let unlinkErr: unknown;
  try {
    await env.fs.unlink(ctx, path);
    return;
  } catch (e) {
    unlinkErr = e;
  }
  try {
    await env.fs.rmdir(ctx, path);
    return;
  } catch (rmdirErr) {
    const chosen = isFsError(rmdirErr) && rmdirErr.code !== 'ENOTDIR' ? rmdirErr : unlinkErr;
    if (isFsError(chosen)) throw new FsError(chosen.code, 'remove', path);
    throw chosen;
  }
}

/**
 * H6 `syncDir`: open(O_RDONLY) → fsync → close (error ignored). Errors read
 * `open directory <D>: …` / `sync directory <D>: …` (spec §3.2 step 6).
 */
export async function syncDir(env: Env, ctx: Ctx, path: string): Promise<void> {
  let fd: number;
  try {
    fd = await env.fs.open(ctx, path, O_RDONLY);
  } catch (e) {
    throw wrapError(`open directory ${path}`, e);
  }
  try {
    await env.fs.fsync(ctx, fd);
  } catch (e) {
    await env.fs.close(ctx, fd).catch(() => undefined);
    throw wrapError(`sync directory ${path}`, e);
  }
  await env.fs.close(ctx, fd).catch(() => undefined);
}
