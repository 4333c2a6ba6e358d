/**
 * Polling for the endpoint page: run `tick` now and again `intervalMs` after
 * each run ends, until unmount or `deps` change.
 */
import * as React from 'react';

/**
 * `tick` gets `live()`: false once the effect is cleaned up (skip setting
 * state then). It catches its own errors.
 */
export function usePolling(
  tick: (live: () => boolean) => Promise<void>,
  intervalMs: number,
  deps: React.DependencyList
): void {
  React.useEffect(() => {
    let stopped = false;
    let timer = 0;
    const live = (): boolean => !stopped;
    const run = async (): Promise<void> => {
      await tick(live);
      if (!stopped) {
        timer = window.setTimeout(() => void run(), intervalMs);
      }
    };
    void run();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, deps);
}
