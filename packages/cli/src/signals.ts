/**
 * Waiting until SIGINT or SIGTERM, for `work` and `insights --watch`. While it is in
 * use the default "exit at once" is replaced by a graceful stop.
 */
export interface SignalWait {
  /** Resolves true once a signal came, or false after `ms` without one. */
  wait(ms?: number): Promise<boolean>;
  /** The signal that came, if any. */
  readonly received: NodeJS.Signals | null;
  dispose(): void;
}

export function untilSignal(): SignalWait {
  let received: NodeJS.Signals | null = null;
  let wake: (() => void) | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    received = signal;
    wake?.();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    get received() {
      return received;
    },
    wait(ms) {
      if (received !== null) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = ms === undefined ? undefined : setTimeout(() => finish(false), ms);
        const finish = (value: boolean) => {
          clearTimeout(timer);
          wake = null;
          resolve(value);
        };
        wake = () => finish(true);
      });
    },
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
