/**
 * Typed calls of the hosting routes: endpoints, their logs and invocations,
 * and the models they serve.
 */
import { ServerConnection } from '@jupyterlab/services';

import { listRoute } from './client';
import type { CallOptions } from './client';
import { ApiError, apiURL, jsonInit, requestAPI } from './request';
import type {
  IEndpoint,
  IListPage,
  ILogChunk,
  IResourceSummary
} from './types';

/**
 * Traffic over the last minutes, as `GET /endpoints/{name}` reports it.
 */
export interface IEndpointMetrics {
  window_minutes: number;
  invocations: number;
  errors: number;
  model_errors: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

export interface IDeployedVariant {
  variant_name: string;
  model_name: string;
  instance_type: string;
  current_weight: number;
  current_instance_count: number;
}

/**
 * An endpoint with its variants and traffic figures.
 */
export interface IEndpointDetail extends IResourceSummary {
  name: string;
  status: string;
  endpoint_config_name: string;
  pending_config_name?: string | null;
  failure_reason?: string | null;
  variants: IDeployedVariant[];
  metrics?: IEndpointMetrics | null;
}

export interface IModelSummary extends IResourceSummary {
  model_data: string;
}

/**
 * The answer of one test invocation.
 */
export interface IInvocationResult {
  status: number;
  ok: boolean;
  contentType: string;
  body: string;
  variant: string;
  latencyMs: number;
  serverMs: number | null;
}

const path = (name: string, ...rest: string[]): string =>
  ['endpoints', encodeURIComponent(name), ...rest].join('/');

/**
 * `GET /endpoints`
 */
export const listEndpoints = listRoute<IEndpoint>('endpoints');

export function getEndpoint(
  name: string,
  options: CallOptions = {}
): Promise<IEndpointDetail> {
  return requestAPI<IEndpointDetail>(path(name), {}, options);
}

export async function deleteEndpoint(name: string): Promise<void> {
  await requestAPI<unknown>(path(name), { method: 'DELETE' });
}

/**
 * `PUT /endpoints/{name}`: serve another model, without downtime.
 */
export function updateEndpoint(
  name: string,
  modelName: string
): Promise<IEndpointDetail> {
  return requestAPI<IEndpointDetail>(
    path(name),
    jsonInit('PUT', { variants: [{ model_name: modelName }] })
  );
}

export function getEndpointLogs(
  name: string,
  cursor: number,
  options: CallOptions = {}
): Promise<ILogChunk> {
  return requestAPI<ILogChunk>(
    path(name, 'logs'),
    {},
    {
      ...options,
      query: { cursor }
    }
  );
}

export function listModels(
  options: CallOptions = {}
): Promise<IListPage<IModelSummary>> {
  return requestAPI<IListPage<IModelSummary>>('models', {}, options);
}

/**
 * `POST /endpoints/{name}/invocations` with a raw body (not JSON-wrapped).
 */
export async function invokeEndpoint(
  name: string,
  body: string,
  contentType: string,
  accept: string
): Promise<IInvocationResult> {
  const settings = ServerConnection.makeSettings();
  const url = apiURL(path(name, 'invocations'), {}, settings);
  const started = performance.now();
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      url,
      {
        method: 'POST',
        body,
        headers: { 'Content-Type': contentType, Accept: accept }
      },
      settings
    );
  } catch (error) {
    throw new ApiError({
      status: 0,
      code: 'NetworkError',
      message: String(error)
    });
  }
  const text = await response.text();
  const latencyMs = performance.now() - started;
  const server = response.headers.get('X-SMStudio-Latency-Ms');
  let shown = text;
  if (!response.ok) {
    try {
      shown = JSON.parse(text).error.message;
    } catch {
      // not our error format: show the body as it came
    }
  }
  return {
    status: response.status,
    ok: response.ok,
    contentType: response.headers.get('Content-Type') ?? '',
    body: shown,
    variant: response.headers.get('x-Amzn-Invoked-Production-Variant') ?? '',
    latencyMs,
    serverMs: server === null ? null : Number(server)
  };
}
