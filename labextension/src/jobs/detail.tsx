import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  getTrainingJob,
  getTrainingJobLogs,
  getTrainingJobMetrics,
  stopTrainingJob,
  trainingJobArtifactURL
} from '../api';
import type { ITrainingJobDetail, ITrainingMetrics, JobKind } from '../api';
import { deployJob, loadLineage, modelValuesFromJob } from '../forms/lineage';
import type { IDeployProgress, ILineage } from '../forms/lineage';
import { derivedName, trainingValuesFromSpec } from '../forms/logic';
import { chartAxes, kindLabels } from './format';
import {
  FINAL,
  type IJobActions,
  type IJobDetailProps,
  JobHeader,
  JobLog,
  JobProblems,
  JobStages,
  JobTable,
  useLiveJob
} from './live';
import { ProcessingJobDetail, TransformJobDetail } from './kinds';

const ARTIFACTS = ['model.tar.gz', 'output.tar.gz'];
const CHART = {
  width: 360,
  height: 180,
  left: 52,
  bottom: 34,
  top: 10,
  right: 28
};

/**
 * A metric over time: value (y) against seconds since the first point (x),
 * with ticks and axis titles.
 */
function MetricChart(props: {
  name: string;
  points: { timestamp_ms: number; value: number }[];
  trans: TranslationBundle;
}): React.ReactElement {
  const { name, points, trans } = props;
  const last = points[points.length - 1];
  const axes = chartAxes(points, CHART);
  const { width, height, left, bottom, top } = CHART;
  const label = trans.__(
    '%1 over time: %2 points, last %3',
    name,
    points.length,
    last === undefined ? '–' : Number(last.value.toPrecision(4))
  );
  return (
    <figure className="smstudio-JobChart" data-smstudio-metric={name}>
      <figcaption>
        {name}: {last === undefined ? '–' : Number(last.value.toPrecision(4))}
      </figcaption>
      <svg width={width} height={height} role="img" aria-label={label}>
        <line
          className="smstudio-JobChart-axis"
          x1={left}
          y1={top}
          x2={left}
          y2={height - bottom}
        />
        <line
          className="smstudio-JobChart-axis"
          x1={left}
          y1={height - bottom}
          x2={width - CHART.right}
          y2={height - bottom}
        />
        {axes.yTicks.map(t => (
          <text
            key={`y${t.at}`}
            className="smstudio-JobChart-tick"
            x={left - 4}
            y={t.at + 3}
            textAnchor="end"
          >
            {t.label}
          </text>
        ))}
        {axes.xTicks.map(t => (
          <text
            key={`x${t.at}`}
            className="smstudio-JobChart-tick"
            x={t.at}
            y={height - bottom + 12}
            textAnchor="middle"
          >
            {t.label}
          </text>
        ))}
        <text
          className="smstudio-JobChart-title"
          x={(left + width) / 2}
          y={height - 4}
          textAnchor="middle"
        >
          {trans.__('seconds since the first value')}
        </text>
        <text
          className="smstudio-JobChart-title"
          transform={`translate(12 ${(top + height - bottom) / 2}) rotate(-90)`}
          textAnchor="middle"
        >
          {name}
        </text>
        <polyline points={axes.points} />
      </svg>
    </figure>
  );
}

function describeDeploy(
  progress: IDeployProgress,
  trans: TranslationBundle
): string {
  switch (progress.step) {
    case 'model':
      return trans.__('Creating the model…');
    case 'endpoint':
      return trans.__(
        'Model %1 ready; creating endpoint %2…',
        progress.model,
        progress.endpoint
      );
    case 'waiting':
      return trans.__(
        'Endpoint %1 is %2; waiting until it is InService…',
        progress.endpoint,
        progress.status
      );
    case 'done':
      return trans.__('Endpoint %1 is InService.', progress.endpoint);
    default:
      return progress.message ?? '';
  }
}

/**
 * A completed job's way on: Deploy, Create model, Batch transform, and links
 * to the models and endpoints made from it.
 */
function JobLineage(props: {
  job: ITrainingJobDetail;
  actions?: IJobActions;
  trans: TranslationBundle;
}): React.ReactElement | null {
  const { job, actions, trans } = props;
  const [lineage, setLineage] = React.useState<ILineage | null>(null);
  const [progress, setProgress] = React.useState<IDeployProgress | null>(null);
  const [error, setError] = React.useState('');
  const completed = job.status === 'Completed' && !!job.model_artifacts;
  const refresh = React.useCallback(() => {
    loadLineage(job.model_artifacts)
      .then(setLineage)
      .catch(() => setLineage({ models: [], endpoints: [] }));
  }, [job.model_artifacts]);
  React.useEffect(() => {
    if (completed) {
      refresh();
    }
  }, [completed, refresh]);
  if (!completed) {
    return null;
  }
  const deploying =
    progress !== null && progress.step !== 'done' && progress.step !== 'failed';
  const deploy = (): void => {
    setError('');
    deployJob(job, setProgress)
      .then(endpoint => {
        refresh();
        actions?.openEndpoint(endpoint.name);
      })
      .catch(reason => {
        setProgress({ step: 'failed' });
        setError(String((reason as Error).message ?? reason));
      });
  };
  const firstModel = lineage?.models[0];
  return (
    <section
      className="smstudio-JobLineage"
      aria-label={trans.__('Use the model')}
    >
      <div className="smstudio-JobLineage-actions">
        <button
          className="jp-mod-styled jp-mod-accept"
          data-smstudio-action="deploy"
          disabled={deploying}
          onClick={deploy}
        >
          {deploying ? trans.__('Deploying…') : trans.__('Deploy')}
        </button>
        <button
          className="jp-mod-styled"
          data-smstudio-action="create-model"
          onClick={() => actions?.openForm('model', modelValuesFromJob(job))}
        >
          {trans.__('Create model…')}
        </button>
        <button
          className="jp-mod-styled"
          data-smstudio-action="transform"
          disabled={!firstModel}
          title={
            firstModel
              ? undefined
              : trans.__('Create a model from this job first.')
          }
          onClick={() =>
            firstModel &&
            actions?.openForm('transform', {
              name: derivedName(job.name, 'transform'),
              model_name: firstModel
            })
          }
        >
          {trans.__('Batch transform…')}
        </button>
      </div>
      {progress && (
        <p
          className="smstudio-JobLineage-progress"
          role="status"
          data-smstudio-deploy=""
        >
          {describeDeploy(progress, trans)}
        </p>
      )}
      {error && (
        <p className="smstudio-Error-message" role="alert">
          {error}
        </p>
      )}
      {lineage &&
        (lineage.models.length > 0 || lineage.endpoints.length > 0) && (
          <dl className="smstudio-JobLineage-links" data-smstudio-lineage="">
            <dt>{trans.__('Models')}</dt>
            <dd>{lineage.models.join(', ') || '–'}</dd>
            <dt>{trans.__('Endpoints')}</dt>
            <dd>
              {lineage.endpoints.length
                ? lineage.endpoints.map(name => (
                    <button
                      key={name}
                      className="smstudio-Link"
                      data-smstudio-endpoint-link={name}
                      onClick={() => actions?.openEndpoint(name)}
                    >
                      {name}
                    </button>
                  ))
                : '–'}
            </dd>
          </dl>
        )}
    </section>
  );
}

type TrainingView = ITrainingJobDetail & { series: ITrainingMetrics };

/**
 * The live detail of one training job: status, stages, metrics, channels,
 * hyperparameters, artifacts, what was made from it, a following log, Stop
 * (while it can act) and Clone (a prefilled form).
 */
export function TrainingJobDetail(props: IJobDetailProps): React.ReactElement {
  const { name, trans, actions } = props;
  const { job, log, error, setError } = useLiveJob<TrainingView>(
    `training:${name}`,
    async () => {
      const [next, series] = await Promise.all([
        getTrainingJob(name, { poll: true }),
        getTrainingJobMetrics(name, { poll: true })
      ]);
      return { ...next, series };
    },
    cursor => getTrainingJobLogs(name, cursor, { poll: true })
  );

  if (!job) {
    return (
      <div className="smstudio-Message">{error || trans.__('Loading…')}</div>
    );
  }
  const running = !FINAL.includes(job.status);
  const sourceDir = String(job.spec.source_dir ?? '');
  const channels = Object.entries(
    (job.spec.channels ?? {}) as Record<string, { path?: string }>
  ).map(([channel, c]) => [channel, c.path ?? ''] as [string, string]);
  return (
    <div
      className="smstudio-JobDetail"
      data-smstudio-job={job.name}
      data-smstudio-job-kind="training"
    >
      <JobHeader
        name={job.name}
        kind={kindLabels(trans).training}
        status={job.status}
        secondary={job.secondary_status}
        times={job}
        compute={`${job.instance_type} × ${job.instance_count} (${job.backend})`}
        onStop={() => stopTrainingJob(name)}
        onError={setError}
        trans={trans}
      >
        {actions && (
          <button
            className="jp-mod-styled"
            data-smstudio-action="clone"
            onClick={() =>
              actions.openForm(
                'training',
                trainingValuesFromSpec({ ...job.spec, name: job.name })
              )
            }
          >
            {trans.__('Clone…')}
          </button>
        )}
        {actions?.tune && (
          <button
            className="jp-mod-styled"
            data-smstudio-action="tune"
            onClick={() => actions.tune?.(job.name)}
          >
            {trans.__('Tune…')}
          </button>
        )}
      </JobHeader>
      <JobProblems
        error={error}
        failure={job.failure_reason}
        sourceDir={sourceDir}
      />
      <JobStages
        transitions={job.transitions}
        status={job.status}
        kind="training"
        trans={trans}
      />
      <JobLineage job={job} actions={actions} trans={trans} />
      <section className="smstudio-JobCharts">
        {job.series.metrics.map(m => (
          <MetricChart
            key={m.name}
            name={m.name}
            points={m.points}
            trans={trans}
          />
        ))}
      </section>
      <JobTable
        caption={trans.__('Code')}
        rows={[
          [trans.__('Entry point'), String(job.spec.entry_point ?? '–')],
          [trans.__('Source folder'), sourceDir || '–']
        ]}
      />
      <div data-smstudio-channels="">
        <JobTable
          caption={trans.__('Input data (channels)')}
          rows={channels.length ? channels : [[trans.__('none'), '']]}
        />
      </div>
      <JobTable
        caption={trans.__('Hyperparameters')}
        rows={Object.entries(job.spec.hyperparameters ?? {}).map(
          ([k, v]) => [k, JSON.stringify(v)] as [string, string]
        )}
      />
      {!running && (
        <p className="smstudio-JobArtifacts">
          {trans.__('Artifacts:')}
          {ARTIFACTS.map(artifact => (
            <a
              key={artifact}
              href={trainingJobArtifactURL(job.name, artifact)}
              download
            >
              {artifact}
            </a>
          ))}
        </p>
      )}
      <JobLog log={log} />
    </div>
  );
}

const VIEWS: Record<JobKind, (props: IJobDetailProps) => React.ReactElement> = {
  training: TrainingJobDetail,
  processing: ProcessingJobDetail,
  transform: TransformJobDetail
};

/**
 * The main-area id of a job's detail view.
 */
export function jobWidgetId(kind: JobKind, name: string): string {
  return `smstudio-job-${kind}-${name}`;
}

/**
 * Make the detail view of a job of any kind for the main area.
 */
export function createJobDetail(
  kind: JobKind,
  name: string,
  onOpen: (kind: JobKind, name: string) => void,
  trans: TranslationBundle,
  actions?: IJobActions
): MainAreaWidget<ReactWidget> {
  const View = VIEWS[kind];
  const content = ReactWidget.create(
    <View name={name} onOpen={onOpen} trans={trans} actions={actions} />
  );
  const widget = new MainAreaWidget({ content });
  widget.id = jobWidgetId(kind, name);
  widget.title.label = trans.__('%1: %2', kindLabels(trans)[kind], name);
  widget.title.closable = true;
  return widget;
}
