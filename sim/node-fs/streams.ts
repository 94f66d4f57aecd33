/**
 * `fs.createWriteStream` / `fs.createReadStream` over the facade: node:stream
 * classes whose I/O is the facade's calls, so every chunk is a write (or read)
 * primitive with its crash point. Option handling follows Node's
 * (flags, mode, start, end, fd, autoClose, emitClose, encoding, highWaterMark,
 * flush); there is no `fs` override option.
 */
import { Buffer } from 'node:buffer';
import { Readable, Writable } from 'node:stream';
import type { Fd } from '../../src/env.js';
import { argError, describeValue, parseFlags, parseMode } from './core.js';
import type { Op } from './core.js';
import type { CallCtx, Calls } from './calls.js';

/** What a stream needs from the facade: the calls, a runner (hook before each primitive) and its context. */
export interface StreamEnv {
  readonly calls: Calls;
  readonly run: <T>(op: Op<T>) => Promise<T>;
  readonly ctx: CallCtx;
}

export interface StreamOptions {
  readonly flags?: string | number;
  readonly encoding?: BufferEncoding | null;
  readonly fd?: Fd | { readonly fd: Fd; close(): Promise<void> } | null;
  readonly mode?: number;
  readonly autoClose?: boolean;
  readonly emitClose?: boolean;
  readonly start?: number;
  readonly end?: number;
  readonly highWaterMark?: number;
  readonly flush?: boolean;
}

type FdOption = StreamOptions['fd'];

function fdOf(fd: FdOption): { fd: Fd | null; handle: { close(): Promise<void> } | undefined } {
  if (fd === undefined || fd === null) return { fd: null, handle: undefined };
  if (typeof fd === 'number') return { fd, handle: undefined };
  if (typeof fd === 'object' && typeof fd.fd === 'number') return { fd: fd.fd, handle: fd };
  throw argError('type', 'ERR_INVALID_ARG_TYPE', `The "options.fd" argument must be of type number or a FileHandle. Received ${describeValue(fd)}`);
}

function startOf(start: unknown, name: string): number | null {
  if (start === undefined) return null;
  if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0) {
    throw argError('range', 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be >= 0 && <= ${Number.MAX_SAFE_INTEGER}. Received ${String(start)}`);
  }
  return start;
}

export class VfsWriteStream extends Writable {
  bytesWritten = 0;
  pending = true;
  readonly path: string | undefined;
  fd: Fd | null;
  private pos: number | null;
  private readonly handle: { close(): Promise<void> } | undefined;
  private readonly autoClose: boolean;

  constructor(private readonly env: StreamEnv, path: string | undefined, private readonly opts: StreamOptions) {
    super({ emitClose: opts.emitClose ?? true, autoDestroy: opts.autoClose ?? true, decodeStrings: true, defaultEncoding: opts.encoding ?? 'utf8', highWaterMark: opts.highWaterMark });
    this.path = path;
    const { fd, handle } = fdOf(opts.fd);
    this.fd = fd;
    this.handle = handle;
    this.pos = startOf(opts.start, 'start');
    this.autoClose = opts.autoClose ?? true;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    if (this.fd !== null) {
      this.pending = false;
      callback();
      process.nextTick(() => this.emit('ready'));
      return;
    }
    const flags = parseFlags(this.opts.flags, 'w');
    const mode = parseMode(this.opts.mode, 0o666);
    this.env.run(this.env.calls.open(this.env.ctx, this.path as string, flags, mode)).then((fd) => {
      this.fd = fd;
      this.pending = false;
      callback();
      this.emit('open', fd);
      this.emit('ready');
    }, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.env.run(this.env.calls.writeAll(this.env.ctx, this.fd as Fd, chunk, this.pos)).then(() => {
      this.bytesWritten += chunk.length;
      if (this.pos !== null) this.pos += chunk.length;
      callback();
    }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.opts.flush !== true) {
      callback();
      return;
    }
    this.env.run(this.env.calls.fsync(this.env.ctx, this.fd as Fd)).then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.autoClose || this.fd === null) {
      callback(error);
      return;
    }
    const fd = this.fd;
    this.fd = null;
    const closing = this.handle !== undefined ? this.handle.close() : this.env.run(this.env.calls.close(this.env.ctx, fd));
    closing.then(() => callback(error), (e: Error) => callback(error ?? e));
  }

  /** Node's WriteStream.close: end the stream, call back once closed. */
  close(callback?: (error?: Error | null) => void): void {
    if (callback !== undefined) {
      if (this.closed) {
        process.nextTick(callback);
        return;
      }
      this.on('close', callback);
    }
    if (!this.autoClose) this.on('finish', () => this.destroy());
    this.end();
  }
}

export class VfsReadStream extends Readable {
  bytesRead = 0;
  pending = true;
  readonly path: string | undefined;
  fd: Fd | null;
  private pos: number | null;
  private readonly end: number;
  private readonly handle: { close(): Promise<void> } | undefined;
  private readonly autoClose: boolean;

  constructor(private readonly env: StreamEnv, path: string | undefined, private readonly opts: StreamOptions) {
    super({ emitClose: opts.emitClose ?? true, autoDestroy: opts.autoClose ?? true, encoding: opts.encoding ?? undefined, highWaterMark: opts.highWaterMark ?? 64 * 1024 });
    this.path = path;
    const { fd, handle } = fdOf(opts.fd);
    this.fd = fd;
    this.handle = handle;
    this.pos = startOf(opts.start, 'start');
    const end = startOf(opts.end, 'end');
    this.end = end ?? Infinity;
    if (end !== null && this.pos === null) this.pos = 0; // Node: an end without a start reads from 0
    if (this.pos !== null && this.pos > this.end) {
      throw argError('range', 'ERR_OUT_OF_RANGE', `The value of "start" is out of range. It must be <= "end" (here: ${this.end}). Received ${this.pos}`);
    }
    this.autoClose = opts.autoClose ?? true;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    if (this.fd !== null) {
      this.pending = false;
      callback();
      process.nextTick(() => this.emit('ready'));
      return;
    }
    this.env.run(this.env.calls.open(this.env.ctx, this.path as string, parseFlags(this.opts.flags, 'r'), parseMode(this.opts.mode, 0o666))).then((fd) => {
      this.fd = fd;
      this.pending = false;
      callback();
      this.emit('open', fd);
      this.emit('ready');
    }, callback);
  }

  override _read(size: number): void {
    const want = this.pos === null ? size : Math.min(size, this.end - this.pos + 1);
    if (want <= 0) {
      this.push(null);
      return;
    }
    const buf = Buffer.alloc(want);
    this.env.run(this.env.calls.read(this.env.ctx, this.fd as Fd, buf, 0, want, this.pos)).then((n) => {
      if (n === 0) {
        this.push(null);
        return;
      }
      this.bytesRead += n;
      if (this.pos !== null) this.pos += n;
      this.push(buf.subarray(0, n));
    }, (e: Error) => this.destroy(e));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.autoClose || this.fd === null) {
      callback(error);
      return;
    }
    const fd = this.fd;
    this.fd = null;
    const closing = this.handle !== undefined ? this.handle.close() : this.env.run(this.env.calls.close(this.env.ctx, fd));
    closing.then(() => callback(error), (e: Error) => callback(error ?? e));
  }

  close(callback?: (error?: Error | null) => void): void {
    if (callback !== undefined) this.once('close', callback);
    this.destroy();
  }
}
