/* eslint-disable jupyter/no-untranslated-string -- section titles of a test plugin, not UI text. */
import { JupyterLab, LabShell } from '@jupyterlab/application';
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ServiceManagerMock } from '@jupyterlab/services/lib/testutils';
import { Widget } from '@lumino/widgets';

import type { IListPage, IResourceSummary, IStatus } from '../api';
import type { ISectionDefinition } from '../components/listsection';
import plugins from '../index';
import { jobWidgetId } from '../jobs/detail';
import { addBuiltInSections, SmStudioSidebar } from '../sidebar';
import { StatusModel } from '../status/model';
import { openInMain, SidebarSections, SMStudio } from '../studio';
import { DEFAULT_SECTION_RANK, ISMStudio, SECTION_RANKS } from '../tokens';
import type { ISidebarSectionsChange } from '../tokens';
import { wranglerSection } from '../wrangler';
import { trans, waitFor } from './helpers';

function makeStatus(training: boolean): IStatus {
  return {
    version: '0.1.0',
    user: { username: 'alice', display_name: 'Alice' },
    server_time_ms: 1,
    features: { spaces: false, training, endpoints: false, wrangler: false },
    current_space: null
  };
}

/**
 * A section of another plugin (say, tuning) that counts its list calls.
 */
function tuningSection(
  calls: { poll?: boolean }[] = []
): ISectionDefinition<IResourceSummary> {
  return {
    id: 'tuning',
    title: 'Tuning',
    feature: 'training',
    list: (_query, options) => {
      calls.push({ poll: options?.poll });
      return Promise.resolve<IListPage<IResourceSummary>>({
        items: [{ name: 'sweep-1', status: 'InProgress', created_ms: 1 }],
        next_token: null
      });
    },
    emptyTitle: 'No tuning jobs yet.',
    emptyHint: 'Tuning jobs will appear here.'
  };
}

function section(id: string): ISectionDefinition<IResourceSummary> {
  return { ...tuningSection(), id, title: id };
}

/**
 * The main-area widget on show (jsdom has no focus to track `currentWidget`).
 */
function onShow(shell: LabShell): string[] {
  return [...shell.widgets('main')].filter(w => w.isVisible).map(w => w.id);
}

function idsOf(sections: SidebarSections): string[] {
  return sections.sections.map(s => s.definition.id);
}

function shownIds(sidebar: Widget): string[] {
  return [...sidebar.node.querySelectorAll('[data-smstudio-section]')].map(
    node => (node as HTMLElement).dataset.smstudioSection!
  );
}

describe('SidebarSections', () => {
  it('keeps sections in rank order, equal ranks in the order they came', () => {
    const sections = new SidebarSections();
    sections.addSection(section('c'), { rank: 300 });
    sections.addSection(section('a'), { rank: 100 });
    sections.addSection(section('b1'), { rank: 200 });
    sections.addSection(section('b2'), { rank: 200 });
    expect(idsOf(sections)).toEqual(['a', 'b1', 'b2', 'c']);
    expect(sections.sections.map(s => s.rank)).toEqual([100, 200, 200, 300]);
  });

  it('puts a section without a rank after ours', () => {
    const sections = new SidebarSections();
    addBuiltInSections(sections, trans);
    sections.addSection(section('late'));
    sections.addSection(wranglerSection(trans), {
      rank: SECTION_RANKS.wrangler
    });
    expect(idsOf(sections)).toEqual([
      'spaces',
      'jobs',
      'endpoints',
      'wrangler',
      'late'
    ]);
    expect(sections.sections[4].rank).toBe(DEFAULT_SECTION_RANK);
  });

  it('refuses a second section with the same id and keeps the first', () => {
    const sections = new SidebarSections();
    sections.addSection(section('tuning'), { rank: 10 });
    expect(() => sections.addSection(section('tuning'))).toThrow(
      'The SM Studio sidebar has a section "tuning" already.'
    );
    expect(sections.sections).toHaveLength(1);
    expect(sections.sections[0].rank).toBe(10);
  });

  it('says where each section came and went', () => {
    const sections = new SidebarSections();
    const changes: Omit<ISidebarSectionsChange, 'section'>[] = [];
    sections.changed.connect((_, change) =>
      changes.push({ type: change.type, index: change.index })
    );
    sections.addSection(section('b'), { rank: 2 });
    const a = sections.addSection(section('a'), { rank: 1 });
    a.dispose();
    a.dispose();
    expect(changes).toEqual([
      { type: 'added', index: 0 },
      { type: 'added', index: 0 },
      { type: 'removed', index: 0 }
    ]);
    expect(idsOf(sections)).toEqual(['b']);
    expect(sections.has('a')).toBe(false);
    // Its id is free again.
    sections.addSection(section('a'), { rank: 1 });
    expect(idsOf(sections)).toEqual(['a', 'b']);
  });
});

describe('SmStudioSidebar with sections added later', () => {
  let disposables: { dispose(): void }[] = [];

  afterEach(() => {
    disposables.reverse().forEach(d => d.dispose());
    disposables = [];
  });

  async function mount(training = true): Promise<{
    sections: SidebarSections;
    sidebar: SmStudioSidebar;
  }> {
    const status = new StatusModel({
      refreshSeconds: 60,
      fetchStatus: () => Promise.resolve(makeStatus(training))
    });
    const sections = new SidebarSections();
    addBuiltInSections(sections, trans);
    const sidebar = new SmStudioSidebar({
      status,
      sections,
      refreshSeconds: 60
    });
    Widget.attach(sidebar, document.body);
    disposables.push(status, sidebar);
    // The sidebar has rendered: the Spaces section shows its empty state.
    await waitFor(
      () =>
        !!sidebar.node.querySelector(
          '[data-smstudio-section="spaces"] [data-smstudio-empty]'
        )
    );
    return { sections, sidebar };
  }

  it('shows a section added after it rendered, at its rank, with its items', async () => {
    const { sections, sidebar } = await mount();
    const calls: { poll?: boolean }[] = [];
    sections.addSection(tuningSection(calls), { rank: 250 });
    expect(shownIds(sidebar)).toEqual([
      'spaces',
      'jobs',
      'tuning',
      'endpoints'
    ]);
    expect(sidebar.sections.map(s => s.title.label)).toEqual([
      'Spaces',
      'Jobs',
      'Tuning',
      'Endpoints'
    ]);
    await waitFor(
      () =>
        !!sidebar.node.querySelector(
          '[data-smstudio-section="tuning"] [data-smstudio-item="sweep-1"]'
        )
    );
    expect(calls[0].poll).toBe(true);
    // The sidebar's refresh reaches it too, as a user call.
    const before = calls.length;
    await sidebar.refresh();
    expect(calls.length).toBeGreaterThan(before);
    expect(calls[calls.length - 1].poll).toBe(false);
  });

  it('drops a removed section and stops asking for its list', async () => {
    const { sections, sidebar } = await mount();
    const calls: { poll?: boolean }[] = [];
    const added = sections.addSection(tuningSection(calls), { rank: 1 });
    await waitFor(() => calls.length > 0);
    const widget = sidebar.sections[0];
    expect(widget.node.dataset.smstudioSection).toBe('tuning');
    added.dispose();
    expect(shownIds(sidebar)).toEqual(['spaces', 'jobs', 'endpoints']);
    expect(widget.isDisposed).toBe(true);
    expect(widget.model.isDisposed).toBe(true);
    const before = calls.length;
    await sidebar.refresh();
    expect(calls).toHaveLength(before);
  });

  it('polls a late section at the interval set before it came', async () => {
    const { sections, sidebar } = await mount(false);
    sidebar.refreshSeconds = 42;
    sections.addSection(tuningSection(), { rank: 1 });
    expect(sidebar.sections[0].model.refreshSeconds).toBe(42);
  });

  it('stops following the sections once disposed', async () => {
    const { sections, sidebar } = await mount(false);
    sidebar.dispose();
    expect(() => sections.addSection(tuningSection())).not.toThrow();
    expect(sidebar.sections).toHaveLength(3);
    expect(sidebar.sections.map(s => s.isDisposed)).not.toContain(false);
  });
});

describe('opening a job by kind and name', () => {
  let shell: LabShell;

  beforeEach(() => {
    shell = new LabShell({ waitForRestore: false });
    Widget.attach(shell, document.body);
  });

  afterEach(() => {
    shell.dispose();
  });

  function detail(kind: string, name: string): Widget {
    const widget = new Widget();
    widget.id = `smstudio-job-${kind}-${name}`;
    widget.title.label = name;
    return widget;
  }

  it('opens a detail view once and brings it forward after', () => {
    const made: string[] = [];
    const studio = new SMStudio({
      openJob: (kind, name) =>
        openInMain(shell, jobWidgetId(kind, name), () => {
          made.push(`${kind}:${name}`);
          return detail(kind, name);
        }),
      openEndpoint: () => undefined
    });
    studio.openJob('training', 'j');
    studio.openJob('processing', 'prep');
    expect(onShow(shell)).toEqual(['smstudio-job-processing-prep']);
    studio.openJob('training', 'j');
    expect(made).toEqual(['training:j', 'processing:prep']);
    expect(onShow(shell)).toEqual(['smstudio-job-training-j']);
    expect([...shell.widgets('main')].map(w => w.id)).toEqual([
      'smstudio-job-training-j',
      'smstudio-job-processing-prep'
    ]);
  });

  it('is how the Jobs section opens the job the user picks', () => {
    const opened: string[] = [];
    const studio = new SMStudio({
      openJob: (kind, name) => opened.push(`${kind}:${name}`),
      openEndpoint: () => undefined
    });
    addBuiltInSections(studio.sections, trans, {
      openJob: (kind, name) => studio.openJob(kind, name)
    });
    const jobs = studio.sections.sections.find(
      s => s.definition.id === 'jobs'
    )!.definition;
    jobs.open?.({ name: 'score', kind: 'transform' });
    expect(opened).toEqual(['transform:score']);
  });

  it('is how the Endpoints section opens the endpoint the user picks', () => {
    const opened: string[] = [];
    const studio = new SMStudio({
      openJob: () => undefined,
      openEndpoint: name => opened.push(name)
    });
    addBuiltInSections(studio.sections, trans, {
      openEndpoint: name => studio.openEndpoint(name)
    });
    const endpoints = studio.sections.sections.find(
      s => s.definition.id === 'endpoints'
    )!.definition;
    endpoints.open?.({ name: 'churn', status: 'InService' });
    expect(opened).toEqual(['churn']);
  });
});

describe('ISMStudio in JupyterLab', () => {
  const realFetch = globalThis.fetch;
  let app: JupyterLab;

  beforeEach(() => {
    // Every area off: the sections show their empty states without lists.
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      const path = new URL((input as Request).url).pathname;
      const body = path.endsWith('/smstudio/api/status')
        ? makeStatus(false)
        : { error: { code: 'NotFound', message: 'not in this test' } };
      return new Response(JSON.stringify(body), {
        status: path.endsWith('/status') ? 200 : 404,
        headers: { 'Content-Type': 'application/json' }
      });
    }) as typeof fetch;
    // No Jupyter server runs under jest: JupyterLab's own stand-in for its
    // service manager.
    app = new JupyterLab({
      shell: new LabShell({ waitForRestore: false }),
      serviceManager: new ServiceManagerMock()
    });
    Widget.attach(app.shell, document.body);
  });

  afterEach(() => {
    app.shell.dispose();
    globalThis.fetch = realFetch;
  });

  it('lets another plugin add a section after the sidebar rendered, and open a job', async () => {
    const [main, wrangler] = plugins;
    let studio: ISMStudio | null = null;
    const tuning: JupyterFrontEndPlugin<void> = {
      id: 'test:tuning',
      description: 'A later panel that joins the SM Studio sidebar.',
      requires: [ISMStudio],
      activate: (_, service: ISMStudio) => {
        studio = service;
        service.sections.addSection(tuningSection(), { rank: 150 });
      }
    };
    app.registerPlugins([main, wrangler, tuning]);
    await app.activatePlugin(wrangler.id);
    const sidebar = [...app.shell.widgets('left')].find(
      w => w.id === 'smstudio-sidebar'
    )!;
    // The Data Wrangler plugin added its section through the token.
    expect(shownIds(sidebar)).toEqual([
      'spaces',
      'jobs',
      'endpoints',
      'wrangler'
    ]);
    await waitFor(
      () =>
        !!sidebar.node.querySelector(
          '[data-smstudio-section="jobs"] [data-smstudio-empty]'
        )
    );

    await app.activatePlugin(tuning.id);
    expect(shownIds(sidebar)).toEqual([
      'spaces',
      'tuning',
      'jobs',
      'endpoints',
      'wrangler'
    ]);

    studio!.openJob('processing', 'prep');
    studio!.openJob('processing', 'prep');
    const opened = [...app.shell.widgets('main')].filter(
      w => w.id === 'smstudio-job-processing-prep'
    );
    expect(opened).toHaveLength(1);
    expect(opened[0].title.label).toBe('Processing: prep');
    expect(onShow(app.shell)).toEqual(['smstudio-job-processing-prep']);
    opened[0].dispose();
  });

  it('lets another plugin open an endpoint through the token, once', async () => {
    const [main] = plugins;
    let studio: ISMStudio | null = null;
    const other: JupyterFrontEndPlugin<void> = {
      id: 'test:endpoint-opener',
      description:
        'A later panel that opens endpoints (say, a model registry).',
      requires: [ISMStudio],
      activate: (_, service: ISMStudio) => {
        studio = service;
      }
    };
    app.registerPlugins([main, other]);
    await app.activatePlugin(other.id);
    studio!.openEndpoint('churn');
    studio!.openEndpoint('churn');
    const opened = [...app.shell.widgets('main')].filter(
      w => w.id === 'smstudio-endpoint-churn'
    );
    expect(opened).toHaveLength(1);
    expect(opened[0].title.label).toBe('Endpoint churn');
    expect(onShow(app.shell)).toEqual(['smstudio-endpoint-churn']);
    opened[0].dispose();
  });
});
