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
