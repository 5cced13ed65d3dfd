import { MAX_TIMER_MS } from "./validation.ts";

/**
 * `setTimeout` that survives delays past Node's 2^31-1 ms limit (which would otherwise
 * fire at once): long delays are chained. Returns a cancel function.
 */
export function setLongTimeout(callback: () => void, delayMs: number): () => void {
  let handle: NodeJS.Timeout;
  const deadline = Date.now() + delayMs;
  const arm = (remaining: number) => {
    handle = setTimeout(
      () => {
        const left = deadline - Date.now();
        if (left > 0 && remaining > MAX_TIMER_MS) arm(left);
        else callback();
      },
      Math.min(Math.max(remaining, 0), MAX_TIMER_MS),
    );
    handle.unref?.();
  };
  arm(delayMs);
  return () => clearTimeout(handle);
}

/** Resolves after `delayMs`, or at once when `signal` aborts. */
export function sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const handle = setTimeout(done, delayMs);
    function done() {
      clearTimeout(handle);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
