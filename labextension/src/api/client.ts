/**
 * The core of the typed client: `/status`, the OpenAPI document and the list
 * routes' shape. Each area has its own module next to this one.
 */
import { requestAPI } from './request';
import type { IRequestOptions, Query } from './request';
import type { IListPage, IListQuery, IOpenAPIDocument, IStatus } from './types';

/**
 * Options of the typed API calls: `poll`, `settings` (no free-form query).
 */
export type CallOptions = Omit<IRequestOptions, 'query'>;

/**
 * A function that fetches one page of a list route.
 */
export type ListFunction<T> = (
  query?: IListQuery,
  options?: CallOptions
) => Promise<IListPage<T>>;

/**
 * `GET /status`: version, user, turned-on areas and the current space.
 */
export function getStatus(options: CallOptions = {}): Promise<IStatus> {
  return requestAPI<IStatus>('status', {}, options);
}

/**
 * `GET /openapi.json`: the API's OpenAPI 3.1 document.
 */
export function getOpenAPI(
  options: CallOptions = {}
): Promise<IOpenAPIDocument> {
  return requestAPI<IOpenAPIDocument>('openapi.json', {}, options);
}

/**
 * Make a typed function for a list route.
 *
 * @param path Route below `smstudio/api`, e.g. `spaces`.
 */
export function listRoute<T>(path: string): ListFunction<T> {
  return (query: IListQuery = {}, options: CallOptions = {}) =>
    requestAPI<IListPage<T>>(
      path,
      {},
      { ...options, query: { ...query } as Query }
    );
}

/**
 * `GET path` for a route that answers `{items}` in one piece (no paging):
 * the items.
 */
export async function getItems<T>(
  path: string,
  options: CallOptions = {},
  query?: Query
): Promise<T[]> {
  const page = await requestAPI<{ items: T[] }>(
    path,
    {},
    query ? { ...options, query } : options
  );
  return page.items;
}
