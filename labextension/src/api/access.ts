/**
 * Typed calls for calling endpoints from outside the Lab: access keys for the
 * SigV4 runtime route, the AWS endpoint URLs, an endpoint's traffic over time
 * and the model it serves.
 */
import { getItems } from './client';
import type { CallOptions } from './client';
import { jsonInit, requestAPI } from './request';
import type { IResourceSummary } from './types';

/**
 * An access key as listed (its secret is never shown again).
 */
export interface IAccessKey {
  access_key_id: string;
  description: string;
  created_ms: number;
  last_used_ms?: number | null;
}

/**
 * A new access key: the only answer that carries the secret.
 */
export interface INewAccessKey extends IAccessKey {
  secret_access_key: string;
}

/**
 * `GET /access-keys`
 */
export function listAccessKeys(
  options: CallOptions = {}
): Promise<IAccessKey[]> {
  return getItems<IAccessKey>('access-keys', options);
}

/**
 * `POST /access-keys`
 */
export function createAccessKey(description: string): Promise<INewAccessKey> {
  return requestAPI<INewAccessKey>(
    'access-keys',
    jsonInit('POST', { description })
  );
}

/**
 * `DELETE /access-keys/{id}`
 */
export async function deleteAccessKey(id: string): Promise<void> {
  await requestAPI<unknown>(`access-keys/${encodeURIComponent(id)}`, {
    method: 'DELETE'
  });
}

/**
 * `POST /environment`: the variables a kernel of the user gets
 * (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`, `AWS_REGION`, ...). It creates the
 * user's environment key once; the key's values are left out of snippets.
 */
export function getEnvironment(
  options: CallOptions = {}
): Promise<Record<string, string>> {
  return requestAPI<Record<string, string>>(
    'environment',
    { method: 'POST' },
    options
  );
}

/**
 * A time range of the endpoint charts.
 */
export type MetricsRange = '1h' | '24h';

/**
 * Traffic in one step of an endpoint's chart.
 */
export interface IMetricsPoint {
  start_ms: number;
  invocations: number;
  errors: number;
  mean_ms: number | null;
  p99_ms: number | null;
}

/**
 * `GET /endpoints/{name}/metrics`: oldest point first.
 */
export interface IMetricsSeries {
  range: MetricsRange;
  step_seconds: number;
  points: IMetricsPoint[];
}

export function getEndpointMetrics(
  name: string,
  range: MetricsRange,
  options: CallOptions = {}
): Promise<IMetricsSeries> {
  return requestAPI<IMetricsSeries>(
    `endpoints/${encodeURIComponent(name)}/metrics`,
    {},
    { ...options, query: { range } }
  );
}

/**
 * A model: its artifacts and environment.
 */
export interface IModel extends IResourceSummary {
  model_data: string;
  environment?: Record<string, string>;
}

/**
 * `GET /models/{name}`
 */
export function getModel(
  name: string,
  options: CallOptions = {}
): Promise<IModel> {
  return requestAPI<IModel>(`models/${encodeURIComponent(name)}`, {}, options);
}
