import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  createTrainingJob,
  getTrainingJob,
  getTrainingJobLogs,
  getTrainingJobMetrics,
  stopTrainingJob,
  trainingJobArtifactURL
} from '../api';
import type { ITrainingJobDetail, ITrainingMetrics, JobKind } from '../api';
import { chartPoints, kindLabels } from './format';
import {
  FINAL,
  type IJobDetailProps,
  JobHeader,
  JobLog,
  JobProblems,
  JobStages,
  useLiveJob
} from './live';
import { ProcessingJobDetail, TransformJobDetail } from './kinds';

const ARTIFACTS = ['model.tar.gz', 'output.tar.gz'];

function MetricChart(props: {
  name: string;
  values: number[];
}): React.ReactElement {
  const last = props.values[props.values.length - 1];
  return (
    <figure className="smstudio-JobChart" data-smstudio-metric={props.name}>
      <figcaption>
        {props.name}: {last === undefined ? '–' : Number(last.toPrecision(4))}
      </figcaption>
      <svg width={240} height={60} role="img" aria-label={props.name}>
        <polyline points={chartPoints(props.values, 240, 60)} />
      </svg>
    </figure>
  );
}

type TrainingView = ITrainingJobDetail & { series: ITrainingMetrics };

/**
 * The live detail of one training job: status, stages, metrics,
 * hyperparameters, artifacts, a following log, Stop and Clone.
 */
export function TrainingJobDetail(props: IJobDetailProps): React.ReactElement {
  const { name, trans } = props;
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
  const clone = async (): Promise<void> => {
    const copy = {
      ...job.spec,
      name: `${job.name.slice(0, 40)}-${Date.now()}`
    };
    try {
      const created = await createTrainingJob(copy);
      props.onOpen('training', created.name);
    } catch (reason) {
      setError(String((reason as Error).message ?? reason));
    }
  };
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
        <button className="jp-mod-styled" onClick={() => void clone()}>
          {trans.__('Clone')}
        </button>
      </JobHeader>
      <JobProblems error={error} failure={job.failure_reason} />
      <JobStages transitions={job.transitions} />
      <section className="smstudio-JobCharts">
        {job.series.metrics.map(m => (
          <MetricChart
            key={m.name}
            name={m.name}
            values={m.points.map(p => p.value)}
          />
        ))}
      </section>
      <details open>
        <summary>{trans.__('Hyperparameters')}</summary>
        <table className="smstudio-JobTable">
          <tbody>
            {Object.entries(job.spec.hyperparameters ?? {}).map(([k, v]) => (
              <tr key={k}>
                <td>{k}</td>
                <td>{JSON.stringify(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
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
  trans: TranslationBundle
): MainAreaWidget<ReactWidget> {
  const View = VIEWS[kind];
  const content = ReactWidget.create(
    <View name={name} onOpen={onOpen} trans={trans} />
  );
  const widget = new MainAreaWidget({ content });
  widget.id = jobWidgetId(kind, name);
  widget.title.label = trans.__('%1: %2', kindLabels(trans)[kind], name);
  widget.title.closable = true;
  return widget;
}
