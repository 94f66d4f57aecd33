/**
 * One file-system operation trace, run on raw memfs and on the crash-faithful
 * VFS, so the VFS's cost is a ratio to memfs on exactly the same calls.
 *
 * The trace imitates what the system under test issues in a whole run (measured
 * over the default scenario mix: close 25 %, open read-only 17 %, read 14 %,
 * getdents 8 %, fstat 7 %, fsync 7 %, open for writing 9 %, write 6 %, unlink 3 %,
 * stat 3 %): persist iterations that create, write, fsync and close block and
 * CommitQC files, fsync their directories, overwrite an A/B slot, prune old
 * files; and startup loads that list each directory and read every file back
 * (open, fstat, read, close).
 */
import { memfs } from 'memfs';
import { O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY } from '../src/env.js';
import { Vfs } from '../sim/vfs/vfs.js';
import type { Personality } from '../sim/vfs/model.js';

export type TraceOp =
  | { readonly op: 'mkdir'; readonly path: string }
  | { readonly op: 'writeFile'; readonly path: string; readonly bytes: Uint8Array }
  | { readonly op: 'fsyncDir'; readonly path: string }
  | { readonly op: 'unlink'; readonly path: string }
  | { readonly op: 'readDir'; readonly path: string }
  | { readonly op: 'readFile'; readonly path: string }
  | { readonly op: 'stat'; readonly path: string };

/** Primitives each trace op issues (open/write/fsync/close = 4 …). */
export function primitivesOf(op: TraceOp): number {
  switch (op.op) {
    case 'mkdir': return 1;
    case 'writeFile': return 4;
    case 'fsyncDir': return 3;
    case 'unlink': return 1;
    case 'readDir': return 3;
    case 'readFile': return 4;
    case 'stat': return 1;
  }
}

/** A deterministic trace of about `primitivesMax` primitives. */
export function makeTrace(primitivesMax: number): TraceOp[] {
  const out: TraceOp[] = [];
  let primitives = 0;
  const push = (op: TraceOp): void => {
    out.push(op);
    primitives += primitivesOf(op);
  };
  const payload = (n: number, len: number): Uint8Array => Uint8Array.from({ length: len }, (_, i) => (n * 31 + i) & 0xff);
  push({ op: 'mkdir', path: '/data/blocks' });
  push({ op: 'mkdir', path: '/data/commitqcs' });
  push({ op: 'fsyncDir', path: '/data' });
  const blocks: string[] = [];
  const qcs: string[] = [];
  for (let it = 0; primitives < primitivesMax; it++) {
    // persist iteration: two blocks, one CommitQC, the A/B slot
    for (let b = 0; b < 2; b++) {
      const p = `/data/blocks/${(it * 2 + b).toString(16).padStart(64, '0')}_${it}.pb`;
      push({ op: 'writeFile', path: p, bytes: payload(it * 2 + b, 274) });
      blocks.push(p);
    }
    push({ op: 'fsyncDir', path: '/data/blocks' });
    const q = `/data/commitqcs/${it}.pb`;
    push({ op: 'writeFile', path: q, bytes: payload(it, 540) });
    qcs.push(q);
    push({ op: 'fsyncDir', path: '/data/commitqcs' });
    push({ op: 'writeFile', path: `/data/avail_inner_${it % 2 === 0 ? 'a' : 'b'}.pb`, bytes: payload(it, 700) });
    push({ op: 'stat', path: '/data/avail_inner_a.pb' });
    // prune: keep 30 blocks and 10 CommitQCs
    while (blocks.length > 30) push({ op: 'unlink', path: blocks.shift() as string });
    while (qcs.length > 10) push({ op: 'unlink', path: qcs.shift() as string });
    if (it % 3 === 2) {
      push({ op: 'fsyncDir', path: '/data/blocks' });
      push({ op: 'fsyncDir', path: '/data/commitqcs' });
    }
    // every 4th iteration, a startup load: list and read back everything
    if (it % 4 === 3) {
      push({ op: 'readDir', path: '/data' });
      push({ op: 'readFile', path: '/data/avail_inner_a.pb' });
      push({ op: 'readFile', path: '/data/avail_inner_b.pb' });
      push({ op: 'readDir', path: '/data/commitqcs' });
      for (const f of qcs) push({ op: 'readFile', path: f });
      push({ op: 'readDir', path: '/data/blocks' });
      for (const f of blocks) push({ op: 'readFile', path: f });
    }
  }
  return out;
}

/** Runs the trace on a fresh raw memfs volume (sync API); returns primitives issued. */
export function runOnMemfs(trace: readonly TraceOp[]): number {
  const { fs } = memfs({ '/data': null });
  let n = 0;
  const buf = new Uint8Array(64 * 1024);
  for (const t of trace) {
    n += primitivesOf(t);
    switch (t.op) {
      case 'mkdir':
        fs.mkdirSync(t.path, 0o700);
        break;
      case 'writeFile': {
        const fd = fs.openSync(t.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600);
        fs.writeSync(fd, t.bytes);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        break;
      }
      case 'fsyncDir': {
        const fd = fs.openSync(t.path, 'r');
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        break;
      }
      case 'unlink':
        fs.unlinkSync(t.path);
        break;
      case 'readDir': {
        const fd = fs.openSync(t.path, 'r');
        fs.readdirSync(t.path);
        fs.closeSync(fd);
        break;
      }
      case 'readFile': {
        const fd = fs.openSync(t.path, 'r');
        const size = fs.fstatSync(fd).size as number;
        fs.readSync(fd, buf, 0, size, 0);
        fs.closeSync(fd);
        break;
      }
      case 'stat':
        fs.statSync(t.path);
        break;
    }
  }
  return n;
}

/** Runs the trace on a fresh VFS of `personality` (its durability log and checks included). */
export function runOnVfs(trace: readonly TraceOp[], personality: Personality): number {
  const vfs = Vfs.create({ personality });
  vfs.mkdir('/data', 0o700);
  vfs.syncAll();
  let n = 0;
  for (const t of trace) {
    n += primitivesOf(t);
    switch (t.op) {
      case 'mkdir':
        vfs.mkdir(t.path, 0o700);
        break;
      case 'writeFile': {
        const fd = vfs.open(t.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600);
        vfs.write(fd, t.bytes);
        vfs.fsync(fd);
        vfs.close(fd);
        break;
      }
      case 'fsyncDir': {
        const fd = vfs.open(t.path, O_RDONLY);
        vfs.fsync(fd);
        vfs.close(fd);
        break;
      }
      case 'unlink':
        vfs.unlink(t.path);
        break;
      case 'readDir': {
        const fd = vfs.open(t.path, O_RDONLY);
        vfs.getdents(fd);
        vfs.close(fd);
        break;
      }
      case 'readFile': {
        const fd = vfs.open(t.path, O_RDONLY);
        const size = vfs.fstat(fd).sizeBytes;
        vfs.read(fd, size);
        vfs.close(fd);
        break;
      }
      case 'stat':
        vfs.stat(t.path);
        break;
    }
  }
  return n;
}
