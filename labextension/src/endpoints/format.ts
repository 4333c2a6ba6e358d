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

/**
 * The training job whose artifact `modelData` is, when its path says so:
 * `…/jobs/<job>/output/model.tar.gz` (a job's folder on this server) or
 * `s3://<bucket>/…/<job>/output/model.tar.gz` (SageMaker's output layout).
 */
export function trainingJobOf(modelData: string | undefined): string | null {
  const match = /(?:^|\/)([^/]+)\/output\/model\.tar\.gz$/.exec(
    modelData ?? ''
  );
  return match ? match[1] : null;
}

/**
 * The content types the page offers, first the default (the toolkit's CSV).
 */
export const CONTENT_TYPES = ['text/csv', 'application/json'];

/**
 * The answer types the page offers.
 */
export const ACCEPTS = ['application/json', 'text/csv'];

/**
 * The Accept a model answers by default (its
 * `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`, else JSON).
 */
export function defaultAccept(
  environment: Record<string, string> | undefined
): string {
  const wanted = environment?.SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT;
  return wanted && ACCEPTS.includes(wanted) ? wanted : ACCEPTS[0];
}
