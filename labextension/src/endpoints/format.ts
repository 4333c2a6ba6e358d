import type { IEndpointMetrics } from '../api';

/**
 * Milliseconds with sensible precision, or a dash when there is no figure.
 */
export function formatMs(ms: number | null | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    return '–';
  }
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`;
}

/**
 * One line of traffic figures for the list: calls, errors, p50/p99.
 */
export function describeTraffic(
  metrics: IEndpointMetrics | null | undefined
): string {
  if (!metrics || metrics.invocations === 0) {
    return 'no traffic';
  }
  const errors = metrics.errors ? `, ${metrics.errors} errors` : '';
  return (
    `${metrics.invocations} calls${errors} · p50 ${formatMs(metrics.p50_ms)}` +
    ` · p99 ${formatMs(metrics.p99_ms)}`
  );
}

/**
 * A sample body for the test console, by content type.
 */
export function sampleBody(contentType: string): string {
  return contentType === 'application/json'
    ? '[[5.1, 3.5, 1.4, 0.2]]'
    : '5.1,3.5,1.4,0.2';
}
