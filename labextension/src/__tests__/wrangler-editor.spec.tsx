/* eslint-disable jupyter/no-untranslated-string -- server answers used as test data, not UI text. */
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { IFlow, IOperator, IPreview, IReport } from '../api';
import { FlowPanel } from '../wrangler/editor';
import { fieldError, json, waitFor } from './helpers';

const FLOW: IFlow = {
  name: 'sales.flow',
  schema_version: 1,
  version: 4,
  source: { kind: 'file', path: 'sales.csv' },
  sampling: { method: 'first', n: 50000, seed: 0 },
  steps: [
    {
      id: 's1',
      operator: 'drop_columns',
      operator_version: 1,
      params: { columns: ['notes'] },
      title: '',
      fitted: null,
      fitted_on: null
    },
    {
      id: 's2',
      operator: 'custom_formula',
      operator_version: 1,
      params: { expression: 'nope * 2', output_column: 'x' },
      title: '',
      fitted: null,
      fitted_on: null
    }
  ],
  target: null,
  modified_ms: 1,
  summaries: { s1: 'Drop notes' }
};

const REPORT: IReport = {
  table: {
    rows: 120,
    columns: 2,
    duplicate_rows: 0,
    memory_bytes: 1000,
    missing_cells: 1
  },
  columns: [],
  alerts: [],
  correlations: [],
  anomalous_rows: [],
  target: null,
  sample: 'first 50,000 rows',
  elapsed_ms: 1
};

const OPERATORS: IOperator[] = [
  {
    name: 'drop_columns',
    version: 1,
    title: 'Drop columns',
    group: 'Manage columns',
    description: '',
    fits: false,
    params_schema: {
      properties: {
        columns: { items: { type: 'string' }, type: 'array' }
      },
      required: ['columns'],
      type: 'object'
    }
  },
  {
    name: 'custom_formula',
    version: 1,
    title: 'Custom formula (SQL)',
    group: 'Custom',
    description: '',
    fits: false,
    params_schema: { properties: {}, type: 'object' }
  }
];

/**
 * Changes a test makes to the preview the server answers.
 */
let previewChange: Partial<IPreview> = {};

function preview(offset: number): IPreview {
  return {
    ...basePreview(offset),
    ...previewChange
  };
}

function basePreview(offset: number): IPreview {
  return {
    step: null,
    scope: 'sample',
    sample: 'first 50,000 rows',
    total_rows: 120,
    offset,
    columns: [
      { name: 'id', type: 'Int64' },
      { name: 'city', type: 'String' }
    ],
    rows: [
      [offset + 1, 'Oslo'],
      [offset + 2, null]
    ],
    diff: {
      rows_before: 120,
      rows_after: 120,
      added_columns: [],
      removed_columns: ['notes'],
      changed_types: {}
    },
    error: null,
    error_field: null,
    steps: [
      { id: 's1', error: null, error_field: null, warnings: [] },
      {
        id: 's2',
        error: 'unknown column: nope',
        error_field: 'params.expression',
        warnings: []
      }
    ],
    rejected_rows: [],
    elapsed_ms: 1
  };
}

interface ICall {
  method: string;
  url: URL;
  body: unknown;
}

describe('FlowPanel', () => {
  const realFetch = globalThis.fetch;
  let calls: ICall[];
  let panel: FlowPanel | null;
  let stale: boolean;

  beforeEach(() => {
    calls = [];
    stale = false;
    panel = null;
    previewChange = {};
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      const request = input as Request;
      const text = await request.text();
      const url = new URL(request.url);
      calls.push({
        method: request.method,
        url,
        body: text ? JSON.parse(text) : undefined
      });
      const path = url.pathname.replace(/^.*\/smstudio\/api\//, '');
      if (path === 'wrangler/operators') {
        return json({ items: OPERATORS });
      }
      if (path === 'wrangler/flows/sales.flow' && request.method === 'GET') {
        return json(FLOW);
      }
      if (path === 'wrangler/flows/sales.flow/report') {
        return json(REPORT);
      }
      if (path === 'wrangler/flows/sales.flow/preview') {
        return json(preview(Number(url.searchParams.get('offset') ?? 0)));
      }
      if (path === 'wrangler/sources/preview') {
        const query = (JSON.parse(text) as { source: { query: string } }).source
          .query;
        return query.includes('nope')
          ? fieldError(
              'source.query',
              'source.query: the query failed: no such table: nope'
            )
          : json(preview(0));
      }
      if (path === 'wrangler/flows/sales.flow/export') {
        const format = url.searchParams.get('format');
        return json({
          format,
          filename: `sales_${format}.py`,
          content: 'from pyspark.sql import functions as F\n',
          saved_path: `sales_${format}.py`
        });
      }
      if (path === 'wrangler/flows/sales.flow/processing-jobs') {
        return json(
          {
            name: 'sales-flow-1',
            output_locations: [{ output_name: 'out', path: 'sales-out' }]
          },
          201
        );
      }
      if (request.method !== 'GET' && stale) {
        return fieldError('version', 'version: stale', 409, 'Conflict');
      }
      if (request.method !== 'GET') {
        return json({ ...FLOW, version: FLOW.version + 1 });
      }
      return json({ error: { code: 'NotFound', message: 'no' } }, 404);
    }) as typeof fetch;
  });

  afterEach(() => {
    panel?.dispose();
    globalThis.fetch = realFetch;
  });

  async function mount(
    openJob?: (kind: string, name: string) => void,
    pickFile?: () => Promise<string | null>
  ): Promise<HTMLElement> {
    panel = new FlowPanel(
      { name: 'sales.flow', openJob, pickFile },
      nullTranslator.load('jupyter_smstudio')
    );
    Widget.attach(panel, document.body);
    const node = panel.node;
    await waitFor(() => !!node.querySelector('[data-pager]'));
    return node;
  }

  function typeInto(
    input: HTMLInputElement | HTMLTextAreaElement,
    value: string
  ): void {
    // React tracks the value: set it the way a user's typing does.
    const proto = Object.getPrototypeOf(input) as object;
    Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }

  async function openDatabaseForm(node: HTMLElement): Promise<void> {
    button(node, 'Change source').click();
    const radio = 'input[name="smstudio-source-kind"][value="database"]';
    await waitFor(() => !!node.querySelector(radio));
    node.querySelector<HTMLInputElement>(radio)!.click();
    await waitFor(() => !!node.querySelector('#smstudio-db-path'));
    typeInto(node.querySelector('#smstudio-db-path')!, ' shop.sqlite ');
  }

  function button(node: HTMLElement, text: string, within = ''): HTMLElement {
    const found = [
      ...node.querySelectorAll<HTMLElement>(`${within} button`)
    ].find(
      b => b.textContent === text || b.getAttribute('aria-label') === text
    );
    if (!found) {
      throw new Error(`no button ${text}`);
    }
    return found;
  }

  it('shows the rows, the diff and each step error', async () => {
    const node = await mount();
    expect(node.querySelector('[data-pager]')?.textContent).toBe(
      'Rows 1–2 of 120 (first 50,000 rows)'
    );
    expect(node.querySelector('[data-diff]')?.textContent).toBe(
      'Rows: 120 → 120 · removed: notes'
    );
    const cells = [...node.querySelectorAll('tbody td')].map(
      td => td.textContent
    );
    expect(cells).toEqual(['1', '1', 'Oslo', '2', '2', 'null']);
    const failing = node.querySelector('li[data-step="s2"]')!;
    expect(failing.classList.contains('has-error')).toBe(true);
    expect(failing.querySelector('[data-step-error]')?.textContent).toBe(
      'unknown column: nope'
    );
    expect(
      node.querySelector('li[data-step="s1"] [data-step-error]')
    ).toBeNull();
  });

  it('pages with offset and limit', async () => {
    const node = await mount();
    button(node, 'Next').click();
    await waitFor(() =>
      calls.some(c => c.url.searchParams.get('offset') === '50')
    );
    const call = calls.find(c => c.url.searchParams.get('offset') === '50')!;
    expect(call.url.searchParams.get('limit')).toBe('50');
  });

  it('sends the version it read with a step move', async () => {
    const node = await mount();
    button(node, 'Move up', 'li[data-step="s2"]').click();
    await waitFor(() => calls.some(c => c.method === 'PATCH'));
    const patch = calls.find(c => c.method === 'PATCH')!;
    expect(patch.url.pathname).toMatch(
      /wrangler\/flows\/sales\.flow\/steps\/s2$/
    );
    expect(patch.body).toEqual({ version: 4, position: 0 });
  });

  async function dialogButton(text: string): Promise<HTMLElement> {
    await waitFor(() => !!document.querySelector('.jp-Dialog'));
    return button(document.querySelector('.jp-Dialog')!, text);
  }

  it('offers a reload when someone else changed the flow', async () => {
    const node = await mount();
    stale = true;
    button(node, 'Delete', 'li[data-step="s1"]').click();
    (await dialogButton('Delete step')).click();
    await waitFor(() => !!node.querySelector('.is-conflict'));
    expect(node.querySelector('.is-conflict')?.textContent).toContain(
      'Someone else changed this flow'
    );
    const reads = calls.filter(
      c => c.method === 'GET' && c.url.pathname.endsWith('sales.flow')
    ).length;
    button(node, 'Reload the flow').click();
    await waitFor(() => !node.querySelector('.is-conflict'));
    expect(
      calls.filter(
        c => c.method === 'GET' && c.url.pathname.endsWith('sales.flow')
      ).length
    ).toBe(reads + 1);
  });

  it('previews and imports a query on a database file', async () => {
    const node = await mount();
    await openDatabaseForm(node);
    const query = 'SELECT id, city FROM orders';
    typeInto(node.querySelector('#smstudio-db-query')!, query);
    button(node, 'Preview', '[data-database-form]').click();
    await waitFor(() => !!node.querySelector('[data-source-preview]'));
    const source = { kind: 'database', path: 'shop.sqlite', query };
    const asked = calls.find(c =>
      c.url.pathname.endsWith('wrangler/sources/preview')
    )!;
    expect(asked.body).toEqual({ source, limit: 10 });
    expect(
      [...node.querySelectorAll('[data-source-preview] td')].map(
        td => td.textContent
      )
    ).toEqual(['1', 'Oslo', '2', 'null']);

    button(node, 'Import', '[data-database-form]').click();
    await waitFor(() => calls.some(c => c.method === 'PATCH'));
    const patch = calls.find(c => c.method === 'PATCH')!;
    expect(patch.url.pathname).toMatch(/wrangler\/flows\/sales\.flow$/);
    expect(patch.body).toEqual({ version: 4, source });
  });

  it('shows why a query fails under the query, in plain words', async () => {
    const node = await mount();
    await openDatabaseForm(node);
    typeInto(node.querySelector('#smstudio-db-query')!, 'SELECT * FROM nope');
    button(node, 'Preview', '[data-database-form]').click();
    const error = () =>
      node
        .querySelector('#smstudio-db-query')!
        .parentElement!.querySelector('.smstudio-Wrangler-fieldError');
    await waitFor(() => !!error());
    expect(error()!.textContent).toBe('the query failed: no such table: nope');
    expect(node.querySelector('[data-source-preview]')).toBeNull();
  });

  it('offers a URL instead of a file, and needs a query before importing', async () => {
    const node = await mount();
    await openDatabaseForm(node);
    const where = node.querySelector<HTMLSelectElement>('#smstudio-db-where')!;
    where.value = 'url';
    where.dispatchEvent(new Event('change', { bubbles: true }));
    await waitFor(() => !!node.querySelector('#smstudio-db-url'));
    const importButton = button(node, 'Import', '[data-database-form]');
    typeInto(node.querySelector('#smstudio-db-url')!, 'sqlite:///shop.sqlite');
    await waitFor(
      () =>
        node.querySelector<HTMLInputElement>('#smstudio-db-url')!.value ===
        'sqlite:///shop.sqlite'
    );
    expect(importButton.hasAttribute('disabled')).toBe(true);
    typeInto(node.querySelector('#smstudio-db-query')!, 'SELECT 1');
    await waitFor(() => !importButton.hasAttribute('disabled'));
    importButton.click();
    await waitFor(() => calls.some(c => c.method === 'PATCH'));
    expect(calls.find(c => c.method === 'PATCH')!.body).toEqual({
      version: 4,
      source: {
        kind: 'database',
        url: 'sqlite:///shop.sqlite',
        query: 'SELECT 1'
      }
    });
  });

  it('exports a PySpark script next to the flow', async () => {
    const node = await mount();
    node.querySelector<HTMLElement>('[data-tab="export"]')!.click();
    await waitFor(() => !!node.querySelector('[data-export="pyspark"]'));
    node.querySelector<HTMLElement>('[data-export="pyspark"]')!.click();
    await waitFor(() => !!node.querySelector('[data-export-saved]'));
    const asked = calls.find(c => c.url.pathname.endsWith('/export'))!;
    expect(asked.url.searchParams.get('format')).toBe('pyspark');
    expect(node.querySelector('[data-export-saved]')!.textContent).toBe(
      'Saved sales_pyspark.py'
    );
  });

  it('inserts a new step after the step on show, with the form values', async () => {
    const node = await mount();
    button(node, 'Source data').click();
    await waitFor(
      () =>
        node.querySelector('label[for="smstudio-add-step"]')?.textContent ===
        'Add a transform before step 1'
    );
    const select = node.querySelector<HTMLSelectElement>('#smstudio-add-step')!;
    select.value = 'drop_columns';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await waitFor(
      () => !!node.querySelector('[data-field="columns"] input[value="city"]')
    );
    const add = button(node, 'Add step', '[data-step-form]');
    expect(add.hasAttribute('disabled')).toBe(true);
    node
      .querySelector<HTMLInputElement>(
        '[data-field="columns"] input[value="city"]'
      )!
      .click();
    await waitFor(() => !add.hasAttribute('disabled'));
    add.click();
    await waitFor(() => calls.some(c => c.method === 'POST'));
    const post = calls.find(c => c.method === 'POST')!;
    expect(post.url.pathname).toMatch(/wrangler\/flows\/sales\.flow\/steps$/);
    expect(post.body).toEqual({
      version: 4,
      operator: 'drop_columns',
      params: { columns: ['city'] },
      title: '',
      position: 0
    });
  });

  it('keeps what the user types in the step title', async () => {
    const node = await mount();
    button(node, 'Source data').click();
    const select = node.querySelector<HTMLSelectElement>('#smstudio-add-step')!;
    select.value = 'drop_columns';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await waitFor(() => !!node.querySelector('#smstudio-step-title'));
    const title = node.querySelector<HTMLInputElement>('#smstudio-step-title')!;
    typeInto(title, 'No');
    expect(title.value).toBe('No');
    typeInto(title, 'No city');
    expect(title.value).toBe('No city');
    // The column choices come from the selected step's preview, which loads
    // on its own: wait for them as a user would.
    const city = '[data-field="columns"] input[value="city"]';
    await waitFor(() => !!node.querySelector(city));
    node.querySelector<HTMLInputElement>(city)!.click();
    const add = button(node, 'Add step', '[data-step-form]');
    await waitFor(() => !add.hasAttribute('disabled'));
    add.click();
    await waitFor(() => calls.some(c => c.method === 'POST'));
    expect(
      (calls.find(c => c.method === 'POST')!.body as { title: string }).title
    ).toBe('No city');
  });

  it('opens the processing job it starts, by kind and name', async () => {
    const opened: string[] = [];
    const node = await mount((kind, name) => opened.push(`${kind}:${name}`));
    node.querySelector<HTMLElement>('[data-tab="export"]')!.click();
    await waitFor(() => !!node.querySelector('[data-export="processing-job"]'));
    node.querySelector<HTMLElement>('[data-export="processing-job"]')!.click();
    // The dialog asks the job name, the instance type and the output folder.
    await waitFor(() => !!document.querySelector('[data-flow-job-form]'));
    const jobName = document.querySelector<HTMLInputElement>(
      '#smstudio-flowjob-jobName'
    )!;
    expect(jobName.value).toMatch(/^sales-\d{8}-\d{6}$/);
    expect(
      document.querySelector<HTMLInputElement>('#smstudio-flowjob-outputPath')!
        .value
    ).toBe(jobName.value);
    expect(
      document.querySelector('#smstudio-flowjob-instanceType')
    ).not.toBeNull();
    typeInto(jobName, 'bad name!');
    await waitFor(() => !!document.querySelector('.jp-Dialog [role="alert"]'));
    expect(
      document.querySelector('.jp-Dialog [role="alert"]')!.textContent
    ).toBe(
      'Use letters, digits and hyphens, starting and ending with a letter or digit.'
    );
    typeInto(jobName, 'sales-full');
    typeInto(
      document.querySelector<HTMLInputElement>('#smstudio-flowjob-outputPath')!,
      'exports/sales'
    );
    (await dialogButton('Start job')).click();
    await waitFor(() => !!node.querySelector('[data-flow-job-started]'));
    const asked = calls.find(c => c.url.pathname.endsWith('/processing-jobs'))!;
    expect(asked.body).toEqual({
      job_name: 'sales-full',
      output_path: 'exports/sales',
      output_format: 'parquet'
    });
    // Outputs named in the user's space, not the server's disk.
    expect(node.querySelector('[data-flow-job-started]')!.textContent).toBe(
      'Started sales-flow-1; outputs go to: exports/sales/out Show job'
    );
    expect(opened).toEqual(['processing:sales-flow-1']);
    button(node, 'Show job').click();
    expect(opened).toEqual([
      'processing:sales-flow-1',
      'processing:sales-flow-1'
    ]);
  });

  it('shows each step in plain words, not its parameters', async () => {
    const node = await mount();
    const summary = (id: string) =>
      node.querySelector(`li[data-step="${id}"] [data-step-summary]`)!
        .textContent;
    expect(summary('s1')).toBe('Drop notes');
    // Without the server's line (an older server), the parameters.
    expect(summary('s2')).toBe('expression: nope * 2; output_column: x');
  });

  it('asks before deleting a step, and keeps it when the user cancels', async () => {
    const node = await mount();
    button(node, 'Delete', 'li[data-step="s1"]').click();
    const dialog = await dialogButton('Cancel');
    expect(document.querySelector('.jp-Dialog')!.textContent).toContain(
      'Delete step 1?'
    );
    expect(document.querySelector('.jp-Dialog')!.textContent).toContain(
      '"Drop notes" will be removed from the flow'
    );
    dialog.click();
    await waitFor(() => !document.querySelector('.jp-Dialog'));
    expect(calls.some(c => c.method === 'DELETE')).toBe(false);
    button(node, 'Delete', 'li[data-step="s1"]').click();
    (await dialogButton('Delete step')).click();
    await waitFor(() => calls.some(c => c.method === 'DELETE'));
    const del = calls.find(c => c.method === 'DELETE')!;
    expect(del.url.pathname).toMatch(/steps\/s1$/);
  });

  it('shows fractional numbers to 6 significant digits, the exact value in the tooltip', async () => {
    previewChange = {
      columns: [
        { name: 'id', type: 'Int64' },
        { name: 'price', type: 'Float64' }
      ],
      rows: [
        [12345678901234, 0.30000000000000004],
        [2, 1234.5678912345],
        [3, 2.5]
      ]
    };
    const node = await mount();
    const cells = [
      ...node.querySelectorAll('tbody td:not(.smstudio-Wrangler-rowNumber)')
    ];
    expect(cells.map(td => td.textContent)).toEqual([
      '12345678901234',
      '0.3',
      '2',
      '1234.57',
      '3',
      '2.5'
    ]);
    expect(cells.map(td => td.getAttribute('title'))).toEqual([
      null,
      '0.30000000000000004',
      null,
      '1234.5678912345',
      null,
      null
    ]);
  });

  it('scrolls to and marks the columns a step added', async () => {
    // jsdom has no scrollIntoView: record where the grid asks to scroll.
    const scrolled: string[] = [];
    HTMLElement.prototype.scrollIntoView = function (this: HTMLElement) {
      scrolled.push(this.getAttribute('data-column') ?? '');
    };
    try {
      previewChange = {
        columns: [
          { name: 'id', type: 'Int64' },
          { name: 'city', type: 'String' },
          { name: 'total', type: 'Float64' }
        ],
        rows: [[1, 'Oslo', 2.5]],
        diff: {
          rows_before: 120,
          rows_after: 120,
          added_columns: ['total'],
          removed_columns: [],
          changed_types: {}
        }
      };
      const node = await mount();
      const th = node.querySelector('th[data-column="total"]')!;
      expect(th.classList.contains('is-new')).toBe(true);
      expect(th.textContent).toBe('totalFloat64new');
      expect(
        node
          .querySelector('th[data-column="city"]')!
          .classList.contains('is-new')
      ).toBe(false);
      await waitFor(() => scrolled.length > 0);
      expect(scrolled).toEqual(['total']);
    } finally {
      delete (HTMLElement.prototype as Partial<HTMLElement>).scrollIntoView;
    }
  });

  it('marks the insights report out of date when the flow changes, and refreshes it', async () => {
    const node = await mount();
    node.querySelector<HTMLElement>('[data-tab="report"]')!.click();
    await waitFor(() => !!node.querySelector('.smstudio-Wrangler-reportTab'));
    button(node, 'Build the report').click();
    await waitFor(() => !!node.querySelector('[data-smstudio-report]'));
    expect(node.querySelector('[data-stale]')).toBeNull();
    button(node, 'Move up', 'li[data-step="s2"]').click();
    await waitFor(() => !!node.querySelector('[data-stale]'));
    expect(node.querySelector('[data-stale]')!.textContent).toBe(
      'Out of date: the flow changed since this report was built.Refresh'
    );
    const reports = () =>
      calls.filter(c => c.url.pathname.endsWith('/report')).length;
    expect(reports()).toBe(1);
    button(node, 'Refresh', '[data-stale]').click();
    await waitFor(() => !node.querySelector('[data-stale]'));
    expect(reports()).toBe(2);
  });

  it('moves between tabs with the arrow keys; each tab names its panel', async () => {
    const node = await mount();
    const tab = (id: string) =>
      node.querySelector<HTMLElement>(`[role="tab"][data-tab="${id}"]`)!;
    const data = tab('data');
    expect(data.getAttribute('tabindex')).toBe('0');
    expect(tab('report').getAttribute('tabindex')).toBe('-1');
    const panelId = data.getAttribute('aria-controls')!;
    const panel = node.querySelector('[role="tabpanel"]')!;
    expect(panel.id).toBe(panelId);
    expect(panel.getAttribute('aria-labelledby')).toBe(data.id);
    data.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true })
    );
    await waitFor(() => tab('report').getAttribute('aria-selected') === 'true');
    expect(document.activeElement).toBe(tab('report'));
    tab('report').dispatchEvent(
      new KeyboardEvent('keydown', { key: 'End', bubbles: true })
    );
    await waitFor(() => tab('export').getAttribute('aria-selected') === 'true');
    tab('export').dispatchEvent(
      new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true })
    );
    await waitFor(() => tab('data').getAttribute('aria-selected') === 'true');
  });

  it('fills the source path from the file picker', async () => {
    const node = await mount(undefined, async () => 'data/q3 sales.csv');
    button(node, 'Change source').click();
    await waitFor(() => !!node.querySelector('[data-source-browse]'));
    node.querySelector<HTMLElement>('[data-source-browse]')!.click();
    await waitFor(
      () =>
        node.querySelector<HTMLInputElement>('#smstudio-src-path')!.value ===
        'data/q3 sales.csv'
    );
  });
});
