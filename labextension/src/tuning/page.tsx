/**
 * The tuning job page: status and counters, Stop, the trials, the objective
 * per trial with the best so far, parallel coordinates and the best trial
 * with Deploy.
 */
import {
  MainAreaWidget,
  Notification,
  ReactWidget
} from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  getTrainingJob,
  getTuningJob,
  listAllTrials,
  stopTuningJob
} from '../api';
import type { ITrialSummary, ITuningJob, JobKind } from '../api';
import { deployJob } from '../forms/lineage';
import { JobHeader, JobProblems, JobTable, useLiveJob } from '../jobs/live';
import type { IJobActions } from '../jobs/live';
import {
  bestSoFar,
  formatNumber,
  formatValue,
  objectiveOf,
  parallelAxes,
  trialPositions
} from './logic';

const W = 560;
const H = 180;
const PAD = { left: 56, right: 16, top: 12, bottom: 28 };
const DONE_LOG = { text: '', next_cursor: 0, size: 0 };

type TuningView = ITuningJob & { trials: ITrialSummary[] };

/**
 * The objective of each trial (dots) and the best so far (a line).
 */
export function ObjectiveChart(props: {
  view: TuningView;
  trans: TranslationBundle;
}): React.ReactElement {
  const { view, trans } = props;
  const objective = view.config.hyper_parameter_tuning_job_objective;
  const points = bestSoFar(view.trials, objective.type);
  const values = points.flatMap(p => (p.value === null ? [] : [p.value]));
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const n = Math.max(points.length, 1);
  const x = (i: number): number => PAD.left + (i + 0.5) * (plotW / n);
  const y = (v: number): number =>
    PAD.top + plotH - (hi === lo ? 0.5 : (v - lo) / (hi - lo)) * plotH;
  const line = points
    .map((p, i) => (p.best === null ? '' : `${x(i)},${y(p.best)}`))
    .filter(Boolean)
    .join(' ');
  const title = trans.__(
    '%1 per trial (%2); the line is the best so far',
    objective.metric_name,
    objective.type === 'Minimize'
      ? trans.__('lower is better')
      : trans.__('higher is better')
  );
  return (
    <figure className="smstudio-Chart" data-smstudio-objective-chart="">
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={title}
        className="smstudio-Chart-svg"
      >
        {[lo, hi].map(t => (
          <g key={t}>
            <line
              x1={PAD.left}
              x2={W - PAD.right}
              y1={y(t)}
              y2={y(t)}
              className="smstudio-Chart-grid"
            />
            <text
              x={PAD.left - 4}
              y={y(t) + 4}
              textAnchor="end"
              className="smstudio-Chart-tick"
            >
              {formatNumber(t)}
            </text>
          </g>
        ))}
        <text
          x={PAD.left + plotW / 2}
          y={H - 6}
          textAnchor="middle"
          className="smstudio-Chart-tick"
        >
          {trans.__('trial, in the order it started')}
        </text>
        {points.map((p, i) =>
          p.value === null ? null : (
            <circle
              key={p.trial}
              cx={x(i)}
              cy={y(p.value)}
              r={3}
              className="smstudio-Tuning-dot"
            >
              <title>{`${p.trial}: ${p.value}`}</title>
            </circle>
          )
        )}
        <polyline
          points={line}
          className="smstudio-Tuning-best"
          data-smstudio-best-line=""
        />
      </svg>
    </figure>
  );
}

/**
 * Parallel coordinates: an axis per tuned hyperparameter and the objective,
 * a line per trial with an objective (the best one drawn last, marked).
 */
export function ParallelCoordinates(props: {
  view: TuningView;
  trans: TranslationBundle;
}): React.ReactElement {
  const { view, trans } = props;
  const axes = parallelAxes(view, view.trials);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number): number =>
    PAD.left + (axes.length > 1 ? (i / (axes.length - 1)) * plotW : plotW / 2);
  const y = (p: number): number => PAD.top + plotH - p * plotH;
  const best = view.best_training_job?.training_job_name;
  const trials = view.trials
    .filter(t => objectiveOf(t) !== null)
    .sort(
      (a, b) =>
        Number(a.training_job_name === best) -
        Number(b.training_job_name === best)
    );
  const title = trans.__(
    'Hyperparameters against %1',
    axes[axes.length - 1].name
  );
  return (
    <figure className="smstudio-Chart" data-smstudio-parallel="">
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={title}
        className="smstudio-Chart-svg"
      >
        {trials.map(trial => {
          const points = trialPositions(axes, trial)
            .map((p, i) => (p === null ? '' : `${x(i)},${y(p)}`))
            .filter(Boolean)
            .join(' ');
          return (
            <polyline
              key={trial.training_job_name}
              points={points}
              className={
                trial.training_job_name === best
                  ? 'smstudio-Tuning-trial smstudio-mod-best'
                  : 'smstudio-Tuning-trial'
              }
            >
              <title>{trial.training_job_name}</title>
            </polyline>
          );
        })}
        {axes.map((axis, i) => (
          <g key={axis.name} data-smstudio-axis={axis.name}>
            <line
              x1={x(i)}
              x2={x(i)}
              y1={y(0)}
              y2={y(1)}
              className="smstudio-Chart-grid"
            />
            {axis.ticks.map(([label, p]) => (
              <text
                key={label}
                x={x(i) + 3}
                y={y(p) + 4}
                className="smstudio-Chart-tick"
              >
                {label}
              </text>
            ))}
            <text
              x={x(i)}
              y={H - 6}
              textAnchor="middle"
              className="smstudio-Chart-tick"
            >
              {axis.log ? trans.__('%1 (log)', axis.name) : axis.name}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

/**
 * Every trial: a row per training job, opened with a click or Enter.
 */
export function TrialsTable(props: {
  trials: ITrialSummary[];
  best?: string;
  onOpen: (name: string) => void;
  trans: TranslationBundle;
}): React.ReactElement {
  const { trials, trans } = props;
  const names = [
    ...new Set(trials.flatMap(t => Object.keys(t.tuned_hyper_parameters)))
  ];
  return (
    <table
      className="smstudio-Table smstudio-Tuning-trials"
      aria-label={trans.__('Trials')}
    >
      <caption>{trans.__('Trials')}</caption>
      <thead>
        <tr>
          <th scope="col">{trans.__('Training job')}</th>
          {names.map(n => (
            <th scope="col" key={n}>
              {n}
            </th>
          ))}
          <th scope="col">{trans.__('Objective')}</th>
          <th scope="col">{trans.__('Status')}</th>
        </tr>
      </thead>
      <tbody>
        {trials.map(t => {
          const value = objectiveOf(t);
          const isBest = t.training_job_name === props.best;
          return (
            <tr
              key={t.training_job_name}
              tabIndex={0}
              className={isBest ? 'smstudio-mod-best' : undefined}
              data-smstudio-trial={t.training_job_name}
              aria-label={trans.__('Open training job %1', t.training_job_name)}
              onClick={() => props.onOpen(t.training_job_name)}
              onKeyDown={event => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault();
                  props.onOpen(t.training_job_name);
                }
              }}
            >
              <td>
                {t.training_job_name}
                {isBest && <strong> {trans.__('(best)')}</strong>}
              </td>
              {names.map(n => (
                <td key={n} title={t.tuned_hyper_parameters[n]}>
                  {formatValue(t.tuned_hyper_parameters[n])}
                </td>
              ))}
              <td>{value === null ? '–' : formatNumber(value)}</td>
              <td>
                {t.training_job_status}
                {t.early_stopped && ` (${trans.__('stopped early')})`}
                {t.retried && ` (${trans.__('retried')})`}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function BestTrial(props: {
  trial: ITrialSummary;
  actions?: IJobActions;
  onOpen: (name: string) => void;
  trans: TranslationBundle;
}): React.ReactElement {
  const { trial, trans } = props;
  const [busy, setBusy] = React.useState(false);
  const deploy = (): void => {
    setBusy(true);
    getTrainingJob(trial.training_job_name)
      .then(job => deployJob(job, () => undefined))
      .then(endpoint => {
        Notification.success(
          trans.__('Endpoint %1 is InService.', endpoint.name)
        );
        props.actions?.openEndpoint(endpoint.name);
      })
      .catch(reason =>
        Notification.error(
          trans.__(
            'Could not deploy %1: %2',
            trial.training_job_name,
            String((reason as Error).message ?? reason)
          )
        )
      )
      .finally(() => setBusy(false));
  };
  const value = objectiveOf(trial);
  return (
    <section
      className="smstudio-Tuning-bestTrial"
      aria-label={trans.__('Best training job')}
      data-smstudio-best={trial.training_job_name}
    >
      <h3>{trans.__('Best training job')}</h3>
      <button
        className="smstudio-Link"
        onClick={() => props.onOpen(trial.training_job_name)}
      >
        {trial.training_job_name}
      </button>
      <span>{value === null ? '' : ` ${formatNumber(value)} `}</span>
      <button
        className="jp-mod-styled jp-mod-accept"
        data-smstudio-action="deploy"
        disabled={busy}
        onClick={deploy}
      >
        {busy ? trans.__('Deploying…') : trans.__('Deploy')}
      </button>
    </section>
  );
}

/**
 * The live page of one tuning job.
 */
export function TuningJobPage(props: {
  name: string;
  onOpen: (kind: JobKind, name: string) => void;
  actions?: IJobActions;
  trans: TranslationBundle;
}): React.ReactElement {
  const { name, trans } = props;
  const { job, error, setError } = useLiveJob<TuningView>(
    `tuning:${name}`,
    async () => {
      const [next, trials] = await Promise.all([
        getTuningJob(name, { poll: true }),
        listAllTrials(name, { poll: true })
      ]);
      return { ...next, trials };
    },
    () => Promise.resolve(DONE_LOG)
  );
  if (!job) {
    return (
      <div className="smstudio-Message">{error || trans.__('Loading…')}</div>
    );
  }
  const openTrial = (trial: string): void => props.onOpen('training', trial);
  const jobs = job.training_job_status_counters;
  const objectives = job.objective_status_counters;
  const limits = job.config.resource_limits;
  return (
    <div
      className="smstudio-JobDetail"
      data-smstudio-job={job.name}
      data-smstudio-job-kind="tuning"
    >
      <JobHeader
        name={job.name}
        kind={trans.__('Tuning job')}
        status={job.status}
        times={{
          created_ms: job.created_ms,
          started_ms: job.created_ms,
          ended_ms: job.ended_ms
        }}
        compute={job.strategy}
        onStop={() => stopTuningJob(name)}
        onError={setError}
        trans={trans}
      />
      <JobProblems error={error} failure={job.failure_reason} />
      <JobTable
        caption={trans.__('Training jobs')}
        rows={[
          [trans.__('Completed'), String(jobs.completed)],
          [trans.__('Running'), String(jobs.in_progress)],
          [trans.__('Stopped'), String(jobs.stopped)],
          [trans.__('Failed (retried)'), String(jobs.retryable_error)],
          [trans.__('Failed'), String(jobs.non_retryable_error)],
          [
            trans.__('At most'),
            trans.__(
              '%1, %2 at a time',
              limits.max_number_of_training_jobs ?? '–',
              limits.max_parallel_training_jobs
            )
          ]
        ]}
      />
      <JobTable
        caption={trans.__('Objective values')}
        rows={[
          [trans.__('Reported'), String(objectives.succeeded)],
          [trans.__('Pending'), String(objectives.pending)],
          [trans.__('Missing'), String(objectives.failed)]
        ]}
      />
      {job.best_training_job && (
        <BestTrial
          trial={job.best_training_job}
          actions={props.actions}
          onOpen={openTrial}
          trans={trans}
        />
      )}
      <section className="smstudio-JobCharts">
        <ObjectiveChart view={job} trans={trans} />
        <ParallelCoordinates view={job} trans={trans} />
      </section>
      <TrialsTable
        trials={job.trials}
        best={job.best_training_job?.training_job_name}
        onOpen={openTrial}
        trans={trans}
      />
    </div>
  );
}

/**
 * Make a tuning job's page for the main area (the caller gives its id).
 */
export function createTuningPage(
  name: string,
  onOpen: (kind: JobKind, name: string) => void,
  trans: TranslationBundle,
  actions?: IJobActions
): MainAreaWidget<ReactWidget> {
  const content = ReactWidget.create(
    <TuningJobPage
      name={name}
      onOpen={onOpen}
      actions={actions}
      trans={trans}
    />
  );
  const widget = new MainAreaWidget({ content });
  widget.title.label = trans.__('Tuning job: %1', name);
  widget.title.closable = true;
  return widget;
}
