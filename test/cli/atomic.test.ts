/** Report files are replaced atomically: the whole new content or the old one, never a temp file left behind. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../cli/atomic.js';

describe('writeFileAtomic', () => {
  it('creates the directory, replaces an existing file, and leaves no temp file', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'crashsim-atomic-')), 'a', 'b');
    const path = join(dir, 'summary.json');
    writeFileAtomic(path, '{"v":1}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"v":1}\n');
    const big = 'x'.repeat(3 * 1024 * 1024);
    writeFileAtomic(path, big);
    expect(readFileSync(path, 'utf8')).toBe(big);
    expect(readdirSync(dir)).toEqual(['summary.json']);
  });

  it('fails without touching the old file when the target cannot be replaced', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crashsim-atomic-'));
    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'old');
    expect(() => writeFileAtomic(join(blocker, 'child.json'), 'new')).toThrow(/ENOTDIR|EEXIST/);
    expect(readFileSync(blocker, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['file']);
  });
});
