/* eslint-disable jupyter/no-untranslated-string -- test data, not UI text */
import * as React from 'react';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { ApiError } from '../api';
import type { ITrainingJobDetail } from '../api';
import { TrainingForm } from '../forms/forms';
import type { IFormContext } from '../forms/forms';
import { deployJob, lineageOf, servingCode } from '../forms/lineage';
import {
  algorithmHyperparameters,
  cleanFailure,
  endpointRequest,
  errorsFrom,
  fieldKeyFor,
  hyperparameterFields,
  nextName,
  TRAINING_KEYS,
  trainingRequest,
  trainingValuesFromSpec,
  TRANSFORM_ALIASES,
  TRANSFORM_KEYS
} from '../forms/logic';
import type { IAlgorithmSpec } from '../forms/logic';
import { chartAxes, stageView } from '../jobs/format';
import { useLiveJob } from '../jobs/live';
import { filterSort, nextSort } from '../pages/table';
import type { IColumn } from '../pages/table';
import { fieldError, json, trans, typeInto, waitFor } from './helpers';

type Handler = (method: string, path: string, body: unknown) => Response;

/**
 * Answer the client's requests in-process (the server's wire format).
 */
function serve(
  handler: Handler
): { method: string; path: string; body: unknown }[] {
  const seen: { method: string; path: string; body: unknown }[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL) => {
    const request = input as Request;
    const text = await request.text();
    const body = text ? JSON.parse(text) : undefined;
    const path = new URL(request.url).pathname.replace(
      /^.*\/smstudio\/api\//,
      ''
    );
    seen.push({ method: request.method, path, body });
    return handler(request.method, path, body);
  }) as typeof fetch;
  return seen;
}

const SPEC: IAlgorithmSpec = {
  name: 'xgboost',
  title: 'XGBoost',
  hyperparameters: [
    {
      name: 'eta',
      type: 'float',
      required: false,
      default: 0.3,
      doc: 'Step size shrinkage.',
      range: { min: 0, max: 1, exclusive_min: true }
    },
    {
      name: 'num_round',
      type: 'int',
      required: true,
      default: null,
      doc: 'Rounds of boosting.',
      range: { min: 1, max: null }
    },
    {
      name: 'objective',
      type: 'str',
      required: false,
      default: 'reg:squarederror',
      doc: 'Learning task.',
      choices: ['reg:squarederror', 'binary:logistic']
    },
    { name: 'verbose', type: 'bool', required: false, default: false, doc: '' }
  ],
  metrics: [{ name: 'validation:auc', regex: 'validation-auc:([0-9.]+)' }]
};

describe('field errors', () => {
  it('puts a server error beside the input its field belongs to', () => {
    expect(fieldKeyFor('channels.train.path', TRAINING_KEYS)).toBe('channels');
    expect(fieldKeyFor('instance_type', TRAINING_KEYS)).toBe('instance_type');
    expect(fieldKeyFor('metric_definitions.0.regex', TRAINING_KEYS)).toBe(
      'metric_definitions'
    );
    expect(
      fieldKeyFor('hyperparameters.eta', [
        ...TRAINING_KEYS,
        'hyperparameters.eta'
      ])
    ).toBe('hyperparameters.eta');
    expect(
      fieldKeyFor(
        'transform_input.data_source',
        TRANSFORM_KEYS,
        TRANSFORM_ALIASES
      )
    ).toBe('data_source');
    expect(fieldKeyFor('nothing_like_it', TRAINING_KEYS)).toBeNull();
    expect(fieldKeyFor(null, TRAINING_KEYS)).toBeNull();
  });

  it('says the message beside the field without naming it again', () => {
    const error = new ApiError({
      status: 400,
      code: 'ValidationError',
      message: 'instance_count: Input should be greater than or equal to 1',
      field: 'instance_count'
    });
    expect(errorsFrom(error, TRAINING_KEYS).fields.instance_count).toBe(
      'Input should be greater than or equal to 1'
    );
  });

  it('keeps errors without a known field for the whole form', () => {
    const withField = new ApiError({
      status: 400,
      code: 'ValidationError',
      message: 'Unknown compute profile ml.x.',
      field: 'instance_type'
    });
    expect(errorsFrom(withField, TRAINING_KEYS)).toEqual({
      fields: { instance_type: 'Unknown compute profile ml.x.' },
      form: ''
    });
    expect(errorsFrom(new Error('offline'), TRAINING_KEYS)).toEqual({
      fields: {},
      form: 'offline'
    });
  });
});

describe('clone', () => {
  const spec = {
    name: 'churn-sk',
    entry_point: 'train.py',
    source_dir: 'src',
    channels: { train: { path: 'data/train.csv', content_type: null } },
    hyperparameters: { epochs: 3, lr: 0.1, mode: 'fast' },
    metric_definitions: [{ name: 'loss', regex: 'loss=([0-9.]+)' }],
    instance_type: 'ml.m5.large',
    instance_count: 2,
    max_runtime_seconds: 86400,
    backend: 'local',
    environment: {}
  };

  it('names copies -2, -3, … and skips names taken', () => {
    expect(nextName('churn-sk')).toBe('churn-sk-2');
    expect(nextName('churn-sk-2')).toBe('churn-sk-3');
    expect(nextName('churn-sk', ['churn-sk-2'])).toBe('churn-sk-3');
    expect(nextName('x'.repeat(63))).toHaveLength(63);
    expect(nextName('x'.repeat(63)).endsWith('-2')).toBe(true);
  });

  it('prefills the form with the job, and sends the same job again', () => {
    const values = trainingValuesFromSpec(spec);
    expect(values.name).toBe('churn-sk-2');
    expect(values.channels).toEqual([
      { key: 'train', value: 'data/train.csv' }
    ]);
    expect(values.hyperparameters).toEqual([
      { key: 'epochs', value: '3' },
      { key: 'lr', value: '0.1' },
      { key: 'mode', value: 'fast' }
    ]);
    expect(values.max_runtime_seconds).toBe('');
    expect(trainingRequest(values)).toEqual({
      name: 'churn-sk-2',
      entry_point: 'train.py',
      source_dir: 'src',
      channels: { train: { path: 'data/train.csv' } },
      hyperparameters: { epochs: 3, lr: 0.1, mode: 'fast' },
      metric_definitions: [{ name: 'loss', regex: 'loss=([0-9.]+)' }],
      instance_type: 'ml.m5.large',
      instance_count: 2,
      backend: 'local'
    });
  });

  it('sends an endpoint as one inline variant', () => {
    expect(
      endpointRequest({
        name: 'churn',
        model_name: 'churn-sk',
        instance_type: '',
        instance_count: '2'
      })
    ).toEqual({
      name: 'churn',
      variants: [{ model_name: 'churn-sk', initial_instance_count: 2 }]
    });
  });
});

describe('built-in algorithm fields', () => {
  it('makes one input per hyperparameter, required first', () => {
    const fields = hyperparameterFields(SPEC);
    expect(fields.map(f => [f.name, f.input, f.required])).toEqual([
      ['num_round', 'number', true],
      ['eta', 'number', false],
      ['objective', 'select', false],
      ['verbose', 'checkbox', false]
    ]);
    const eta = fields[1];
    expect(eta.key).toBe('hyperparameters.eta');
    expect(eta.default).toBe('0.3');
    expect(eta.step).toBe('any');
    expect(eta.help).toBe(
      'Step size shrinkage. Allowed: more than 0, at most 1.'
    );
    expect(fields[0].step).toBe('1');
    expect(fields[0].help).toContain('at least 1');
    expect(fields[2].choices).toEqual(['reg:squarederror', 'binary:logistic']);
  });

  it('sends only what differs from the defaults', () => {
    const fields = hyperparameterFields(SPEC);
    expect(
      algorithmHyperparameters(fields, {
        num_round: '10',
        eta: '0.3',
        objective: 'binary:logistic'
      })
    ).toEqual([
      { key: 'num_round', value: '10' },
      { key: 'objective', value: 'binary:logistic' }
    ]);
  });
});

describe('honest job pages', () => {
  const t = (status: string, start: number, end: number | null) => ({
    status,
    start_ms: start,
    end_ms: end,
    message: ''
  });

  it('marks the stage a job failed in, and the later ones not reached', () => {
    const stages = stageView(
      [
        t('Starting', 0, 1000),
        t('Downloading', 1000, 2000),
        t('Training', 2000, 5000),
        { ...t('Failed', 5000, 5000), message: 'ExecuteUserScriptError' }
      ],
      'Failed'
    );
    expect(stages.map(s => [s.status, s.state])).toEqual([
      ['Starting', 'done'],
      ['Downloading', 'done'],
      ['Training', 'failed'],
      ['Uploading', 'not-reached'],
      ['Completed', 'not-reached']
    ]);
    expect(stages[2].message).toBe('ExecuteUserScriptError');
    expect(stages[2].seconds).toBe(3);
  });

  it('ticks every stage of a completed job and the running one of a live job', () => {
    const done = stageView(
      [
        t('Starting', 0, 1),
        t('Training', 1, 2),
        t('Uploading', 2, 3),
        t('Completed', 3, 3)
      ],
      'Completed'
    );
    expect(done.map(s => s.state)).toEqual(['done', 'done', 'done', 'done']);
    const live = stageView(
      [t('Starting', 0, 1), t('Training', 1, null)],
      'InProgress'
    );
    expect(live.map(s => s.state)).toEqual(['done', 'running']);
  });

  it('says the failure once, with paths in the space', () => {
    const raw =
      'ExecuteUserScriptError:\n  File "/srv/data/artifacts/alice/churn/hosts/algo-1/opt/ml/code/train.py", line 3\nValueError: bad';
    const cleaned = cleanFailure(`${raw}\n\n${raw}`, 'src');
    expect(cleaned).toBe(
      'ExecuteUserScriptError:\n  File "src/train.py", line 3\nValueError: bad'
    );
    expect(cleanFailure(raw)).toContain('File "train.py"');
  });

  it('draws charts with ticks on both axes', () => {
    const axes = chartAxes(
      [
        { timestamp_ms: 0, value: 1 },
        { timestamp_ms: 4000, value: 0.5 }
      ],
      { width: 100, height: 60, left: 20, bottom: 10, top: 0, right: 0 }
    );
    expect(axes.points).toBe('20.0,0.0 100.0,50.0');
    expect(axes.xTicks.map(x => x.label)).toEqual(['0s', '2s', '4s']);
    expect(axes.yTicks.map(y => y.label)).toEqual(['0.5', '0.75', '1']);
  });
});

describe('tables', () => {
  type Row = { name: string; status: string; seconds: number | null };
  const columns: IColumn<Row>[] = [
    { key: 'name', label: 'Name', value: r => r.name },
    { key: 'status', label: 'Status', value: r => r.status, filter: true },
    { key: 'seconds', label: 'Duration', value: r => r.seconds }
  ];
  const rows: Row[] = [
    { name: 'job-10', status: 'Completed', seconds: 30 },
    { name: 'job-2', status: 'Failed', seconds: null },
    { name: 'other', status: 'Completed', seconds: 5 }
  ];

  it('searches, filters and sorts (empty values last)', () => {
    const names = (query: Parameters<typeof filterSort>[2]) =>
      filterSort(rows, columns, query).map(r => r.name);
    expect(names({ search: 'JOB', filters: {}, sort: null })).toEqual([
      'job-10',
      'job-2'
    ]);
    expect(
      names({ search: '', filters: { status: 'Completed' }, sort: null })
    ).toEqual(['job-10', 'other']);
    expect(
      names({
        search: '',
        filters: {},
        sort: { key: 'name', descending: false }
      })
    ).toEqual(['job-2', 'job-10', 'other']);
    expect(
      names({
        search: '',
        filters: {},
        sort: { key: 'seconds', descending: true }
      })
    ).toEqual(['job-10', 'other', 'job-2']);
    expect(nextSort(null, 'name')).toEqual({ key: 'name', descending: false });
    expect(nextSort({ key: 'name', descending: false }, 'name')).toEqual({
      key: 'name',
      descending: true
    });
  });
});

describe('lineage', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it('finds the models made from a job and the endpoints serving them', () => {
    expect(
      lineageOf(
        '/a/churn/output/model.tar.gz',
        [
          { name: 'churn', model_data: 'file:///a/churn/output/model.tar.gz' },
          { name: 'other', model_data: '/b/model.tar.gz' }
        ],
        [
          { name: 'churn', variants: [{ model_name: 'churn' }] },
          { name: 'x', variants: [{ model_name: 'other' }] }
        ]
      )
    ).toEqual({ models: ['churn'], endpoints: ['churn'] });
  });

  it('serves a model with the code its job trained with', () => {
    const job = (spec: Record<string, unknown>) =>
      ({ spec }) as unknown as ITrainingJobDetail;
    expect(
      servingCode(job({ entry_point: 'train.py', source_dir: 'src' }))
    ).toEqual({ entry_point: 'train.py', source_dir: 'src' });
    expect(servingCode(job({ entry_point: 'code/train.py' }))).toEqual({
      entry_point: 'train.py',
      source_dir: 'code'
    });
    expect(servingCode(job({ image: 'mine' }))).toEqual({});
  });

  it('deploys a job: its model, then an endpoint under the next free name', async () => {
    const artifacts = '/data/churn/output/model.tar.gz';
    let polls = 0;
    const seen = serve((method, path) => {
      if (method === 'GET' && path === 'models/churn') {
        return json({ name: 'churn', model_data: artifacts });
      }
      if (method === 'GET' && path === 'endpoints/churn') {
        return json({ name: 'churn', status: 'InService' });
      }
      if (method === 'GET' && path === 'endpoints/churn-2') {
        polls++;
        return polls === 1
          ? json({ error: { code: 'ResourceNotFound', message: 'no' } }, 404)
          : json({ name: 'churn-2', status: 'InService' });
      }
      if (method === 'POST' && path === 'endpoints') {
        return json({ name: 'churn-2', status: 'Creating' }, 201);
      }
      return json({ error: { code: 'X', message: `unexpected ${path}` } }, 500);
    });
    const steps: string[] = [];
    const endpoint = await deployJob(
      {
        name: 'churn',
        model_artifacts: artifacts,
        spec: { name: 'churn', hyperparameters: {}, entry_point: 'train.py' }
      } as unknown as ITrainingJobDetail,
      p => steps.push(p.step + (p.status ? `:${p.status}` : '')),
      () => Promise.resolve()
    );
    expect(endpoint.status).toBe('InService');
    expect(steps).toEqual([
      'model',
      'endpoint',
      'waiting:Creating',
      'waiting:InService',
      'done'
    ]);
    // The model made from the same file is used again, not made twice.
    expect(seen.some(r => r.method === 'POST' && r.path === 'models')).toBe(
      false
    );
    expect(seen.find(r => r.method === 'POST')?.body).toEqual({
      name: 'churn-2',
      variants: [{ model_name: 'churn' }]
    });
  });
});

describe('the training form', () => {
  const realFetch = globalThis.fetch;
  let widget: Widget | null = null;
  afterEach(() => {
    widget?.dispose();
    widget = null;
    globalThis.fetch = realFetch;
  });

  function mount(opened: string[]): HTMLElement {
    const context: IFormContext = {
      contents: null,
      trans,
      openJob: (kind, name) => opened.push(`${kind}:${name}`),
      openEndpoint: () => undefined,
      openForm: () => undefined,
      done: () => opened.push('done')
    };
    widget = ReactWidget.create(<TrainingForm context={context} />);
    Widget.attach(widget, document.body);
    return widget.node;
  }

  const PROFILES = {
    items: [
      {
        name: 'local',
        cpus: null,
        memory_gib: null,
        gpus: 0,
        image: null,
        description: 'This machine'
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
    default_profile: 'local'
  };

  it('shows the server’s message beside the field it names', async () => {
    const seen = serve((method, path) => {
      if (path === 'algorithms') {
        return json(
          { error: { code: 'ResourceNotFound', message: 'no' } },
          404
        );
      }
      if (path === 'compute-profiles') {
        return json(PROFILES);
      }
      if (method === 'POST' && path === 'training-jobs') {
        return fieldError(
          'channels.train.path',
          'channels.train.path: data/missing.csv does not exist in your space.'
        );
      }
      return json({}, 404);
    });
    const opened: string[] = [];
    const node = mount(opened);
    const select = (): HTMLSelectElement =>
      node.querySelector('[data-smstudio-field="instance_type"] select')!;
    await waitFor(() => select()?.options.length === 3);
    // No built-in algorithms on this server: no choice of what to run.
    expect(node.querySelector('[data-smstudio-field="code"]')).toBeNull();
    expect(select().options[0].textContent).toBe('Default (local)');

    typeInto(node.querySelector('[data-smstudio-field="name"] input'), 'churn');
    typeInto(
      node.querySelector('[data-smstudio-field="entry_point"] input'),
      'train.py'
    );
    (
      node.querySelector(
        '[data-smstudio-field="channels"] .smstudio-Pairs-add'
      ) as HTMLButtonElement
    ).click();
    await waitFor(
      () =>
        node.querySelectorAll('[data-smstudio-field="channels"] input')
          .length === 2
    );
    const [key, value] = node.querySelectorAll(
      '[data-smstudio-field="channels"] input'
    );
    typeInto(key, 'train');
    typeInto(value, 'data/missing.csv');
    typeInto(select(), 'ml.m5.large');
    (node.querySelector('button[type="submit"]') as HTMLButtonElement).click();

    const error = (): Element | null =>
      node.querySelector(
        '[data-smstudio-field="channels"] [data-smstudio-field-error]'
      );
    await waitFor(() => !!error());
    expect(error()!.textContent).toBe(
      'data/missing.csv does not exist in your space.'
    );
    expect(node.querySelector('[data-smstudio-form-error]')).toBeNull();
    expect(opened).toEqual([]);
    expect(seen.find(r => r.method === 'POST')?.body).toEqual({
      name: 'churn',
      entry_point: 'train.py',
      channels: { train: { path: 'data/missing.csv' } },
      instance_type: 'ml.m5.large',
      instance_count: 1
    });
  });

  it('generates the hyperparameter inputs of a built-in algorithm', async () => {
    const seen = serve((method, path) => {
      if (path === 'algorithms') {
        return json({ items: [{ name: 'xgboost', title: 'XGBoost' }] });
      }
      if (path === 'algorithms/xgboost') {
        return json(SPEC);
      }
      if (path === 'compute-profiles') {
        return json(PROFILES);
      }
      if (method === 'POST' && path === 'training-jobs') {
        return json({ name: 'xgb-1' }, 201);
      }
      return json({}, 404);
    });
    const opened: string[] = [];
    const node = mount(opened);
    await waitFor(() => !!node.querySelector('[data-smstudio-field="code"]'));
    typeInto(
      node.querySelector('[data-smstudio-field="code"] select'),
      'algorithm'
    );
    await waitFor(
      () => !!node.querySelector('[data-smstudio-field="algorithm"] select')
    );
    typeInto(
      node.querySelector('[data-smstudio-field="algorithm"] select'),
      'xgboost'
    );
    const round = (): HTMLInputElement | null =>
      node.querySelector(
        '[data-smstudio-field="hyperparameters.num_round"] input'
      );
    await waitFor(() => !!round());
    expect(round()!.type).toBe('number');
    expect(round()!.min).toBe('1');
    expect(
      node.querySelector('[data-smstudio-field="hyperparameters.eta"] input')
    ).toHaveProperty('value', '0.3');
    expect(
      node.querySelector('[data-smstudio-field="entry_point"]')
    ).toBeNull();

    typeInto(node.querySelector('[data-smstudio-field="name"] input'), 'xgb-1');
    typeInto(round(), '10');
    (node.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    await waitFor(() => opened.length === 2);
    expect(opened).toEqual(['training:xgb-1', 'done']);
    expect(seen.find(r => r.method === 'POST')?.body).toEqual({
      name: 'xgb-1',
      algorithm: 'xgboost',
      hyperparameters: { num_round: 10 },
      metric_definitions: [
        { name: 'validation:auc', regex: 'validation-auc:([0-9.]+)' }
      ],
      instance_count: 1
    });
  });
});

describe('a job page’s log', () => {
  let widget: Widget | null = null;
  afterEach(() => {
    widget?.dispose();
    widget = null;
  });

  it('shows each chunk once, even when the server answers slower than the polls', async () => {
    const text = 'Traceback: ValueError\n';
    let reads = 0;
    const readLog = async (cursor: number) => {
      reads++;
      // The first answer comes after more than one poll interval.
      await new Promise(resolve => setTimeout(resolve, cursor ? 0 : 1500));
      return cursor
        ? { text: '', next_cursor: cursor, size: cursor, finished: true }
        : {
            text,
            next_cursor: text.length,
            size: text.length,
            finished: false
          };
    };
    const load = async () => ({ status: 'Failed' });
    function View(): React.ReactElement {
      const { log } = useLiveJob('j', load, readLog);
      return <pre data-log="">{log}</pre>;
    }
    widget = ReactWidget.create(<View />);
    Widget.attach(widget, document.body);
    await waitFor(() => reads >= 2, 5000);
    await new Promise(resolve => setTimeout(resolve, 1200));
    expect(widget.node.querySelector('[data-log]')!.textContent).toBe(text);
    expect(reads).toBe(2);
  });
});
