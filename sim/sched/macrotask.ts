/**
 * The scheduler's only contact with real time: a macrotask boundary.
 *
 * Steps run entirely on microtasks. A macrotask is used for two things only:
 * the watchdog (when it fires, the microtask queue is empty, so a task that has
 * neither parked at an Env call nor finished awaits something foreign) and a
 * periodic yield so progress bars and timeouts outside the simulation can run.
 * Neither changes simulated state, so when it fires cannot change a run.
 */
export function onNextMacrotask(fn: () => void): void {
  setImmediate(fn); // nondeterminism-ok: scheduler's watchdog and periodic yield; no simulated state depends on when it fires
}

export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => onNextMacrotask(resolve));
}
