import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { ILogChunk, ITrainingTransition, JobKind } from '../api';
import { formatDuration } from './format';
import type { IJobTimes } from './format';

/**
 * Statuses a job never leaves.
 */
export const FINAL = ['Completed', 'Failed', 'Stopped'];
const POLL_MS = 1000;
const LOG_LIMIT = 200_000;

/**
 * What a detail view gets: its job's name, a way to open another job, text.
 */
export interface IJobDetailProps {
  name: string;
  onOpen: (kind: JobKind, name: string) => void;
  trans: TranslationBundle;
}

/**
 * What every job's detail view follows: the job and its log.
 */
export interface ILiveJob<J> {
  job: J | null;
  log: string;
  error: string;
  setError: (error: string) => void;
}

function message(reason: unknown): string {
  return String((reason as Error).message ?? reason);
}

/**
 * Poll a job and follow its log until it has ended and the log is read.
 *
 * `load` and `readLog` may change between renders; `key` names the job.
 */
export function useLiveJob<J extends { status: string }>(
  key: string,
  load: () => Promise<J>,
  readLog: (cursor: number) => Promise<ILogChunk>
): ILiveJob<J> {
  const [job, setJob] = React.useState<J | null>(null);
  const [log, setLog] = React.useState('');
  const [error, setError] = React.useState('');
  const fetchers = React.useRef({ load, readLog });
  fetchers.current = { load, readLog };

  React.useEffect(() => {
    let cancelled = false;
    let cursor = 0;
    let done = false;
    const tick = async (): Promise<void> => {
      if (done) {
        return;
      }
      try {
        const [next, chunk] = await Promise.all([
          fetchers.current.load(),
          fetchers.current.readLog(cursor)
        ]);
        if (cancelled) {
          return;
        }
        cursor = chunk.next_cursor;
        done =
          chunk.finished ??
          (FINAL.includes(next.status) && chunk.next_cursor >= chunk.size);
        setJob(next);
        if (chunk.text) {
          setLog(previous => (previous + chunk.text).slice(-LOG_LIMIT));
        }
        setError('');
      } catch (reason) {
        setError(message(reason));
      }
    };
    void tick();
    const timer = window.setInterval(() => void tick(), POLL_MS);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, [key]);

  return { job, log, error, setError };
}

/**
 * The top of a job's detail view: name, kind, status, timing, compute and Stop.
 */
export function JobHeader(props: {
  name: string;
  kind: string;
  status: string;
  secondary?: string;
  times: IJobTimes;
  compute?: string;
  onStop: () => Promise<unknown>;
  onError: (error: string) => void;
  trans: TranslationBundle;
  children?: React.ReactNode;
}): React.ReactElement {
  const running = !FINAL.includes(props.status);
  return (
    <header>
      <h2>{props.name}</h2>
      <span className="smstudio-JobKind" data-smstudio-kind="">
        {props.kind}
      </span>
      <span
        className="smstudio-Item-status"
        data-status={props.status.toLowerCase()}
      >
        {props.status}
      </span>
      {props.secondary && (
        <span data-smstudio-secondary="">{props.secondary}</span>
      )}
      <span>{formatDuration(props.times)}</span>
      {props.compute && <span>{props.compute}</span>}
      <button
        className="jp-mod-styled jp-mod-warn"
        disabled={!running || props.status === 'Stopping'}
        onClick={() =>
          void props.onStop().catch(e => props.onError(message(e)))
        }
      >
        {props.trans.__('Stop')}
      </button>
      {props.children}
    </header>
  );
}

/**
 * Why a job failed, and any error talking to the server.
 */
export function JobProblems(props: {
  error: string;
  failure: string | null | undefined;
}): React.ReactElement {
  return (
    <>
      {props.error && <p className="smstudio-Error-message">{props.error}</p>}
      {props.failure && (
        <pre className="smstudio-JobFailure" data-smstudio-failure="">
          {props.failure}
        </pre>
      )}
    </>
  );
}

/**
 * The secondary-status transitions with how long each took.
 */
export function JobStages(props: {
  transitions: ITrainingTransition[];
}): React.ReactElement {
  return (
    <ol className="smstudio-JobStages">
      {props.transitions.map(t => (
        <li key={`${t.status}-${t.start_ms}`} title={t.message}>
          {t.status}
          {t.end_ms !== null && t.end_ms > t.start_ms
            ? ` ${((t.end_ms - t.start_ms) / 1000).toFixed(1)}s`
            : ''}
        </li>
      ))}
    </ol>
  );
}

/**
 * A two-column table of labelled values (inputs, outputs, paths).
 */
export function JobTable(props: {
  caption: string;
  rows: [string, string][];
  open?: boolean;
}): React.ReactElement {
  return (
    <details open={props.open ?? true}>
      <summary>{props.caption}</summary>
      <table className="smstudio-JobTable">
        <tbody>
          {props.rows.map(([label, value]) => (
            <tr key={label}>
              <td>{label}</td>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/**
 * The job's log, as followed so far.
 */
export function JobLog(props: { log: string }): React.ReactElement {
  return (
    <pre className="smstudio-JobLog" data-smstudio-log="">
      {props.log}
    </pre>
  );
}
