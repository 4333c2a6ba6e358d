import { Widget } from '@lumino/widgets';

import { ApiError } from '../api';
import type {
  CallOptions,
  IListPage,
  IListQuery,
  ISpace,
  IStatus
} from '../api';
import { ListSection } from '../components/listsection';
import { addBuiltInSections, SmStudioSidebar } from '../sidebar';
import { spacesSection } from '../spaces';
import { StatusItem, statusText } from '../status/item';
import { StatusModel } from '../status/model';
import { SidebarSections } from '../studio';
import { SECTION_RANKS } from '../tokens';
import { wranglerSection } from '../wrangler';
import { trans, waitFor } from './helpers';

function makeStatus(overrides: Partial<IStatus> = {}): IStatus {
  return {
    version: '0.1.0',
    user: { username: 'alice', display_name: 'Alice' },
    server_time_ms: 1732165200000,
    features: {
      spaces: false,
      training: false,
      endpoints: false,
      wrangler: false
    },
    current_space: null,
    ...overrides
  };
}

/**
 * Wait until `predicate` holds, re-checking every few milliseconds.
 */
type ListCall = { query?: IListQuery; options?: CallOptions };

describe('ListSection', () => {
  let disposables: Widget[] = [];
  let models: StatusModel[] = [];

  function mount(
    fetchStatus: () => Promise<IStatus>,
    list: (
      query?: IListQuery,
      options?: CallOptions
    ) => Promise<IListPage<ISpace>>
  ): ListSection<ISpace> {
    const status = new StatusModel({ refreshSeconds: 60, fetchStatus });
    const section = new ListSection<ISpace>(
      { ...spacesSection(trans), list },
      { status, refreshSeconds: 60 }
    );
    Widget.attach(section, document.body);
    disposables.push(section);
    models.push(status);
    return section;
  }

  afterEach(() => {
    disposables.forEach(widget => widget.dispose());
    models.forEach(model => model.dispose());
    disposables = [];
    models = [];
  });

  it('has a stable data attribute and title', () => {
    const section = mount(
      () => Promise.resolve(makeStatus()),
      () => Promise.resolve({ items: [], next_token: null })
    );
    expect(section.node.getAttribute('data-smstudio-section')).toBe('spaces');
    expect(section.title.label).toBe('Spaces');
  });

  it('shows the empty state without calling the list route when the area is off', async () => {
    const calls: ListCall[] = [];
    const section = mount(
      () => Promise.resolve(makeStatus()),
      (query, options) => {
        calls.push({ query, options });
        return Promise.resolve({ items: [], next_token: null });
      }
    );
    await waitFor(() => !!section.node.querySelector('[data-smstudio-empty]'));
    const empty = section.node.querySelector('[data-smstudio-empty]')!;
    expect(empty.textContent).toContain('No spaces yet.');
    expect(empty.textContent).toContain('will appear here');
    expect(calls).toHaveLength(0);
  });

  it('polls the list route with no_track_activity when the area is on', async () => {
    const calls: ListCall[] = [];
    const section = mount(
      () =>
        Promise.resolve(
          makeStatus({
            features: {
              spaces: true,
              training: false,
              endpoints: false,
              wrangler: false
            }
          })
        ),
      (query, options) => {
        calls.push({ query, options });
        return Promise.resolve({ items: [], next_token: null });
      }
    );
    await waitFor(() => calls.length > 0);
    await waitFor(() => !!section.node.querySelector('[data-smstudio-empty]'));
    expect(calls[0].options?.poll).toBe(true);
    expect(calls[0].query?.limit).toBeGreaterThan(0);
  });

  it('lists the items the server answers', async () => {
    const section = mount(
      () =>
        Promise.resolve(
          makeStatus({
            features: {
              spaces: true,
              training: false,
              endpoints: false,
              wrangler: false
            }
          })
        ),
      () =>
        Promise.resolve({
          items: [
            {
              name: 'data-science',
              status: 'InService',
              created_ms: 1,
              profile: 'ml.t3.medium'
            },
            { name: 'gpu-box', status: 'Failed', created_ms: 2 }
          ],
          next_token: null
        })
    );
    await waitFor(
      () => section.node.querySelectorAll('[data-smstudio-item]').length === 2
    );
    const first = section.node.querySelector(
      '[data-smstudio-item="data-science"]'
    )!;
    expect(first.textContent).toContain('ml.t3.medium');
    expect(first.textContent).toContain('InService');
    expect(section.node.querySelector('[data-smstudio-empty]')).toBeNull();
  });

  it('shows the server error message when /status fails', async () => {
    const section = mount(
      () =>
        Promise.reject(
          new ApiError({
            status: 500,
            code: 'InternalError',
            message: 'The database file is locked.'
          })
        ),
      () => Promise.resolve({ items: [], next_token: null })
    );
    await waitFor(() => !!section.node.querySelector('[data-smstudio-error]'));
    const error = section.node.querySelector('[data-smstudio-error]')!;
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toContain('The database file is locked.');
    expect(error.textContent).toContain('InternalError (HTTP 500)');
  });

  it('shows the server error message when the list route fails', async () => {
    const section = mount(
      () =>
        Promise.resolve(
          makeStatus({
            features: {
              spaces: true,
              training: false,
              endpoints: false,
              wrangler: false
            }
          })
        ),
      () =>
        Promise.reject(
          new ApiError({
            status: 400,
            code: 'ValidationError',
            message: 'limit must be at most 100',
            field: 'limit'
          })
        )
    );
    await waitFor(() => !!section.node.querySelector('[data-smstudio-error]'));
    expect(
      section.node.querySelector('[data-smstudio-error]')!.textContent
    ).toContain('limit must be at most 100');
  });

  it('refresh (the toolbar button) is a user call without no_track_activity', async () => {
    const calls: ListCall[] = [];
    const section = mount(
      () =>
        Promise.resolve(
          makeStatus({
            features: {
              spaces: true,
              training: false,
              endpoints: false,
              wrangler: false
            }
          })
        ),
      (query, options) => {
        calls.push({ query, options });
        return Promise.resolve({ items: [], next_token: null });
      }
    );
    await waitFor(() => calls.length > 0);
    const before = calls.length;
    await section.refresh();
    await waitFor(() => calls.length > before);
    expect(calls[calls.length - 1].options?.poll).toBe(false);
  });
});

describe('SmStudioSidebar', () => {
  it('has the four sections in order', () => {
    const status = new StatusModel({
      refreshSeconds: 60,
      fetchStatus: () => Promise.resolve(makeStatus())
    });
    // What the main plugin and the Data Wrangler plugin add.
    const sections = new SidebarSections();
    addBuiltInSections(sections, trans);
    sections.addSection(wranglerSection(trans), {
      rank: SECTION_RANKS.wrangler
    });
    const sidebar = new SmStudioSidebar({
      status,
      sections,
      refreshSeconds: 60
    });
    expect(sidebar.id).toBe('smstudio-sidebar');
    expect(sidebar.sections.map(s => s.node.dataset.smstudioSection)).toEqual([
      'spaces',
      'jobs',
      'endpoints',
      'wrangler'
    ]);
    expect(sidebar.sections.map(s => s.title.label)).toEqual([
      'Spaces',
      'Jobs',
      'Endpoints',
      'Data Wrangler'
    ]);
    sidebar.dispose();
    status.dispose();
  });
});

describe('status bar item', () => {
  it('says which space and compute the user is on', () => {
    expect(statusText(makeStatus())).toBe('SM Studio: no space');
    expect(
      statusText(
        makeStatus({
          current_space: { name: 'research', profile: 'ml.g5.xlarge' }
        })
      )
    ).toBe('SM Studio: research · ml.g5.xlarge');
  });

  it('renders the current space', async () => {
    const status = new StatusModel({
      refreshSeconds: 60,
      fetchStatus: () =>
        Promise.resolve(
          makeStatus({
            current_space: { name: 'research', profile: 'ml.t3.medium' }
          })
        )
    });
    const item = new StatusItem(status);
    Widget.attach(item, document.body);
    expect(item.node.hasAttribute('data-smstudio-status')).toBe(true);
    await waitFor(
      () => item.node.textContent === 'SM Studio: research · ml.t3.medium'
    );
    item.dispose();
    status.dispose();
  });
});
