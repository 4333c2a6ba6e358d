import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { IErrorBody } from './types';

/**
 * Where the server extension mounts its REST API, below the server's base URL.
 */
export const API_NAMESPACE = 'smstudio/api';

/**
 * Query parameter that tells the server a request comes from background
 * polling, so that it never counts as user activity (for idle culling).
 */
export const NO_TRACK_ACTIVITY = 'no_track_activity';

/**
 * A query parameter value; `undefined`, `null` and `''` are left out.
 */
export type QueryValue = string | number | boolean | null | undefined;

/**
 * Query parameters of a request.
 */
export type Query = Record<string, QueryValue>;

/**
 * Options that every API call takes besides the `RequestInit`.
 */
export interface IRequestOptions {
  /**
   * Set for background polling: adds `no_track_activity=1` to the query.
   */
  poll?: boolean;
  /**
   * Query parameters.
   */
  query?: Query;
  /**
   * Server connection settings; defaults to `ServerConnection.makeSettings()`.
   */
  settings?: ServerConnection.ISettings;
}

/**
 * What an `ApiError` is made from.
 */
export interface IApiErrorOptions {
  message: string;
  /**
   * HTTP status, or 0 when no answer came back at all.
   */
  status: number;
  code: string;
  field?: string | null;
}

/**
 * An error answered by the server (or the lack of any answer).
 *
 * It carries the server's `{code, message, field}` and the HTTP status.
 */
export class ApiError extends Error {
  constructor(options: IApiErrorOptions) {
    super(options.message);
    this.name = 'ApiError';
    this.status = options.status;
    this.code = options.code;
    this.field = options.field ?? null;
  }

  /**
   * HTTP status, or 0 when the server could not be reached.
   */
  readonly status: number;

  /**
   * Machine-readable error code, e.g. `ValidationError`.
   */
  readonly code: string;

  /**
   * The request field the error is about, if any.
   */
  readonly field: string | null;

  /**
   * Whether no answer came back at all.
   */
  get isNetworkError(): boolean {
    return this.status === 0;
  }

  /**
   * Make an error from a failed (non-2xx) response.
   */
  static async fromResponse(response: Response): Promise<ApiError> {
    const status = response.status;
    const statusLine = `HTTP ${status}${response.statusText ? ' ' + response.statusText : ''}`;
    let text = '';
    try {
      text = await response.text();
    } catch {
      // The body could not be read; fall back to the status line below.
    }
    const body = Private.parseJSON(text);
    if (Private.isErrorBody(body)) {
      return new ApiError({
        status,
        code: body.error.code || 'Error',
        message: body.error.message || statusLine,
        field: body.error.field ?? null
      });
    }
    // Jupyter server's own error pages answer `{"message": ..., "reason": ...}`.
    if (Private.isRecord(body) && typeof body.message === 'string') {
      return new ApiError({
        status,
        code:
          typeof body.reason === 'string' && body.reason
            ? body.reason
            : 'HTTPError',
        message: body.message || statusLine
      });
    }
    if (status === 404) {
      return new ApiError({
        status,
        code: 'NotFound',
        message:
          `The SM Studio server extension did not answer at ${response.url || 'its address'} (${statusLine}). ` +
          'Check that it is installed and enabled (jupyter server extension list).'
      });
    }
    return new ApiError({
      status,
      code: 'HTTPError',
      message: `The server answered ${statusLine}.`
    });
  }

  /**
   * Make an error for a request that got no answer.
   */
  static fromNetworkError(error: unknown): ApiError {
    const detail = error instanceof Error ? error.message : String(error);
    return new ApiError({
      status: 0,
      code: 'NetworkError',
      message: `Could not reach the Jupyter server: ${detail}`
    });
  }
}

/**
 * Build a query string (with its leading `?`), or `''` when there is nothing
 * to send. Keys keep their order; empty values are left out.
 */
export function buildQuery(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') {
      continue;
    }
    params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * The full URL of an API path.
 *
 * @param path Path below `smstudio/api`, e.g. `status` or `lifecycle-configs/x`.
 */
export function apiURL(
  path: string,
  options: Pick<IRequestOptions, 'poll' | 'query'> = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): string {
  const query: Query = { ...options.query };
  if (options.poll) {
    query[NO_TRACK_ACTIVITY] = 1;
  }
  const cleanPath = path.replace(/^\/+/, '');
  return (
    URLExt.join(settings.baseUrl, API_NAMESPACE, cleanPath) + buildQuery(query)
  );
}

/**
 * A `RequestInit` that sends `body` as JSON.
 */
export function jsonInit(method: string, body: unknown): RequestInit {
  return {
    method,
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' }
  };
}

/**
 * Call the SM Studio server extension.
 *
 * @param path Path below `smstudio/api`.
 * @param init The fetch `RequestInit` (method, body, headers).
 * @param options Query parameters, polling flag, server settings.
 * @returns The answer's JSON body, or `undefined` for an empty answer.
 * @throws {ApiError} For error answers and when the server cannot be reached.
 */
export async function requestAPI<T>(
  path: string,
  init: RequestInit = {},
  options: IRequestOptions = {}
): Promise<T> {
  const settings = options.settings ?? ServerConnection.makeSettings();
  const url = apiURL(path, options, settings);

  // JupyterLab's default `cache: 'no-store'` makes `makeRequest` append a
  // cache-busting `&<timestamp>` query key, which the API would reject as an
  // unknown query parameter. `no-cache` still revalidates every time.
  const requestInit: RequestInit = { cache: 'no-cache', ...init };

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, requestInit, settings);
  } catch (error) {
    throw ApiError.fromNetworkError(error);
  }

  if (!response.ok) {
    throw await ApiError.fromResponse(response);
  }

  const text = await response.text();
  if (response.status === 204 || text.length === 0) {
    return undefined as T;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError({
      status: response.status,
      code: 'InvalidResponse',
      message: `The server answered ${url} with something that is not JSON.`
    });
  }
}

namespace Private {
  export function parseJSON(text: string): unknown {
    if (!text) {
      return null;
    }
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  export function isErrorBody(value: unknown): value is IErrorBody {
    return (
      isRecord(value) &&
      isRecord(value.error) &&
      typeof value.error.message === 'string'
    );
  }
}
