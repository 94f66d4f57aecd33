/**
 * A small, independent reference model of the VFS for the property tests.
 *
 * It shares no code with sim/vfs: it keeps every op ever issued (never folds
 * anything into a durable base), marks durability by a naive reading of the
 * personality rules (vfs.ts module doc), and produces crash states by replaying
 * the initial tree plus (durable ops ∪ chosen ops) in issue order. Errors follow
 * Linux for the small op language the tests generate (no ".", "..", trailing
 * slashes). It also tracks, independently of op replay, which paths are
 * *guaranteed* to hold which bytes (synced data under durable bindings), for the
 * "synced data present" check.
 */
import type { Errno } from '../../../src/env.js';

export type Personality = 'ext4' | 'ext4-weak' | 'strict-posix' | 'ordered';
type T = 'file' | 'dir';

interface Ent { readonly id: number; readonly type: T }

type ROp =
  | { k: 'write'; seq: number; id: number; off: number; bytes: Uint8Array }
  | { k: 'trunc'; seq: number; id: number; len: number }
  | { k: 'link'; seq: number; p: number; name: string; id: number; type: T }
  | { k: 'unlink'; seq: number; p: number; name: string; id: number }
  | { k: 'rename'; seq: number; sp: number; sn: string; dp: number; dn: string; id: number; type: T };

/** flushSeq (ext4 auto_da_alloc): the write is on disk whenever a journaled op with seq ≥ this is. */
interface Logged { op: ROp; durable: boolean; synced: Set<number>; flushSeq?: number }

export class RefError extends Error {
  constructor(readonly code: Errno) {
    super(code);
  }
}

interface RState { dirs: Map<number, Map<string, Ent>>; files: Map<number, Uint8Array> }

function cloneState(s: RState): RState {
  const dirs = new Map<number, Map<string, Ent>>();
  for (const [k, v] of s.dirs) dirs.set(k, new Map(v));
  return { dirs, files: new Map(s.files) };
}

function put(bytes: Uint8Array, off: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(bytes.length, off + data.length));
  out.set(bytes);
  out.set(data, off);
  return out;
}

/** Naive application of one op (same meaning as the model's rules, written independently). */
function replayOp(s: RState, op: ROp): void {
  const table = (id: number): Map<string, Ent> => {
    let t = s.dirs.get(id);
    if (t === undefined) s.dirs.set(id, (t = new Map()));
    return t;
  };
  switch (op.k) {
    case 'write': s.files.set(op.id, put(s.files.get(op.id) ?? new Uint8Array(0), op.off, op.bytes)); break;
    case 'trunc': {
      const old = s.files.get(op.id) ?? new Uint8Array(0);
      const out = new Uint8Array(op.len);
      out.set(old.subarray(0, op.len));
      s.files.set(op.id, out);
      break;
    }
    case 'link': table(op.p).set(op.name, { id: op.id, type: op.type }); if (op.type === 'dir') table(op.id); break;
    case 'unlink': if (s.dirs.get(op.p)?.get(op.name)?.id === op.id) table(op.p).delete(op.name); break;
    case 'rename':
      if (s.dirs.get(op.sp)?.get(op.sn)?.id !== op.id) break;
      table(op.sp).delete(op.sn);
      table(op.dp).set(op.dn, { id: op.id, type: op.type });
      break;
  }
}

/** Canonical text of the tree reachable from the root: `d /a` and `f /a/x <hex>` lines, sorted. */
export function canonState(s: RState): string {
  const lines: string[] = [];
  const seen = new Set<number>();
  const walk = (id: number, path: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    lines.push(`d ${path}`);
    for (const [name, e] of s.dirs.get(id) ?? new Map<string, Ent>()) {
      const p = path === '/' ? `/${name}` : `${path}/${name}`;
      if (e.type === 'dir') walk(e.id, p);
      else lines.push(`f ${p} ${Buffer.from(s.files.get(e.id) ?? new Uint8Array(0)).toString('hex')}`);
    }
    seen.delete(id);
  };
  walk(1, '/');
  return lines.sort().join('\n');
}

/** The same canonical text for an image given as dirs + files. */
export function canonImage(image: { dirs: readonly string[]; files: ReadonlyMap<string, Uint8Array> }): string {
  const lines: string[] = image.dirs.map((d) => `d ${d}`);
  for (const [p, b] of image.files) lines.push(`f ${p} ${Buffer.from(b).toString('hex')}`);
  return lines.sort().join('\n');
}

interface RFd { id: number; type: T; r: boolean; w: boolean; append: boolean; pos: number }

const O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_EXCL = 0o200, O_TRUNC = 0o1000, O_APPEND = 0o2000;

export class RefFs {
  private readonly initial: RState;
  private readonly v: RState;
  private readonly parent = new Map<number, { p: number; name: string }>();
  private readonly fds = new Map<number, RFd>();
  private nextFd = 1;
  private nextId = 100;
  private seq = 0;
  readonly log: Logged[] = [];
  /** guarantee tracking: content at the last fsync, cleared by any data change */
  private readonly dataSynced = new Map<number, Uint8Array>();
  /** slot `p/name` → id whose binding there is durable (cleared when the slot changes) */
  private readonly bindDurable = new Map<string, number>();
  /** ext4: files truncated to 0, flushed at their next close */
  private readonly daFlag = new Set<number>();
  /** strict-posix: slot → dirs still to fsync before the binding is durable */
  private readonly bindNeeds = new Map<string, { id: number; needs: Set<number> }>();

  /** Initial durable tree: "/" plus the given top-level dirs. */
  constructor(readonly personality: Personality, topDirs: readonly string[]) {
    const root = new Map<string, Ent>();
    const dirs = new Map<number, Map<string, Ent>>([[1, root]]);
    let id = 2;
    for (const name of topDirs) {
      root.set(name, { id, type: 'dir' });
      dirs.set(id, new Map());
      this.parent.set(id, { p: 1, name });
      this.bindDurable.set(`1/${name}`, id);
      id++;
    }
    this.initial = { dirs, files: new Map() };
    this.v = cloneState(this.initial);
  }

  // --- namespace helpers -----------------------------------------------------

  private resolveParent(path: string): { p: number; name: string } {
    const parts = path.split('/').filter((x) => x.length > 0);
    let cur = 1;
    for (const part of parts.slice(0, -1)) {
      const e = this.v.dirs.get(cur)?.get(part);
      if (e === undefined) throw new RefError('ENOENT');
      if (e.type !== 'dir') throw new RefError('ENOTDIR');
      cur = e.id;
    }
    return { p: cur, name: parts[parts.length - 1] as string };
  }

  private get(p: number, name: string): Ent | undefined {
    return this.v.dirs.get(p)?.get(name);
  }

  private isAncestorOrSelf(a: number, id: number): boolean {
    for (let cur: number | undefined = id; cur !== undefined; cur = this.parent.get(cur)?.p) if (cur === a) return true;
    return false;
  }

  private pathSlots(id: number): { slot: string; child: number }[] {
    const out: { slot: string; child: number }[] = [];
    let cur = id;
    for (let p = this.parent.get(cur); p !== undefined; cur = p.p, p = this.parent.get(cur)) out.push({ slot: `${p.p}/${p.name}`, child: cur });
    return cur === 1 ? out : [];
  }

  private record(op: ROp): void {
    this.log.push({ op, durable: false, synced: new Set() });
  }

  private slotChanged(slot: string): void {
    this.bindDurable.delete(slot);
    this.bindNeeds.delete(slot);
  }

  private bound(slot: string, id: number, needs: number[]): void {
    this.slotChanged(slot);
    this.bindNeeds.set(slot, { id, needs: new Set(needs) });
  }

  private dataChanged(id: number): void {
    this.dataSynced.delete(id);
  }

  // --- operations (throw RefError with the Linux errno) ----------------------

  open(path: string, flags: number): number {
    const { p, name } = this.resolveParent(path);
    const acc = flags & 3;
    let e = this.get(p, name);
    const existed = e !== undefined;
    if (e !== undefined) {
      if (flags & O_CREAT && flags & O_EXCL) throw new RefError('EEXIST');
      if (e.type === 'dir' && (acc !== 0 || flags & (O_CREAT | O_TRUNC))) throw new RefError('EISDIR');
    } else {
      if (!(flags & O_CREAT)) throw new RefError('ENOENT');
      const id = this.nextId++;
      e = { id, type: 'file' };
      (this.v.dirs.get(p) as Map<string, Ent>).set(name, e);
      this.v.files.set(id, new Uint8Array(0));
      this.parent.set(id, { p, name });
      this.record({ k: 'link', seq: ++this.seq, p, name, id, type: 'file' });
      this.bound(`${p}/${name}`, id, [p]);
    }
    // Like the VFS, skip a truncate that cannot change any crash state.
    const noop = existed && (this.v.files.get(e.id)?.length ?? 0) === 0 && this.durableFileBytes(e.id) === 0
      && !this.log.some((l) => !l.durable && (l.op.k === 'write' || l.op.k === 'trunc') && l.op.id === e?.id);
    if (this.personality === 'ext4' && existed && e.type === 'file' && flags & O_TRUNC) this.daFlag.add(e.id);
    if (existed && e.type === 'file' && flags & O_TRUNC && !noop) {
      this.v.files.set(e.id, new Uint8Array(0));
      this.record({ k: 'trunc', seq: ++this.seq, id: e.id, len: 0 });
      this.dataChanged(e.id);
    }
    const fd = this.nextFd++;
    this.fds.set(fd, { id: e.id, type: e.type, r: acc !== O_WRONLY, w: acc === O_WRONLY || acc === O_RDWR, append: (flags & O_APPEND) !== 0, pos: 0 });
    return fd;
  }

  write(fd: number, data: Uint8Array): number {
    const f = this.fds.get(fd);
    if (f === undefined || !f.w || f.type === 'dir') throw new RefError('EBADF');
    if (data.length === 0) return 0;
    const cur = this.v.files.get(f.id) as Uint8Array;
    const at = f.append ? cur.length : f.pos;
    this.v.files.set(f.id, put(cur, at, data));
    f.pos = at + data.length;
    this.record({ k: 'write', seq: ++this.seq, id: f.id, off: at, bytes: data.slice() });
    this.dataChanged(f.id);
    return data.length;
  }

  read(fd: number, n: number): Uint8Array {
    const f = this.fds.get(fd);
    if (f === undefined || !f.r) throw new RefError('EBADF');
    if (f.type === 'dir') throw new RefError('EISDIR');
    const cur = this.v.files.get(f.id) as Uint8Array;
    const out = cur.slice(Math.min(f.pos, cur.length), Math.min(f.pos + n, cur.length));
    f.pos += out.length;
    return out;
  }

  close(fd: number): void {
    const f = this.fds.get(fd);
    if (f === undefined) throw new RefError('EBADF');
    this.fds.delete(fd);
    if (this.daFlag.delete(f.id)) this.flush(f.id, this.seq + 1);
  }

  private flush(id: number, seq: number): void {
    for (const l of this.log) if (!l.durable && l.op.k === 'write' && l.op.id === id && l.flushSeq === undefined) l.flushSeq = seq;
  }

  mkdir(path: string): void {
    const { p, name } = this.resolveParent(path);
    if (this.get(p, name) !== undefined) throw new RefError('EEXIST');
    const id = this.nextId++;
    (this.v.dirs.get(p) as Map<string, Ent>).set(name, { id, type: 'dir' });
    this.v.dirs.set(id, new Map());
    this.parent.set(id, { p, name });
    this.record({ k: 'link', seq: ++this.seq, p, name, id, type: 'dir' });
    this.bound(`${p}/${name}`, id, [p]);
  }

  unlink(path: string): void {
    const { p, name } = this.resolveParent(path);
    const e = this.get(p, name);
    if (e === undefined) throw new RefError('ENOENT');
    if (e.type === 'dir') throw new RefError('EISDIR');
    this.removeEntry(p, name, e);
  }

  rmdir(path: string): void {
    const { p, name } = this.resolveParent(path);
    const e = this.get(p, name);
    if (e === undefined) throw new RefError('ENOENT');
    if (e.type !== 'dir') throw new RefError('ENOTDIR');
    if ((this.v.dirs.get(e.id)?.size ?? 0) > 0) throw new RefError('ENOTEMPTY');
    this.removeEntry(p, name, e);
    this.v.dirs.delete(e.id);
  }

  private removeEntry(p: number, name: string, e: Ent): void {
    (this.v.dirs.get(p) as Map<string, Ent>).delete(name);
    this.parent.delete(e.id);
    this.record({ k: 'unlink', seq: ++this.seq, p, name, id: e.id });
    this.slotChanged(`${p}/${name}`);
  }

  rename(from: string, to: string): void {
    const s = this.resolveParent(from);
    const d = this.resolveParent(to);
    const src = this.get(s.p, s.name);
    if (src === undefined) throw new RefError('ENOENT');
    if (src.type === 'dir' && this.isAncestorOrSelf(src.id, d.p)) throw new RefError('EINVAL');
    const dst = this.get(d.p, d.name);
    if (dst !== undefined && dst.type === 'dir' && this.isAncestorOrSelf(dst.id, s.p)) throw new RefError('ENOTEMPTY');
    if (dst?.id === src.id) return;
    if (dst !== undefined) {
      if (src.type === 'dir' && dst.type === 'file') throw new RefError('ENOTDIR');
      if (src.type === 'file' && dst.type === 'dir') throw new RefError('EISDIR');
      if (dst.type === 'dir' && (this.v.dirs.get(dst.id)?.size ?? 0) > 0) throw new RefError('ENOTEMPTY');
      this.parent.delete(dst.id);
      if (dst.type === 'dir') this.v.dirs.delete(dst.id);
      if (this.personality === 'ext4' && src.type === 'file') this.flush(src.id, this.seq + 1);
    }
    (this.v.dirs.get(s.p) as Map<string, Ent>).delete(s.name);
    (this.v.dirs.get(d.p) as Map<string, Ent>).set(d.name, src);
    this.parent.set(src.id, { p: d.p, name: d.name });
    this.record({ k: 'rename', seq: ++this.seq, sp: s.p, sn: s.name, dp: d.p, dn: d.name, id: src.id, type: src.type });
    this.slotChanged(`${s.p}/${s.name}`);
    this.bound(`${d.p}/${d.name}`, src.id, s.p === d.p ? [s.p] : [s.p, d.p]);
  }

  /** Opens a directory read-only (for fsync). */
  openDir(path: string): number {
    if (path !== '/') return this.open(path, 0);
    const fd = this.nextFd++;
    this.fds.set(fd, { id: 1, type: 'dir', r: true, w: false, append: false, pos: 0 });
    return fd;
  }

  fsync(fd: number): void {
    const f = this.fds.get(fd);
    if (f === undefined) throw new RefError('EBADF');
    const id = f.id;
    const isEntry = (op: ROp): boolean => op.k === 'link' || op.k === 'unlink' || op.k === 'rename';
    const dirsOf = (op: ROp): number[] => op.k === 'rename' ? [op.sp, op.dp] : op.k === 'link' || op.k === 'unlink' ? [op.p] : [];
    if (this.personality === 'ordered') {
      for (const l of this.log) l.durable = true;
    } else if (this.personality === 'ext4') {
      const touches = (op: ROp): boolean => (op.k === 'write' || op.k === 'trunc' ? op.id === id : op.id === id || dirsOf(op).includes(id));
      if (!this.log.some((l) => !l.durable && touches(l.op))) return;
      for (const l of this.log) if (l.op.k !== 'write' || l.op.id === id || l.flushSeq !== undefined) l.durable = true;
    } else if (this.personality === 'ext4-weak') {
      const want = new Set(this.pathSlots(id).map((s) => `${s.slot}>${s.child}`));
      let upTo = 0;
      for (const l of this.log) {
        const op = l.op;
        if (op.k === 'link' && want.has(`${op.p}/${op.name}>${op.id}`)) upTo = op.seq;
        if (op.k === 'rename' && want.has(`${op.dp}/${op.dn}>${op.id}`)) upTo = op.seq;
        if (f.type === 'dir' && isEntry(op) && dirsOf(op).includes(id)) upTo = Math.max(upTo, op.seq);
      }
      for (const l of this.log) {
        if (isEntry(l.op) ? l.op.seq <= upTo : (l.op as { id: number }).id === id) l.durable = true;
      }
    } else {
      for (const l of this.log) {
        if (!isEntry(l.op)) {
          if ((l.op as { id: number }).id === id) l.durable = true;
        } else if (f.type === 'dir' && dirsOf(l.op).includes(id)) {
          l.synced.add(id);
          if (dirsOf(l.op).every((d) => l.synced.has(d))) l.durable = true;
        }
      }
    }
    this.updateGuarantees(f);
  }

  private updateGuarantees(f: RFd): void {
    if (this.personality === 'ordered') {
      for (const [slot, n] of this.bindNeeds) this.bindDurable.set(slot, n.id);
      this.bindNeeds.clear();
      for (const [fid, bytes] of this.v.files) if (this.parent.has(fid)) this.dataSynced.set(fid, bytes);
      return;
    }
    if (f.type === 'file') this.dataSynced.set(f.id, this.v.files.get(f.id) as Uint8Array);
    if (this.personality === 'ext4') {
      // A commit (fsync returned after touching f): every binding issued so far is durable.
      for (const [slot, n] of this.bindNeeds) this.bindDurable.set(slot, n.id);
      this.bindNeeds.clear();
      return;
    }
    const settle = (slot: string): void => {
      const n = this.bindNeeds.get(slot);
      if (n === undefined) return;
      this.bindDurable.set(slot, n.id);
      this.bindNeeds.delete(slot);
    };
    if (this.personality === 'ext4-weak') {
      for (const s of this.pathSlots(f.id)) settle(s.slot);
      if (f.type === 'dir') for (const name of this.v.dirs.get(f.id)?.keys() ?? []) settle(`${f.id}/${name}`);
      return;
    }
    if (f.type !== 'dir') return;
    for (const [slot, n] of [...this.bindNeeds]) {
      n.needs.delete(f.id);
      if (n.needs.size === 0) settle(slot);
    }
  }

  // --- observations ----------------------------------------------------------

  volatileCanon(): string {
    return canonState(this.v);
  }

  /** `path → bytes` every crash state must show (synced data under durable bindings). */
  guarantees(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    const walk = (id: number, path: string): void => {
      for (const [name, e] of this.v.dirs.get(id) ?? new Map<string, Ent>()) {
        if (this.bindDurable.get(`${id}/${name}`) !== e.id) continue;
        const p = path === '/' ? `/${name}` : `${path}/${name}`;
        if (e.type === 'dir') walk(e.id, p);
        else {
          const synced = this.dataSynced.get(e.id);
          if (synced !== undefined) out.set(p, synced);
        }
      }
    };
    walk(1, '/');
    return out;
  }

  /** Pending (not durable) ops in issue order, as seqs. */
  pendingSeqs(): number[] {
    return this.log.filter((l) => !l.durable).map((l) => l.op.seq);
  }

  /** Is op `seq` a write that is still pending (unsynced)? */
  isPendingWrite(seq: number): boolean {
    return this.log.some((l) => l.op.seq === seq && l.op.k === 'write' && !l.durable);
  }

  private replay(keep: (l: Logged, pendingIndex: number) => boolean): string {
    const s = cloneState(this.initial);
    let i = 0;
    for (const l of this.log) {
      if (l.durable) replayOp(s, l.op);
      else if (keep(l, i++)) replayOp(s, l.op);
    }
    return canonState(s);
  }

  /** Distinct crash states by prefix of the pending ops. */
  prefixStates(): Set<string> {
    const k = this.pendingSeqs().length;
    const out = new Set<string>();
    for (let j = 0; j <= k; j++) out.add(this.replay((_, i) => i < j));
    return out;
  }

  /** Number of subset candidates the personality allows (to decide whether to enumerate). */
  subsetCount(): number {
    const pend = this.log.filter((l) => !l.durable);
    if (this.personality === 'ordered') return pend.length + 1;
    if (this.personality === 'strict-posix') return 2 ** pend.length;
    if (this.personality === 'ext4') {
      const w = pend.filter((l) => l.op.k === 'write').length;
      return (pend.length - w + 1) * 2 ** w;
    }
    const d = pend.filter((l) => l.op.k === 'write' || l.op.k === 'trunc').length;
    return (pend.length - d + 1) * 2 ** d;
  }

  /** Distinct crash states over every subset the personality allows. */
  subsetStates(): Set<string> {
    const pend = this.log.filter((l) => !l.durable);
    const n = pend.length;
    const isData = pend.map((l) => l.op.k === 'write' || l.op.k === 'trunc');
    const out = new Set<string>();
    for (let mask = 0; mask < 2 ** n; mask++) {
      const keep = (i: number): boolean => (mask & (1 << i)) !== 0;
      if (this.personality === 'ordered') {
        let ok = true;
        for (let i = 1; i < n; i++) if (keep(i) && !keep(i - 1)) ok = false;
        if (!ok) continue;
      } else if (this.personality === 'ext4') {
        if (!this.ext4Allows(pend, keep)) continue;
      } else if (this.personality === 'ext4-weak') {
        let gap = false;
        let ok = true;
        for (let i = 0; i < n; i++) {
          if (isData[i]) continue;
          if (!keep(i)) gap = true;
          else if (gap) ok = false;
        }
        if (!ok) continue;
      }
      out.add(this.replay((_, i) => keep(i)));
    }
    return out;
  }

  /**
   * ext4, written from the rules' text: journaled ops (all but writes) kept as a
   * prefix; a kept write that allocates (past the committed size, or after a
   * pending create/truncate of its file) needs every journaled op before it; a
   * kept write needs every earlier pending write of its file on a common 4 KiB
   * page; a flushed write is kept when a journaled op from its flushSeq on is.
   */
  private ext4Allows(pend: readonly Logged[], keep: (i: number) => boolean): boolean {
    const isMeta = (l: Logged): boolean => l.op.k !== 'write';
    let gap = false;
    for (let i = 0; i < pend.length; i++) {
      if (!isMeta(pend[i] as Logged)) continue;
      if (!keep(i)) gap = true;
      else if (gap) return false;
    }
    const pages = (o: { off: number; bytes: Uint8Array }): [number, number] => [Math.floor(o.off / 4096), Math.floor((o.off + o.bytes.length - 1) / 4096)];
    for (let i = 0; i < pend.length; i++) {
      const l = pend[i] as Logged;
      if (l.op.k !== 'write') continue;
      const w = l.op;
      if (l.flushSeq !== undefined && pend.some((x, j) => isMeta(x) && keep(j) && x.op.seq >= (l.flushSeq as number)) && !keep(i)) return false;
      if (!keep(i)) continue;
      const before = pend.slice(0, i);
      const pendingBinding = before.some((x) => (x.op.k === 'link' || x.op.k === 'trunc') && x.op.id === w.id);
      if (pendingBinding || w.off + w.bytes.length > this.committedBytes(w.id, w.seq)) {
        if (before.some((x, j) => isMeta(x) && !keep(j))) return false;
      }
      const [a, b] = pages(w);
      for (let j = 0; j < i; j++) {
        const x = pend[j] as Logged;
        if (x.op.k !== 'write' || x.op.id !== w.id || keep(j)) continue;
        const [c, d] = pages(x.op);
        if (c <= b && a <= d) return false;
      }
    }
    return true;
  }

  /** Size of file `id` from the initial state and the durable ops issued before `seq`. */
  private committedBytes(id: number, seq: number): number {
    const s = cloneState(this.initial);
    for (const l of this.log) if (l.durable && l.op.seq < seq) replayOp(s, l.op);
    return s.files.get(id)?.length ?? 0;
  }

  private durableFileBytes(id: number): number {
    const s = cloneState(this.initial);
    for (const l of this.log) if (l.durable) replayOp(s, l.op);
    return s.files.get(id)?.length ?? 0;
  }

  /** The crash state that keeps no pending op (durable only). */
  durableCanon(): string {
    return this.replay(() => false);
  }
}
