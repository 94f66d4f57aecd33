/**
 * Usage and input errors end with exit code 2 and exactly one line on stderr:
 * malformed tokens, unknown options, out-of-range values, an unwritable --out.
 * One case of each kind spawns the real bin (what `npx crashsim` runs: ~1 s of
 * tsx start-up each); the rest call the same entry point in this process.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken } from '../../scenarios/token.js';
import { REPO, runInProcess, spawnCli, type CliResult } from './helpers.js';

function expectUsageError(r: CliResult, reason: RegExp): void {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^crashsim: /);
  expect(lines[0]).toMatch(reason);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

const dir = mkdtempSync(join(tmpdir(), 'crashsim-errors-'));
const fileInTheWay = join(dir, 'a-file');
writeFileSync(fileInTheWay, 'not a directory\n');
const garbageTokenFile = join(dir, 'garbage.txt');
writeFileSync(garbageTokenFile, 'hello\n');

// Tokens: checksummed payloads that are not deflated or from a future version; a real
// one cut in half or with one character changed (as when copied badly); a version 1 token.
const signed = (payload: string): string => {
  const head = `cs2.${payload}`;
  return `${head}.${createHash('sha256').update(head).digest('base64url').slice(0, 11)}`;
};
const notDeflated = signed(Buffer.from('x').toString('base64url'));
const futureVersion = signed(deflateRawSync(Buffer.from(JSON.stringify({ v: 99, plan: {} }))).toString('base64url'));
const corpusFile = readdirSync(join(REPO, 'reports/corpus')).filter((n) => n.endsWith('.json')).sort()[0] as string;
const realToken = (JSON.parse(readFileSync(join(REPO, 'reports/corpus', corpusFile), 'utf8')) as { token: string }).token;
const truncated = realToken.slice(0, Math.floor(realToken.length / 2));
const unknownDesign = encodeToken({ ...decodeToken(realToken), plan: { ...decodeToken(realToken).plan, design: 'nope' } });
const badPlan = signed(deflateRawSync(Buffer.from(JSON.stringify({ v: 2, plan: { v: 1 }, decisions: [], traceHash: '00000000', verdict: 'pass' }))).toString('base64url'));
const mid = Math.floor(realToken.length / 3);
const oneCharChanged = realToken.slice(0, mid) + (realToken[mid] === 'Q' ? 'R' : 'Q') + realToken.slice(mid + 1);
const versionOne = 'cs1.' + deflateRawSync(Buffer.from(JSON.stringify({ v: 1, plan: {}, decisions: [], traceHash: '00000000', verdict: 'pass' }))).toString('base64url');
// Files replay is given by mistake: a run summary, a JSON file of another kind, a report directory.
mkdirSync(join(dir, 'misc'));
const summaryFile = join(dir, 'misc', 'summary.json');
writeFileSync(summaryFile, JSON.stringify({ kind: 'crashsim-run-summary', schemaVersion: 1 }));
const otherJson = join(dir, 'package.json');
writeFileSync(otherJson, JSON.stringify({ name: 'x' }));
const reportDir = join(dir, 'a-report');
mkdirSync(reportDir);
writeFileSync(join(reportDir, 'summary.json'), '{}');

type Case = readonly [string, readonly string[], RegExp];

const inProcess: readonly Case[] = [
  ['a token with characters outside base64url', ['replay', 'cs2.abc$%^.AAAAAAAAAAA'], /damaged.*base64url/],
  ['a token that does not inflate (checksum valid)', ['replay', notDeflated], /does not decompress/],
  ['a token from a future crashsim', ['replay', futureVersion], /payload version 99 is not supported/],
  ['a version 1 token (no checksum)', ['replay', versionOne], /version 1 replay token \("cs1\."\), which has no checksum/],
  ['a run summary given to replay', ['replay', summaryFile], /is a run summary, not a token: each of its failures has its own replay command/],
  ['a JSON file of another kind given to replay', ['replay', otherJson], /a JSON file of kind null, not a crashsim corpus entry/],
  ['a report directory given to replay', ['replay', reportDir], /is a directory, not a token or a file holding one: it holds a run report/],
  ['a name that is neither a token nor a file', ['replay', 'no-such-file.txt'], /"no-such-file\.txt" is neither a crashsim replay token \(they start with "cs2\."\) nor an existing file/],
  ['a token holding an invalid plan', ['replay', badPlan], /invalid plan: plan\.committeeSize/],
  ['a token naming a design this crashsim lacks', ['replay', unknownDesign], /names design "nope", which this crashsim does not have/],
  ['more runs than one invocation may take', ['run', '--scenario', 'all', '--personality', 'all', '--runs', '100000'], /runs in one invocation exceed the limit of 500000: .*--shard/],
  ['a file that holds no token', ['replay', garbageTokenFile], /the file holds no crashsim replay token/],
  ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
  ['--runs not a number', ['run', '--runs', 'many'], /--runs must be an integer/],
  ['--workers 65', ['run', '--workers', '65'], /--workers must be an integer in \[1, 64\]/],
  ['--shard 3/2', ['run', '--shard', '3/2'], /shard must be k\/n with 1 ≤ k ≤ n/],
  ['--shard 0/2', ['run', '--shard', '0/2'], /shard must be k\/n/],
  ['--time-budget -1', ['run', '--time-budget', '-1'], /time-budget must be a number of seconds/],
  ['an unknown scenario', ['run', '--scenario', 'nope'], /unknown scenario "nope"/],
  ['an unknown personality', ['run', '--personality', 'zfs'], /unknown personality "zfs"/],
  ['a renamed personality', ['run', '--personality', 'ordered,ext4-ordered'], /'ext4-ordered' was renamed 'ext4-weak'/],
  ['a renamed personality (explore)', ['explore', '--personality', 'ext4-ordered'], /'ext4-ordered' was renamed 'ext4-weak'/],
  ['an unknown design', ['explore', '--design', 'nope'], /unknown design "nope"/],
  ['--iteration 0', ['explore', '--iteration', '0'], /--iteration must be an integer in \[1, /],
  ['bad --commands JSON', ['explore', '--commands', '[{'], /--commands must be a JSON array/],
  ['an invalid command in --commands', ['explore', '--commands', '[{"c":"teleport"}]'], /plan\.commands\[0\]\.c: expected one of/],
  ['--out naming an existing file', ['run', '--runs', '1', '--scenario', 'model', '--out', fileInTheWay], /cannot write reports to .*a file is in the way/],
  ['merge of a directory without a summary', ['merge', dir], /no summary at/],
  ['replay without a token', ['replay'], /missing required argument/],
];

const spawned: readonly Case[] = [
  ['a token without the cs2. prefix', ['replay', 'xyz123'], /neither a crashsim replay token/],
  ['a truncated token', ['replay', truncated], /damaged: expected cs2\.<payload>\.<checksum> \(was it cut short/],
  ['a real token with one character changed', ['replay', oneCharChanged], /damaged: its checksum does not match/],
  ['an unknown option', ['run', '--bogus'], /unknown option '--bogus'/],
  ['--runs 0', ['run', '--runs', '0'], /--runs must be an integer in \[1, /],
  ['an unwritable --out (a file in the way)', ['run', '--runs', '1', '--scenario', 'model', '--out', join(fileInTheWay, 'reports')], /cannot write reports to .*(not a directory|a file is in the way)/],
];

describe('usage and input errors: exit 2, one line', () => {
  it.each(spawned)('the real bin: %s', async (_name, args, reason) => {
    expectUsageError(await spawnCli(args), reason);
  });

  it.each(inProcess)('%s', async (_name, args, reason) => {
    expectUsageError(await runInProcess(args), reason);
  });

  it('--help on every command exits 0 and names the exit codes', async () => {
    for (const cmd of [[], ['run'], ['replay'], ['explore'], ['merge']]) {
      const r = await runInProcess([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: crashsim/);
      expect(r.stdout).toMatch(/2 +usage or input error/);
    }
  });

});
