/** Running the crashsim command in tests: the real bin in a child process, or runCli in this process. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../cli/main.js';
import type { Io } from '../../cli/output.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/crashsim.mjs', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns `node bin/crashsim.mjs …` (what `npx crashsim` runs). */
export function spawnCli(args: readonly string[], opts: { cwd?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** runCli in this process, capturing its lines. */
export async function runInProcess(args: readonly string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => void out.push(l), err: (l) => void err.push(l), isTTY: false };
  const code = await runCli(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

export interface LiveChild {
  /** resolves when the output (stdout + stderr) matches `pattern` */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  write(text: string): void;
  readonly done: Promise<CliResult>;
}

/**
 * Spawns a command and lets the test act on its output while it runs
 * (interrupts). `tty` runs it under `script`, on a pseudo-terminal, so the
 * progress bar is drawn and Ctrl-C is a real terminal interrupt.
 */
export function spawnLive(args: readonly string[], opts: { tty?: boolean; timeoutMs?: number } = {}): LiveChild {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = opts.tty === true
    ? spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' } })
    : spawn(process.execPath, [BIN, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      if (w.pattern.test(stdout + stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
    check();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
    check();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === null ? -1 : 128 + (signal === 'SIGKILL' ? 9 : 0)), stdout, stderr });
    });
  });
  return {
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in:\n${stdout}\n${stderr}`)), timeoutMs);
        waiters.push({ pattern, resolve: () => (clearTimeout(t), resolve()) });
        check();
      }),
    kill: (signal) => void child.kill(signal),
    write: (text) => void child.stdin.write(text),
    done,
  };
}
