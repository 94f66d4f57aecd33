/** Exit codes of every crashsim command (README "Exit codes"). */
export const EXIT = {
  /** nothing broken: every run passed, or broke only known findings */
  ok: 0,
  /** an invariant broke in a way no known finding explains, or a replay diverged */
  failed: 1,
  /** usage or input error (bad option, bad token, unwritable --out): one line on stderr */
  usage: 2,
  /** crashsim itself failed (a bug in the harness): the message says where */
  internal: 3,
  /**
   * nothing new broke, but the result is incomplete or empty: a merge with shards
   * missing, a sweep cut short by --time-budget, a shard or an explore iteration
   * with nothing in it. CI must not read this as green (docs/ci.md).
   */
  incomplete: 4,
  /** interrupted by SIGINT (Ctrl-C), after writing an incomplete summary (128 + 2) */
  interrupted: 130,
  /** terminated by SIGTERM, after writing an incomplete summary (128 + 15) */
  terminated: 143,
} as const;

/** A usage or input error: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One line, whatever the error (newlines joined, long messages cut). */
export function oneLine(text: string, maxChars = 400): string {
  const s = text.replace(/\s*\n\s*/g, ' ').trim();
  return s.length > maxChars ? `${s.slice(0, maxChars - 1)}…` : s;
}

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a file is in the way (not a directory)',
  EEXIST: 'a file is in the way (not a directory)',
  EISDIR: 'it is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EINVAL: 'invalid argument (is it a special file system such as /proc?)',
};

/** A file-system error in words (Node's messages name the syscall, not what to do). */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && ERRNO_WORDS[code] !== undefined) return `${ERRNO_WORDS[code]} (${code})`;
  return code ?? (e instanceof Error ? e.message : String(e));
}
