/**
 * Go-style errors for the system under test.
 *
 * The reference wraps with `fmt.Errorf("prefix: %w", err)`, so the texts the
 * conformance tests and oracles compare are chains `a: b: c`. `wrapError` keeps
 * the cause (for `errorIs`) and renders exactly that text. Sentinels are plain
 * singleton instances compared by identity, as `errors.Is` does in Go.
 */

/** An error value with a Go-style message and an optional wrapped cause. */
export class AvailError extends Error {
  override readonly name: string = 'AvailError';
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** A sentinel error value (Go's `errors.New` at package level). Compare with `errorIs`. */
export class SentinelError extends AvailError {
  override readonly name = 'SentinelError';
}

/** The data layer's "pruned" error (`data.ErrPruned`). */
export const ErrPruned = new SentinelError('pruned');
/** `avail.ErrBadLane`: the lane has no queue (not a committee lane). */
export const ErrBadLane = new SentinelError('bad lane');

/** The text of any thrown value, as Go's `%v` of an error would print it. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** `fmt.Errorf("<prefix>: %w", cause)`. */
export function wrapError(prefix: string, cause: unknown): AvailError {
  return new AvailError(`${prefix}: ${errorText(cause)}`, cause);
}

/** `errors.Is(e, sentinel)`: walks the `cause` chain comparing by identity. */
export function errorIs(e: unknown, sentinel: unknown): boolean {
  // Bounded walk: a cause chain longer than this is a cycle or a bug.
  let cur: unknown = e;
  for (let depth = 0; depth < 64 && cur !== undefined && cur !== null; depth++) {
    if (cur === sentinel) return true;
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return false;
}

/** `errors.As(e, &T)`: the first error in the cause chain that is an instance of `cls`. */
export function errorAs<T extends Error>(e: unknown, cls: abstract new (...args: never[]) => T): T | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 64 && cur !== undefined && cur !== null; depth++) {
    if (cur instanceof cls) return cur;
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return undefined;
}

/**
 * Persisted state that fails its checks although nothing under its name can be
 * a torn or partial write (hardened variant only: atomic writes): the disk was
 * damaged. The node stops instead of acting on wrong data. `files` are the
 * damaged files, relative to the state directory.
 */
export class CorruptStateError extends AvailError {
  override readonly name = 'CorruptStateError';
  constructor(
    readonly files: readonly string[],
    reason: string,
  ) {
    super(`corrupt persisted state: ${files.join(', ')}: ${reason}`);
  }
}

/**
 * A broken internal invariant of the port itself (never a behaviour of the
 * reference). Thrown by `invariant`; the harness reports it as a port bug.
 */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

export function invariant(cond: boolean, what: string): asserts cond {
  if (!cond) throw new InvariantViolation(`invariant violated: ${what}`);
}
