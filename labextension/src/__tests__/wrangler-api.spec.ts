/* eslint-disable jupyter/no-untranslated-string -- server answers and schemas used as test data, not UI text. */
import { ServerConnection } from '@jupyterlab/services';

import {
  addStep,
  ApiError,
  createFlow,
  deleteStep,
  exportFlow,
  flowPath,
  getFlow,
  getReport,
  listOperators,
  previewFlow,
  previewSource,
  updateFlow,
  updateStep
} from '../api';
import type { IFlow } from '../api';
import { json } from './helpers';

const BASE_URL = 'http://localhost:8888/';

const FLOW: IFlow = {
  name: 'reports/sales.flow',
  schema_version: 1,
  version: 3,
  source: { kind: 'file', path: 'sales.csv' },
  sampling: { method: 'first', n: 50000, seed: 0 },
  steps: [],
  target: null,
  modified_ms: 1
};

interface IRecorded {
  method: string;
  url: URL;
  body: unknown;
}

function fakeServer(answer: () => Response): {
  settings: ServerConnection.ISettings;
  requests: IRecorded[];
} {
  const requests: IRecorded[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: BASE_URL,
    fetch: async (input: RequestInfo | URL) => {
      const request = input as Request;
      const text = await request.text();
      requests.push({
        method: request.method,
        url: new URL(request.url),
        body: text ? JSON.parse(text) : undefined
      });
      return answer();
    }
  });
  return { settings, requests };
}

describe('wrangler API client', () => {
  it('encodes a flow name as one path segment', () => {
    expect(flowPath('reports/sales.flow', '/preview')).toBe(
      'wrangler/flows/reports%2Fsales.flow/preview'
    );
  });

  it('lists operators from the items of the answer', async () => {
    const server = fakeServer(() =>
      json({
        items: [
          {
            name: 'drop_columns',
            version: 1,
            title: 'Drop columns',
            group: 'Manage columns',
            description: '',
            fits: false,
            params_schema: { type: 'object' }
          }
        ]
      })
    );
    const operators = await listOperators({ settings: server.settings });
    expect(operators.map(o => o.name)).toEqual(['drop_columns']);
    expect(server.requests[0].url.pathname).toBe(
      '/smstudio/api/wrangler/operators'
    );
  });

  it('creates, reads and updates a flow with its version', async () => {
    const server = fakeServer(() => json(FLOW));
    const settings = server.settings;
    await createFlow({ name: 'a.flow' }, { settings });
    await getFlow('reports/sales.flow', { settings });
    await updateFlow(
      'reports/sales.flow',
      { version: 3, target: 'y' },
      {
        settings
      }
    );
    expect(server.requests.map(r => r.method)).toEqual([
      'POST',
      'GET',
      'PATCH'
    ]);
    expect(server.requests[0].body).toEqual({ name: 'a.flow' });
    expect(server.requests[1].url.pathname).toBe(
      '/smstudio/api/wrangler/flows/reports%2Fsales.flow'
    );
    expect(server.requests[2].body).toEqual({ version: 3, target: 'y' });
  });

  it('adds, edits and deletes steps', async () => {
    const server = fakeServer(() => json(FLOW));
    const settings = server.settings;
    await addStep(
      'a.flow',
      { version: 1, operator: 'drop_columns', params: { columns: ['x'] } },
      { settings }
    );
    await updateStep('a.flow', 's1', { version: 2, position: 0 }, { settings });
    await deleteStep('a.flow', 's1', 3, { settings });
    const [add, edit, del] = server.requests;
    expect(add.url.pathname).toBe('/smstudio/api/wrangler/flows/a.flow/steps');
    expect(add.body).toEqual({
      version: 1,
      operator: 'drop_columns',
      params: { columns: ['x'] }
    });
    expect(edit.method).toBe('PATCH');
    expect(edit.url.pathname).toBe(
      '/smstudio/api/wrangler/flows/a.flow/steps/s1'
    );
    expect(del.method).toBe('DELETE');
    expect(del.url.searchParams.get('version')).toBe('3');
  });

  it('pages the preview with step, offset and limit', async () => {
    const server = fakeServer(() => json({ rows: [] }));
    await previewFlow(
      'a.flow',
      { step: 's2', offset: 100, limit: 50 },
      { settings: server.settings }
    );
    const url = server.requests[0].url;
    expect(url.searchParams.get('step')).toBe('s2');
    expect(url.searchParams.get('offset')).toBe('100');
    expect(url.searchParams.get('limit')).toBe('50');
    expect(url.searchParams.has('scope')).toBe(false);
  });

  it('previews a source and asks for a report', async () => {
    const server = fakeServer(() => json({}));
    const settings = server.settings;
    await previewSource({ kind: 'file', path: 'x.csv' }, 20, { settings });
    await getReport('a.flow', { target: 'y' }, { settings });
    expect(server.requests[0].body).toEqual({
      source: { kind: 'file', path: 'x.csv' },
      limit: 20
    });
    expect(server.requests[1].url.pathname).toBe(
      '/smstudio/api/wrangler/flows/a.flow/report'
    );
    expect(server.requests[1].body).toEqual({ target: 'y' });
  });

  it('asks to save an export only when told to', async () => {
    const server = fakeServer(() => json({}));
    const settings = server.settings;
    await exportFlow('a.flow', 'pandas', false, { settings });
    await exportFlow('a.flow', 'notebook', true, { settings });
    expect(server.requests[0].url.searchParams.get('format')).toBe('pandas');
    expect(server.requests[0].url.searchParams.has('save')).toBe(false);
    expect(server.requests[1].url.searchParams.get('save')).toBe('true');
  });

  it('turns a stale write into an ApiError with status 409', async () => {
    const server = fakeServer(() =>
      json(
        {
          error: {
            code: 'Conflict',
            message: 'version: the flow changed',
            field: 'version'
          }
        },
        409
      )
    );
    const error = await updateFlow(
      'a.flow',
      { version: 1 },
      { settings: server.settings }
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(409);
    expect((error as ApiError).field).toBe('version');
  });
});
