import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  API_NAMESPACE,
  createTrainingJob,
  getTrainingJob,
  getTrainingJobLogs,
  getTrainingJobMetrics,
  stopTrainingJob
} from '../api';
import type { ITrainingJobDetail, ITrainingMetrics } from '../api';
import { chartPoints, formatDuration } from './format';

const FINAL = ['Completed', 'Failed', 'Stopped'];
const POLL_MS = 1000;
const LOG_LIMIT = 200_000;
const ARTIFACTS = ['model.tar.gz', 'output.tar.gz'];

function artifactURL(job: string, artifact: string): string {
  const settings = ServerConnection.makeSettings();
  return URLExt.join(
    settings.baseUrl,
    API_NAMESPACE,
    'training-jobs',
    encodeURIComponent(job),
    'artifacts',
    artifact
  );
}

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

/**
 * The live detail of one job: status, stages, metrics, hyperparameters,
 * artifacts, a following log, Stop and Clone.
 */
export function JobDetail(props: {
  name: string;
  onOpen: (name: string) => void;
  trans: TranslationBundle;
}): React.ReactElement {
  const { name, trans } = props;
  const [job, setJob] = React.useState<ITrainingJobDetail | null>(null);
  const [metrics, setMetrics] = React.useState<ITrainingMetrics>({
    metrics: []
  });
  const [log, setLog] = React.useState('');
  const [error, setError] = React.useState('');
  const cursor = React.useRef(0);
  const done = React.useRef(false);

  React.useEffect(() => {
    let cancelled = false;
    const tick = async (): Promise<void> => {
      if (done.current) {
        return;
      }
      try {
        const [next, chunk, series] = await Promise.all([
          getTrainingJob(name, { poll: true }),
          getTrainingJobLogs(name, cursor.current, { poll: true }),
          getTrainingJobMetrics(name, { poll: true })
        ]);
        if (cancelled) {
          return;
        }
        cursor.current = chunk.next_cursor;
        done.current = chunk.finished;
        setJob(next);
        setMetrics(series);
        if (chunk.text) {
          setLog(previous => (previous + chunk.text).slice(-LOG_LIMIT));
        }
        setError('');
      } catch (reason) {
        setError(String((reason as Error).message ?? reason));
      }
    };
    void tick();
    const timer = window.setInterval(() => void tick(), POLL_MS);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, [name]);

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
      props.onOpen(created.name);
    } catch (reason) {
      setError(String((reason as Error).message ?? reason));
    }
  };
  return (
    <div className="smstudio-JobDetail" data-smstudio-job={job.name}>
      <header>
        <h2>{job.name}</h2>
        <span
          className="smstudio-Item-status"
          data-status={job.status.toLowerCase()}
        >
          {job.status}
        </span>
        <span data-smstudio-secondary="">{job.secondary_status}</span>
        <span>{formatDuration(job)}</span>
        <span>
          {job.instance_type} × {job.instance_count} ({job.backend})
        </span>
        <button
          className="jp-mod-styled jp-mod-warn"
          disabled={!running || job.status === 'Stopping'}
          onClick={() =>
            void stopTrainingJob(name).catch(e => setError(String(e)))
          }
        >
          {trans.__('Stop')}
        </button>
        <button className="jp-mod-styled" onClick={() => void clone()}>
          {trans.__('Clone')}
        </button>
      </header>
      {error && <p className="smstudio-Error-message">{error}</p>}
      {job.failure_reason && (
        <pre className="smstudio-JobFailure">{job.failure_reason}</pre>
      )}
      <ol className="smstudio-JobStages">
        {job.transitions.map(t => (
          <li key={`${t.status}-${t.start_ms}`} title={t.message}>
            {t.status}
            {t.end_ms !== null && t.end_ms > t.start_ms
              ? ` ${((t.end_ms - t.start_ms) / 1000).toFixed(1)}s`
              : ''}
          </li>
        ))}
      </ol>
      <section className="smstudio-JobCharts">
        {metrics.metrics.map(m => (
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
            <a key={artifact} href={artifactURL(job.name, artifact)} download>
              {artifact}
            </a>
          ))}
        </p>
      )}
      <pre className="smstudio-JobLog" data-smstudio-log="">
        {log}
      </pre>
    </div>
  );
}

/**
 * Open (or reveal) the detail view of a job in the main area.
 */
export function createJobDetail(
  name: string,
  onOpen: (name: string) => void,
  trans: TranslationBundle
): MainAreaWidget<ReactWidget> {
  const content = ReactWidget.create(
    <JobDetail name={name} onOpen={onOpen} trans={trans} />
  );
  const widget = new MainAreaWidget({ content });
  widget.id = `smstudio-job-${name}`;
  widget.title.label = trans.__('Job: %1', name);
  widget.title.closable = true;
  return widget;
}
