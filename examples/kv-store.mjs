/**
 * A small key-value store of the kind crashsim is for — not part of crashsim,
 * written the way application code is, against node:fs/promises:
 *  - every `set` appends one JSON line to a write-ahead log and fdatasyncs it;
 *  - `compact` writes all data to a snapshot, renames it into place and empties
 *    the log; `open` loads the snapshot and replays the log.
 * Unless `safe`, it has the classic crash bugs: the snapshot is renamed into
 * place without an fsync of its data, and no directory is ever fsynced (not
 * after creating the log, not after the rename that must precede emptying it).
 */
import { open, readFile, rename } from 'node:fs/promises';

async function readOrEmpty(path) {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return '';
    throw e;
  }
}

async function syncDir(dir) {
  const d = await open(dir, 'r');
  await d.sync();
  await d.close();
}

export class KvStore {
  #dir;
  #safe;
  #data;
  #wal;

  constructor(dir, safe, data, wal) {
    this.#dir = dir;
    this.#safe = safe;
    this.#data = data;
    this.#wal = wal;
  }

  static async open(dir, { safe = false } = {}) {
    const snapshot = await readOrEmpty(`${dir}/snapshot.json`);
    const data = snapshot === '' ? {} : JSON.parse(snapshot);
    for (const line of (await readOrEmpty(`${dir}/wal.log`)).split('\n')) {
      if (line === '') continue;
      try {
        const [key, value] = JSON.parse(line);
        data[key] = value;
      } catch {
        break; // a torn last line: that set never returned
      }
    }
    const wal = await open(`${dir}/wal.log`, 'a');
    if (safe) await syncDir(dir);
    return new KvStore(dir, safe, data, wal);
  }

  async set(key, value) {
    await this.#wal.write(`${JSON.stringify([key, value])}\n`);
    await this.#wal.datasync();
    this.#data[key] = value;
  }

  entries() {
    return { ...this.#data };
  }

  async compact() {
    const tmp = await open(`${this.#dir}/snapshot.json.tmp`, 'w');
    await tmp.writeFile(JSON.stringify(this.#data));
    if (this.#safe) await tmp.sync();
    await tmp.close();
    await rename(`${this.#dir}/snapshot.json.tmp`, `${this.#dir}/snapshot.json`);
    if (this.#safe) await syncDir(this.#dir);
    await this.#wal.truncate(0);
    await this.#wal.datasync();
  }

  async close() {
    await this.#wal.close();
  }
}
