import { ServerConnection } from '@jupyterlab/services';

import {
  ApiError,
  apiURL,
  buildQuery,
  createLifecycleConfig,
  deleteLifecycleConfig,
  getLifecycleConfig,
  getStatus,
  listEndpoints,
  listLifecycleConfigs,
  listSpaces,
  listTrainingJobs,
  listWranglerFlows,
  requestAPI
} from '../api';
import type { IStatus } from '../api';

const BASE_URL = 'http://localhost:8888/user/alice/';

const STATUS: IStatus = {
  version: '0.1.0',
  user: { username: 'alice', display_name: 'Alice' },
  server_time_ms: 1732165200000,
  features: {
    spaces: false,
    training: false,
    endpoints: false,
    wrangler: false
  },
  current_space: null
};

/**
 * A fake server: records each request and answers with the next response.
 */
class FakeServer {
  constructor(private _answer: () => Response | Promise<Response>) {}

  readonly requests: Request[] = [];

  readonly settings = ServerConnection.makeSettings({
    baseUrl: BASE_URL,
    fetch: (input: RequestInfo | URL) => {
      this.requests.push(input as Request);
      return Promise.resolve(this._answer());
    }
  });

  get last(): Request {
    return this.requests[this.requests.length - 1];
  }

  get lastURL(): URL {
    return new URL(this.last.url);
  }
}

function json(body: unknown, status = 200, statusText = 'OK'): Response {
  return new Response(JSON.stringify(body), {
    status,
    statusText,
    headers: { 'Content-Type': 'application/json' }
  });
}

describe('apiURL', () => {
  it('joins the base URL, the API namespace and the path', () => {
    const settings = ServerConnection.makeSettings({ baseUrl: BASE_URL });
    expect(apiURL('status', {}, settings)).toBe(
      'http://localhost:8888/user/alice/smstudio/api/status'
    );
    expect(apiURL('/lifecycle-configs/x', {}, settings)).toBe(
      'http://localhost:8888/user/alice/smstudio/api/lifecycle-configs/x'
    );
  });

  it('adds no_track_activity=1 only for polling calls', () => {
    const settings = ServerConnection.makeSettings({ baseUrl: BASE_URL });
    expect(apiURL('spaces', { poll: true }, settings)).toBe(
      'http://localhost:8888/user/alice/smstudio/api/spaces?no_track_activity=1'
    );
    expect(apiURL('spaces', { poll: false }, settings)).not.toContain(
      'no_track_activity'
    );
    expect(
      apiURL('spaces', { poll: true, query: { limit: 5 } }, settings)
    ).toBe(
      'http://localhost:8888/user/alice/smstudio/api/spaces?limit=5&no_track_activity=1'
    );
  });
});

describe('buildQuery', () => {
  it('leaves out empty values and encodes the rest', () => {
    expect(buildQuery({})).toBe('');
    expect(
      buildQuery({
        limit: 10,
        next_token: null,
        name_contains: 'a b&c',
        sort_by: undefined,
        sort_order: ''
      })
    ).toBe('?limit=10&name_contains=a+b%26c');
  });
});

describe('requestAPI', () => {
  it('returns the parsed JSON body', async () => {
    const server = new FakeServer(() => json(STATUS));
    const status = await getStatus({ settings: server.settings });
    expect(status).toEqual(STATUS);
    expect(server.last.method).toBe('GET');
    expect(server.lastURL.pathname).toBe('/user/alice/smstudio/api/status');
    expect(server.lastURL.searchParams.has('no_track_activity')).toBe(false);
  });

  it('marks polling requests with no_track_activity=1', async () => {
    const server = new FakeServer(() => json(STATUS));
    await getStatus({ settings: server.settings, poll: true });
    expect(server.lastURL.searchParams.get('no_track_activity')).toBe('1');
    // No cache-busting timestamp key: the server rejects unknown parameters.
    expect([...server.lastURL.searchParams.keys()]).toEqual([
      'no_track_activity'
    ]);
  });

  it('parses the error body into an ApiError with code, message and field', async () => {
    const server = new FakeServer(() =>
      json(
        {
          error: {
            code: 'ValidationError',
            message: 'The name must be 1 to 63 letters, digits or dashes.',
            field: 'name'
          }
        },
        400,
        'Bad Request'
      )
    );
    const error = await createLifecycleConfig(
      { name: 'bad name!', type: 'on-start', content: 'echo hi' },
      { settings: server.settings }
    ).then(
      () => null,
      (reason: unknown) => reason
    );
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe('ValidationError');
    expect(apiError.message).toBe(
      'The name must be 1 to 63 letters, digits or dashes.'
    );
    expect(apiError.field).toBe('name');
    expect(apiError.isNetworkError).toBe(false);
  });

  it('uses null for a missing field', async () => {
    const server = new FakeServer(() =>
      json({ error: { code: 'NotFound', message: 'No such thing.' } }, 404)
    );
    await expect(
      getLifecycleConfig('gone', { settings: server.settings })
    ).rejects.toMatchObject({
      status: 404,
      code: 'NotFound',
      message: 'No such thing.',
      field: null
    });
  });

  it('reads the message of Jupyter server error pages', async () => {
    const server = new FakeServer(() =>
      json({ message: "'_xsrf' argument missing from POST", reason: null }, 403)
    );
    await expect(
      requestAPI('status', {}, { settings: server.settings })
    ).rejects.toMatchObject({
      status: 403,
      code: 'HTTPError',
      message: "'_xsrf' argument missing from POST"
    });
  });

  it('explains a 404 without a JSON body (server extension missing)', async () => {
    const server = new FakeServer(
      () =>
        new Response('<html>404</html>', {
          status: 404,
          statusText: 'Not Found'
        })
    );
    const error = await getStatus({ settings: server.settings }).catch(
      (reason: ApiError) => reason
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('NotFound');
    expect((error as ApiError).message).toMatch(
      /SM Studio server extension did not answer/
    );
  });

  it('turns a failed fetch into a network ApiError', async () => {
    const server = new FakeServer(() => {
      throw new TypeError('Failed to fetch');
    });
    const error = await getStatus({ settings: server.settings }).catch(
      (reason: ApiError) => reason
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(0);
    expect((error as ApiError).isNetworkError).toBe(true);
    expect((error as ApiError).code).toBe('NetworkError');
    expect((error as ApiError).message).toContain('Failed to fetch');
  });

  it('rejects a success answer that is not JSON', async () => {
    const server = new FakeServer(() => new Response('hello', { status: 200 }));
    await expect(
      getStatus({ settings: server.settings })
    ).rejects.toMatchObject({ code: 'InvalidResponse' });
  });
});

describe('lifecycle configs', () => {
  it('POSTs the body as JSON', async () => {
    const created = {
      name: 'install-tools',
      type: 'on-start',
      content: 'pip install black',
      owner: 'alice',
      created_ms: 1,
      modified_ms: 1
    };
    const server = new FakeServer(() => json(created, 201, 'Created'));
    const result = await createLifecycleConfig(
      { name: 'install-tools', type: 'on-start', content: 'pip install black' },
      { settings: server.settings }
    );
    expect(result).toEqual(created);
    expect(server.last.method).toBe('POST');
    expect(server.last.headers.get('Content-Type')).toBe('application/json');
    expect(JSON.parse(await server.last.text())).toEqual({
      name: 'install-tools',
      type: 'on-start',
      content: 'pip install black'
    });
    expect(server.lastURL.pathname).toBe(
      '/user/alice/smstudio/api/lifecycle-configs'
    );
  });

  it('encodes names in the path and accepts empty answers', async () => {
    const server = new FakeServer(() => new Response(null, { status: 204 }));
    await expect(
      deleteLifecycleConfig('a/b c', { settings: server.settings })
    ).resolves.toBeUndefined();
    expect(server.last.method).toBe('DELETE');
    expect(server.lastURL.pathname).toBe(
      '/user/alice/smstudio/api/lifecycle-configs/a%2Fb%20c'
    );
  });

  it('sends the list query parameters', async () => {
    const server = new FakeServer(() => json({ items: [], next_token: null }));
    await listLifecycleConfigs(
      {
        limit: 20,
        next_token: 'abc',
        name_contains: 'tools',
        sort_by: 'name',
        sort_order: 'desc'
      },
      { settings: server.settings, poll: true }
    );
    const params = server.lastURL.searchParams;
    expect(params.get('limit')).toBe('20');
    expect(params.get('next_token')).toBe('abc');
    expect(params.get('name_contains')).toBe('tools');
    expect(params.get('sort_by')).toBe('name');
    expect(params.get('sort_order')).toBe('desc');
    expect(params.get('no_track_activity')).toBe('1');
  });
});

describe('list routes', () => {
  it.each([
    [listSpaces, 'spaces'],
    [listTrainingJobs, 'training-jobs'],
    [listEndpoints, 'endpoints'],
    [listWranglerFlows, 'wrangler/flows']
  ])('calls the right route (%#)', async (list, route) => {
    const page = {
      items: [{ name: 'one', status: 'InService', created_ms: 5 }],
      next_token: null
    };
    const server = new FakeServer(() => json(page));
    await expect(list({}, { settings: server.settings })).resolves.toEqual(
      page
    );
    expect(server.lastURL.pathname).toBe(`/user/alice/smstudio/api/${route}`);
  });
});
