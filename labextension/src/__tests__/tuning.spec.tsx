import * as React from 'react';
import type { Widget } from '@lumino/widgets';

import { ApiError } from '../api';
import type { ITrialSummary, ITuningJob, ITuningJobCreate } from '../api';
import { TuneForm } from '../tuning/form';
import {
  bestSoFar,
  categoricalAxis,
  formatValue,
  formFromSpec,
  numericAxis,
  parallelAxes,
  trialPositions,
  tuningRequest
} from '../tuning/logic';
import { TrialsTable } from '../tuning/page';
import { render, trans, waitFor } from './helpers';

function trial(
  name: string,
  created: number,
  value: number | null,
  tuned: Record<string, string> = {}
): ITrialSummary {
  return {
    training_job_name: name,
    tuning_job_name: 't',
    creation_time_ms: created,
    training_start_time_ms: null,
    training_end_time_ms: null,
    training_job_status: value === null ? 'InProgress' : 'Completed',
    tuned_hyper_parameters: tuned,
    failure_reason: null,
    final_hyper_parameter_tuning_job_objective_metric:
      value === null ? null : { type: 'Minimize', metric_name: 'loss', value },
    objective_status: value === null ? 'Pending' : 'Succeeded',
    early_stopped: false,
    retried: false
  };
}

// Created out of order on purpose: the series follows creation time.
const TRIALS = [
  trial('t-003', 3, 0.5),
  trial('t-001', 1, 0.8),
  trial('t-002', 2, null),
  trial('t-004', 4, 0.9)
];

const SPEC = {
  name: 'train-1',
  entry_point: 'train.py',
  source_dir: 'src',
  instance_type: 'local',
  metric_definitions: [
    { name: 'loss', regex: 'loss=(\\S+)' },
    { name: 'acc', regex: 'acc=(\\S+)' }
  ],
  hyperparameters: { epochs: '4', lr: '0.1', opt: 'sgd' }
};

describe('bestSoFar', () => {
  it('keeps the lowest value so far when minimizing', () => {
    expect(bestSoFar(TRIALS, 'Minimize')).toEqual([
      { trial: 't-001', value: 0.8, best: 0.8 },
      { trial: 't-002', value: null, best: 0.8 },
      { trial: 't-003', value: 0.5, best: 0.5 },
      { trial: 't-004', value: 0.9, best: 0.5 }
    ]);
  });

  it('keeps the highest value so far when maximizing', () => {
    expect(bestSoFar(TRIALS, 'Maximize').map(p => p.best)).toEqual([
      0.8, 0.8, 0.8, 0.9
    ]);
  });

  it('has no best before the first value', () => {
    expect(bestSoFar([trial('a', 1, null)], 'Minimize')[0].best).toBeNull();
  });
});

describe('formatValue', () => {
  it('shortens long numbers and leaves integers, text and missing values', () => {
    expect(formatValue('0.2736859245002662')).toBe('0.2737');
    expect(formatValue('1e-7')).toBe('1e-7');
    expect(formatValue('12')).toBe('12');
    expect(formatValue('rbf')).toBe('rbf');
    expect(formatValue(undefined)).toBe('–');
  });
});

describe('parallel coordinate axes', () => {
  it('scales a linear axis from min to max', () => {
    const axis = numericAxis('lr', 0, 10);
    expect(axis.position('5')).toBe(0.5);
    expect(axis.position(10)).toBe(1);
    expect(axis.position(undefined)).toBeNull();
    expect(axis.log).toBe(false);
  });

  it('scales a logarithmic axis by decades', () => {
    const axis = numericAxis('lr', 0.001, 1, true);
    expect(axis.log).toBe(true);
    expect(axis.position(0.01)).toBeCloseTo(1 / 3);
    expect(axis.position(0)).toBeNull();
  });

  it('falls back to linear when a log range includes zero', () => {
    expect(numericAxis('x', 0, 1, true).log).toBe(false);
  });

  it('puts categorical values on discrete ticks', () => {
    const axis = categoricalAxis('opt', ['sgd', 'adam', 'rmsprop']);
    expect(axis.ticks).toEqual([
      ['sgd', 0],
      ['adam', 0.5],
      ['rmsprop', 1]
    ]);
    expect(axis.position('adam')).toBe(0.5);
    expect(axis.position('other')).toBeNull();
  });

  it('makes an axis per range and the objective last', () => {
    const job = {
      config: {
        strategy: 'Bayesian',
        hyper_parameter_tuning_job_objective: {
          type: 'Minimize',
          metric_name: 'loss'
        },
        resource_limits: {
          max_number_of_training_jobs: 4,
          max_parallel_training_jobs: 1
        },
        parameter_ranges: {
          integer_parameter_ranges: [
            { name: 'epochs', min_value: 1, max_value: 9, scaling_type: 'Auto' }
          ],
          continuous_parameter_ranges: [
            {
              name: 'lr',
              min_value: 0.001,
              max_value: 0.1,
              scaling_type: 'Logarithmic'
            }
          ],
          categorical_parameter_ranges: [{ name: 'opt', values: ['a', 'b'] }]
        },
        training_job_early_stopping_type: 'Off'
      }
    } as Pick<ITuningJob, 'config'>;
    const trials = [
      trial('x', 1, 2, { epochs: '5', lr: '0.01', opt: 'b' }),
      trial('y', 2, 4, { epochs: '1', lr: '0.1', opt: 'a' })
    ];
    const axes = parallelAxes(job, trials);
    expect(axes.map(a => [a.name, a.log])).toEqual([
      ['epochs', false],
      ['lr', true],
      ['opt', false],
      ['loss', false]
    ]);
    expect(trialPositions(axes, trials[0])).toEqual([0.5, 0.5, 1, 0]);
    expect(trialPositions(axes, trials[1])).toEqual([0, 1, 0, 1]);
  });
});

describe('the Tune form request', () => {
  it('is pre-filled from the training job', () => {
    const form = formFromSpec('train-1', SPEC);
    expect(form.name).toBe('train-1-tune');
    expect(form.metric).toBe('loss');
    expect(form.parameters.map(p => [p.name, p.kind, p.tune])).toEqual([
      ['epochs', 'Integer', false],
      ['lr', 'Continuous', false],
      ['opt', 'Categorical', false]
    ]);
  });

  it('maps tuned rows to ranges and keeps the others static', () => {
    const form = formFromSpec('train-1', SPEC);
    form.type = 'Maximize';
    form.metric = 'acc';
    form.strategy = 'Random';
    form.maxJobs = '6';
    form.maxParallel = '3';
    form.earlyStopping = 'Auto';
    form.parameters[0] = {
      ...form.parameters[0],
      tune: true,
      min: '1',
      max: '8'
    };
    form.parameters[1] = {
      ...form.parameters[1],
      tune: true,
      min: '0.001',
      max: '1',
      scaling: 'Logarithmic'
    };
    const { body, aliases } = tuningRequest(form, SPEC);
    expect(body).toEqual({
      name: 'train-1-tune',
      config: {
        strategy: 'Random',
        hyper_parameter_tuning_job_objective: {
          type: 'Maximize',
          metric_name: 'acc'
        },
        resource_limits: {
          max_number_of_training_jobs: 6,
          max_parallel_training_jobs: 3
        },
        parameter_ranges: {
          integer_parameter_ranges: [
            { name: 'epochs', min_value: 1, max_value: 8, scaling_type: 'Auto' }
          ],
          continuous_parameter_ranges: [
            {
              name: 'lr',
              min_value: 0.001,
              max_value: 1,
              scaling_type: 'Logarithmic'
            }
          ],
          categorical_parameter_ranges: []
        },
        training_job_early_stopping_type: 'Auto'
      },
      training_job_definition: {
        entry_point: 'train.py',
        source_dir: 'src',
        instance_type: 'local',
        metric_definitions: SPEC.metric_definitions,
        hyperparameters: { opt: 'sgd' }
      }
    });
    expect(
      aliases['config.parameter_ranges.continuous_parameter_ranges.0']
    ).toBe('parameter:lr');
  });

  it('splits categorical values on commas', () => {
    const form = formFromSpec('train-1', SPEC);
    form.parameters[2] = {
      ...form.parameters[2],
      tune: true,
      values: 'sgd, adam,,'
    };
    const { body } = tuningRequest(form, SPEC);
    expect(body.config.parameter_ranges.categorical_parameter_ranges).toEqual([
      { name: 'opt', values: ['sgd', 'adam'] }
    ]);
  });
});

describe('the Tune form', () => {
  let widget: Widget | null = null;
  afterEach(() => {
    widget?.dispose();
    widget = null;
  });

  it('shows a server error beside the hyperparameter it names', async () => {
    const sent: ITuningJobCreate[] = [];
    const send = (body: ITuningJobCreate): Promise<never> => {
      sent.push(body);
      return Promise.reject(
        new ApiError({
          status: 400,
          code: 'ValidationError',
          message:
            'config.parameter_ranges.integer_parameter_ranges.0.max_value: must be above min_value.',
          field: 'config.parameter_ranges.integer_parameter_ranges.0.max_value'
        })
      );
    };
    widget = render(
      <TuneForm
        job="train-1"
        spec={SPEC}
        onCreated={() => undefined}
        trans={trans}
        send={send}
      />
    );
    const node = widget.node;
    await waitFor(() => !!node.querySelector('form'));
    const box = node.querySelector<HTMLInputElement>(
      '[data-smstudio-field="parameter:epochs"] input[type="checkbox"]'
    )!;
    box.click();
    await waitFor(() => box.checked);
    node
      .querySelector('form')!
      .dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    await waitFor(
      () =>
        !!node.querySelector(
          '[data-smstudio-field="parameter:epochs"] [data-smstudio-field-error]'
        )
    );
    expect(sent[0].config.parameter_ranges.integer_parameter_ranges).toEqual([
      { name: 'epochs', min_value: 2, max_value: 8, scaling_type: 'Auto' }
    ]);
    expect(
      node.querySelector(
        '[data-smstudio-field="parameter:epochs"] [data-smstudio-field-error]'
      )!.textContent
    ).toBe('must be above min_value.');
    expect(node.querySelector('[data-smstudio-form-error]')).toBeNull();
  });
});

describe('the trials table', () => {
  it('opens a trial on Enter and marks the best and early stopped', async () => {
    const opened: string[] = [];
    const stopped = { ...trial('t-004', 4, 0.9), early_stopped: true };
    const widget = render(
      <TrialsTable
        trials={[trial('t-003', 3, 0.5), stopped]}
        best="t-003"
        onOpen={name => opened.push(name)}
        trans={trans}
      />
    );
    await waitFor(() => !!widget.node.querySelector('tbody tr'));
    const rows = widget.node.querySelectorAll<HTMLElement>('tbody tr');
    expect(rows[0].textContent).toContain('(best)');
    expect(rows[1].textContent).toContain('stopped early');
    rows[1].dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })
    );
    expect(opened).toEqual(['t-004']);
    widget.dispose();
  });
});
