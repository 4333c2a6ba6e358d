import * as React from 'react';
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import {
  ApiError,
  checkSpaceName,
  createSpace,
  deleteSpace,
  formatStorage,
  getLifecycleLog,
  getSpace,
  listComputeProfiles,
  listSpaceEvents,
  setKernelProfile,
  spaceKernelName,
  spaceOfKernelName,
  startSpace,
  stopSpace,
  updateSpace
} from '../api';
import type {
  IComputeProfileList,
  IListPage,
  ISpace,
  ISpaceInfo,
  IStatus
} from '../api';
import { ListSection } from '../components/listsection';
import { profileLabel } from '../spaces/catalog';
import type { ISpacesCatalog } from '../spaces/catalog';
import {
  IdleTimeoutEditor,
  formFieldOf,
  makeCreateBody
} from '../spaces/components';
import type {
  IConfirmOptions,
  ISpacesEnvironment
} from '../spaces/environment';
import { profileOfDisplayName } from '../spaces/activespace';
import { spacesSection } from '../spaces';
import { StatusItem } from '../status/item';
import { StatusModel } from '../status/model';
import { fieldError, json, trans, typeInto, waitFor } from './helpers';

const BASE_URL = 'http://localhost:8888/user/alice/';
function makeSpace(overrides: Partial<ISpaceInfo> = {}): ISpaceInfo {
  return {
    name: 'research',
    owner: 'alice',
    sharing: 'private',
    members: [],
    storage_gb: 5,
    profile: 'ml.t3.medium',
    image: null,
    lifecycle_configs: [],
    idle_timeout_minutes: null,
    backend: 'local',
    status: 'InService',
    failure_reason: null,
    kernel_name: 'smstudio-research',
    created_ms: 1732165200000,
    modified_ms: 1732165200000,
    ...overrides
  };
}

/**
 * Records requests and answers them with `answer(method, path, body)`.
 */
class FakeServer {
  constructor(
    private _answer: (
      method: string,
      path: string,
      body: unknown,
      url: URL
    ) => Response
  ) {}

  readonly requests: { method: string; url: URL; body: unknown }[] = [];

  readonly settings = ServerConnection.makeSettings({
    baseUrl: BASE_URL,
    fetch: (input: RequestInfo | URL) => this.handle(input as Request)
  });

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const text = await request.text();
    const body = text ? JSON.parse(text) : undefined;
    this.requests.push({ method: request.method, url, body });
    const path = url.pathname.replace(/^.*\/smstudio\/api\//, '');
    return this._answer(request.method, path, body, url);
  }

  get last(): { method: string; url: URL; body: unknown } {
    return this.requests[this.requests.length - 1];
  }
}

describe('spaces API', () => {
  it('creates a space with a JSON POST and returns it', async () => {
    const server = new FakeServer(() =>
      json(makeSpace({ status: 'Pending' }), 201)
    );
    const space = await createSpace(
      { name: 'research', profile: 'ml.t3.medium', start: true },
      { settings: server.settings }
    );
    expect(space.status).toBe('Pending');
    expect(server.last.method).toBe('POST');
    expect(server.last.url.pathname).toBe('/user/alice/smstudio/api/spaces');
    expect(server.last.body).toEqual({
      name: 'research',
      profile: 'ml.t3.medium',
      start: true
    });
  });

  it('reports the field of a refused create', async () => {
    const server = new FakeServer(() =>
      fieldError(
        'name',
        'Space names use 1 to 63 letters, digits and hyphens.',
        400,
        'InvalidInput'
      )
    );
    const error = await createSpace(
      { name: 'bad name' },
      { settings: server.settings }
    ).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).field).toBe('name');
    expect(formFieldOf((error as ApiError).field)).toBe('name');
  });

  it('uses the right method and path for each action', async () => {
    const server = new FakeServer((method, path) => {
      if (method === 'DELETE') {
        return json(null, 204);
      }
      if (path.endsWith('/events')) {
        return json({
          items: [{ time_ms: 1, kind: 'created', message: 'Created.' }],
          next_token: null
        });
      }
      if (path.endsWith('/lifecycle-log')) {
        return json({ text: 'hello\n', next_cursor: 6, size: 6 });
      }
      if (method === 'PATCH') {
        return json({
          space: makeSpace({ profile: 'ml.m5.large' }),
          moved_kernels: ['k1'],
          note: 'Kernels restarted.'
        });
      }
      if (path === 'compute-profiles') {
        return json({ items: [], default_profile: 'ml.t3.medium' });
      }
      if (path.includes('/kernels/')) {
        return json({ id: 'k 1', profile: 'ml.m5.large' });
      }
      return json(makeSpace());
    });
    const settings = server.settings;
    const calls: [() => Promise<unknown>, string, string][] = [
      [() => getSpace('a b', { settings }), 'GET', 'spaces/a%20b'],
      [
        () => updateSpace('research', { profile: 'ml.m5.large' }, { settings }),
        'PATCH',
        'spaces/research'
      ],
      [
        () => deleteSpace('research', { settings }),
        'DELETE',
        'spaces/research'
      ],
      [
        () => startSpace('research', { settings }),
        'POST',
        'spaces/research/start'
      ],
      [
        () => stopSpace('research', { settings }),
        'POST',
        'spaces/research/stop'
      ],
      [
        () => listSpaceEvents('research', { settings }),
        'GET',
        'spaces/research/events'
      ],
      [
        () => getLifecycleLog('research', 42, { settings, poll: true }),
        'GET',
        'spaces/research/lifecycle-log'
      ],
      [
        () => setKernelProfile('research', 'k 1', 'ml.m5.large', { settings }),
        'PUT',
        'spaces/research/kernels/k%201'
      ],
      [() => listComputeProfiles({ settings }), 'GET', 'compute-profiles']
    ];
    for (const [call, method, path] of calls) {
      await call();
      expect(server.last.method).toBe(method);
      expect(server.last.url.pathname).toBe(`/user/alice/smstudio/api/${path}`);
    }
    const log = server.requests.find(r => r.url.pathname.endsWith('-log'))!;
    expect(log.url.searchParams.get('cursor')).toBe('42');
    expect(log.url.searchParams.get('no_track_activity')).toBe('1');
    const patch = server.requests.find(r => r.method === 'PATCH')!;
    expect(patch.body).toEqual({ profile: 'ml.m5.large' });
    const put = server.requests.find(r => r.method === 'PUT')!;
    expect(put.body).toEqual({ profile: 'ml.m5.large' });
    await expect(
      listSpaceEvents('research', { settings })
    ).resolves.toHaveLength(1);
    await expect(deleteSpace('research', { settings })).resolves.toBe(
      undefined
    );
  });
});

describe('spaces helpers', () => {
  it('formats storage use like "0.2 of 5 GB"', () => {
    expect(formatStorage(200_000_000, 5)).toBe('0.2 of 5 GB');
    expect(formatStorage(0, 5)).toBe('0 of 5 GB');
    // Decimal gigabytes, as the server counts them (not GiB).
    expect(formatStorage(2_500_000_000, 5)).toBe('2.5 of 5 GB');
    expect(formatStorage(1_000, 5)).toBe('< 0.1 of 5 GB');
    expect(formatStorage(undefined, 5)).toBe('5 GB');
  });

  it('checks names like the server', () => {
    expect(checkSpaceName('research-2')).toBeNull();
    expect(checkSpaceName('has space')).toBe('characters');
    expect(checkSpaceName('a'.repeat(63))).toBeNull();
    expect(checkSpaceName('')).not.toBeNull();
    expect(checkSpaceName('a'.repeat(64))).not.toBeNull();
    expect(checkSpaceName('-lead')).not.toBeNull();
    expect(checkSpaceName('trail-')).not.toBeNull();
    expect(checkSpaceName('has space')).not.toBeNull();
    expect(checkSpaceName('under_score')).not.toBeNull();
  });

  it('maps kernel names to spaces and back', () => {
    expect(spaceKernelName('research')).toBe('smstudio-research');
    expect(spaceOfKernelName('smstudio-research')).toBe('research');
    expect(spaceOfKernelName('python3')).toBeNull();
    expect(spaceOfKernelName('smstudio-')).toBeNull();
    expect(spaceOfKernelName(null)).toBeNull();
    expect(profileOfDisplayName('Python 3 · research · ml.m5.large')).toBe(
      'ml.m5.large'
    );
    expect(profileOfDisplayName('Python 3 (ipykernel)')).toBe('');
  });

  it('builds the create body from the form', () => {
    expect(
      makeCreateBody({
        name: ' research ',
        profile: 'ml.t3.medium',
        storageGb: '2',
        image: '',
        lifecycleConfigs: ['pip'],
        sharing: 'shared',
        members: 'bob, carol  dave'
      })
    ).toEqual({
      name: 'research',
      profile: 'ml.t3.medium',
      storage_gb: 2,
      image: null,
      lifecycle_configs: ['pip'],
      sharing: 'shared',
      members: ['bob', 'carol', 'dave'],
      start: true
    });
    expect(
      makeCreateBody({
        name: 'x',
        profile: '',
        storageGb: '',
        image: 'img:1',
        lifecycleConfigs: [],
        sharing: 'private',
        members: 'bob'
      })
    ).toMatchObject({ storage_gb: null, profile: null, members: [] });
    const idle = makeCreateBody({
      name: 'x',
      profile: '',
      storageGb: '',
      idleMinutes: ' 90 ',
      image: '',
      lifecycleConfigs: [],
      sharing: 'private',
      members: ''
    });
    expect(idle.idle_timeout_minutes).toBe(90);
  });

  it('finds the form field of an error', () => {
    expect(formFieldOf('body.storage_gb')).toBe('storage_gb');
    expect(formFieldOf('members.0')).toBe('members');
    expect(formFieldOf('idle_timeout_minutes')).toBe('idle_timeout_minutes');
    expect(formFieldOf('cursor')).toBeNull();
    expect(formFieldOf(null)).toBeNull();
  });

  it('describes profiles in plain words', () => {
    expect(
      profileLabel({ name: 'ml.t3.medium', cpus: 2, memory_gib: 4, gpus: 0 })
    ).toBe('ml.t3.medium (2 CPU, 4 GiB)');
    expect(
      profileLabel({ name: 'local', cpus: null, memory_gib: null, gpus: 0 })
    ).toBe('local (no limits)');
  });
});

const PROFILES: IComputeProfileList = {
  items: [
    {
      name: 'ml.t3.medium',
      cpus: 2,
      memory_gib: 4,
      gpus: 0,
      image: null,
      description: ''
    },
    {
      name: 'ml.m5.large',
      cpus: 2,
      memory_gib: 8,
      gpus: 0,
      image: null,
      description: ''
    }
  ],
  default_profile: 'ml.t3.medium'
};

function makeStatus(): IStatus {
  return {
    version: '0.1.0',
    user: { username: 'alice', display_name: 'Alice' },
    server_time_ms: 1,
    features: {
      spaces: true,
      training: false,
      endpoints: false,
      wrangler: false
    },
    current_space: null
  };
}

class FakeEnvironment implements ISpacesEnvironment {
  confirmations: IConfirmOptions[] = [];
  answer = true;
  opened: string[] = [];
  refreshes = 0;
  notes: string[] = [];

  openNotebook(space: string): Promise<void> {
    this.opened.push(space);
    return Promise.resolve();
  }
  refreshKernelSpecs(): Promise<void> {
    this.refreshes++;
    return Promise.resolve();
  }
  confirm(options: IConfirmOptions): Promise<boolean> {
    this.confirmations.push(options);
    return Promise.resolve(this.answer);
  }
  notify(message: string): void {
    this.notes.push(message);
  }
}

describe('Spaces section', () => {
  const realFetch = globalThis.fetch;
  let widgets: Widget[] = [];
  let models: StatusModel[] = [];
  let server: FakeServer;
  let space: ISpaceInfo;

  beforeEach(() => {
    space = makeSpace();
    server = new FakeServer((method, path, body, url) => {
      if (path === 'spaces' && method === 'GET') {
        return json({ items: [space], next_token: null });
      }
      if (path === 'spaces' && method === 'POST') {
        const name = (body as { name: string }).name;
        if (name === 'taken') {
          return fieldError(
            'name',
            "A space named 'taken' exists already.",
            409,
            'Conflict'
          );
        }
        return json(makeSpace({ name, status: 'Pending' }), 201);
      }
      if (path === 'spaces/research' && method === 'GET') {
        return json({
          ...space,
          storage_used_bytes: 200_000_000,
          kernels: [{ id: 'kernel-one-id', profile: space.profile }]
        });
      }
      if (path === 'spaces/research' && method === 'PATCH') {
        space = { ...space, profile: (body as { profile: string }).profile };
        return json({
          space,
          moved_kernels: ['kernel-one-id'],
          note: 'Kernels restarted on the new compute.'
        });
      }
      if (path === 'spaces/research/stop') {
        space = { ...space, status: 'Stopped' };
        return json(space);
      }
      if (path === 'spaces/research/lifecycle-log') {
        const cursor = Number(url.searchParams.get('cursor'));
        const lines = ['step 1\n', 'step 2\n'];
        const text = lines.join('');
        const chunk = cursor < 7 ? lines[0] : cursor < 14 ? lines[1] : '';
        return json({
          text: chunk,
          next_cursor: cursor + chunk.length,
          size: text.length
        });
      }
      if (path === 'lifecycle-configs') {
        return json({ items: [], next_token: null });
      }
      return json({ items: [], next_token: null, text: '', next_cursor: 0 });
    });
    globalThis.fetch = ((input: RequestInfo | URL) =>
      server.handle(input as Request)) as typeof fetch;
  });

  afterEach(() => {
    widgets.forEach(widget => widget.dispose());
    models.forEach(model => model.dispose());
    widgets = [];
    models = [];
    globalThis.fetch = realFetch;
  });

  function mount(env: FakeEnvironment): ListSection<ISpace> {
    const catalog: ISpacesCatalog = {
      profiles: () => Promise.resolve(PROFILES),
      lifecycleConfigs: () => Promise.resolve([])
    };
    const status = new StatusModel({
      refreshSeconds: 60,
      fetchStatus: () => Promise.resolve(makeStatus())
    });
    const list = (): Promise<IListPage<ISpace>> =>
      Promise.resolve({ items: [space], next_token: null });
    const section = new ListSection<ISpace>(
      { ...spacesSection(trans, { spaces: env, catalog }), list },
      { status, refreshSeconds: 60 }
    );
    Widget.attach(section, document.body);
    widgets.push(section);
    models.push(status);
    return section;
  }

  function row(section: ListSection<ISpace>): HTMLElement {
    return section.node.querySelector('[data-smstudio-space="research"]')!;
  }

  it('shows status, profile and storage use', async () => {
    const section = mount(new FakeEnvironment());
    await waitFor(() => !!row(section));
    await waitFor(
      () =>
        row(section).querySelector('[data-smstudio-space-storage]')!
          .textContent === '0.2 of 5 GB'
    );
    const badge = row(section).querySelector('[data-smstudio-space-status]')!;
    expect(badge.getAttribute('data-status')).toBe('inservice');
    expect(badge.textContent).toBe('Running');
    expect(
      row(section).querySelector('[data-smstudio-space-profile]')!.textContent
    ).toBe('ml.t3.medium');
  });

  it('changes compute only after the user confirms, and says which kernels moved', async () => {
    const env = new FakeEnvironment();
    const section = mount(env);
    await waitFor(() => !!row(section)?.querySelector('select:not(:disabled)'));
    await waitFor(() =>
      (row(section).textContent ?? '').includes('0.2 of 5 GB')
    );
    const select = row(section).querySelector('select')!;

    // Declined: nothing is sent.
    env.answer = false;
    select.value = 'ml.m5.large';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await waitFor(() => env.confirmations.length === 1);
    expect(env.confirmations[0].body.join(' ')).toMatch(
      /restarts? on ml\.m5\.large.*files are kept.*memory.*lost/i
    );
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(server.requests.filter(r => r.method === 'PATCH')).toHaveLength(0);

    // Confirmed: PATCH, kernelspecs refreshed, moved kernels shown.
    env.answer = true;
    select.value = 'ml.m5.large';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await waitFor(
      () => !!row(section).querySelector('[data-smstudio-space-message]')
    );
    const patch = server.requests.filter(r => r.method === 'PATCH');
    expect(patch).toHaveLength(1);
    expect(patch[0].body).toEqual({ profile: 'ml.m5.large' });
    expect(env.refreshes).toBeGreaterThan(0);
    expect(
      row(section).querySelector('[data-smstudio-space-message]')!.textContent
    ).toContain('Restarted kernels: kernel-o');
  });

  it('follows the lifecycle log with the cursor while the space starts', async () => {
    space = makeSpace({ status: 'Pending' });
    const section = mount(new FakeEnvironment());
    await waitFor(() => !!row(section));
    const toggle = row(section).querySelector(
      '.smstudio-Space-toggle'
    ) as HTMLButtonElement;
    toggle.click();
    const log = () =>
      row(section).querySelector('[data-smstudio-lifecycle-log] pre');
    await waitFor(() => log()?.textContent === 'step 1\nstep 2\n', 5000);
    const cursors = server.requests
      .filter(r => r.url.pathname.endsWith('/lifecycle-log'))
      .map(r => Number(r.url.searchParams.get('cursor')));
    expect(cursors.slice(0, 2)).toEqual([0, 7]);
    // Background reads never count as user activity.
    expect(
      server.requests
        .filter(r => r.url.pathname.endsWith('/lifecycle-log'))
        .every(r => r.url.searchParams.get('no_track_activity') === '1')
    ).toBe(true);
    expect(row(section).textContent).toContain('Following the log');
  });

  it('opens a notebook in the space', async () => {
    const env = new FakeEnvironment();
    const section = mount(env);
    await waitFor(() => !!row(section));
    const open = [...row(section).querySelectorAll('button')].find(
      button => button.textContent === 'Open notebook'
    )!;
    expect(open.disabled).toBe(false);
    open.click();
    await waitFor(() => env.opened.length === 1);
    expect(env.opened).toEqual(['research']);
  });

  it('shows the server message next to the name field', async () => {
    const env = new FakeEnvironment();
    const section = mount(env);
    await waitFor(
      () => !!section.node.querySelector('[data-smstudio-new-space]')
    );
    (
      section.node.querySelector('[data-smstudio-new-space]') as HTMLElement
    ).click();
    await waitFor(
      () => !!section.node.querySelector('[data-smstudio-create-space]')
    );
    const form = section.node.querySelector(
      '[data-smstudio-create-space]'
    ) as HTMLFormElement;
    const input = form.querySelector('input[name="name"]') as HTMLInputElement;
    // React tracks the value: set it the way a user's typing does.
    const setter = Object.getOwnPropertyDescriptor(
      HTMLInputElement.prototype,
      'value'
    )!.set!;
    setter.call(input, 'taken');
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await waitFor(() => input.value === 'taken');
    form.dispatchEvent(
      new Event('submit', { bubbles: true, cancelable: true })
    );
    await waitFor(
      () => !!form.querySelector('[data-smstudio-field-error="name"]')
    );
    expect(
      form.querySelector('[data-smstudio-field-error="name"]')!.textContent
    ).toBe("A space named 'taken' exists already.");
  });
});

describe('StatusItem with a notebook space', () => {
  it("shows the current notebook's space and compute first", async () => {
    const status = new StatusModel({
      refreshSeconds: 60,
      fetchStatus: () => Promise.resolve(makeStatus())
    });
    const changed = new Signal<unknown, void>({});
    const source = {
      current: null as { name: string; profile: string } | null,
      changed
    };
    const item = new StatusItem(status, nullTranslator, source);
    Widget.attach(item, document.body);
    await status.refresh();
    await waitFor(() => item.node.textContent === 'SM Studio: no space');
    source.current = { name: 'research', profile: 'ml.m5.large' };
    changed.emit(void 0);
    await waitFor(
      () => item.node.textContent === 'SM Studio: research · ml.m5.large'
    );
    item.dispose();
    status.dispose();
  });
});

describe('idle timeout editor', () => {
  it('saves a whole number of minutes and refuses anything else', async () => {
    const saved: number[] = [];
    const widget = ReactWidget.create(
      <IdleTimeoutEditor
        minutes={60}
        trans={trans}
        onSave={minutes => saved.push(minutes)}
      />
    );
    Widget.attach(widget, document.body);
    try {
      await waitFor(() => !!widget.node.querySelector('input'));
      const input = widget.node.querySelector('input')!;
      const button = widget.node.querySelector('button')!;
      expect(input.value).toBe('60');
      typeInto(input, '90');
      await waitFor(() => input.value === '90' && !button.disabled);
      button.click();
      expect(saved).toEqual([90]);
      typeInto(input, '-5');
      await waitFor(() => button.disabled);
      typeInto(input, '2.5');
      await waitFor(() => button.disabled);
      button.click();
      expect(saved).toEqual([90]);
    } finally {
      widget.dispose();
    }
  });
});
