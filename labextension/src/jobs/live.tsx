import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { ILogChunk, ITrainingTransition, JobKind } from '../api';
import type { FormKind } from '../forms/forms';
import { cleanFailure } from '../forms/logic';
import type { FormValues } from '../forms/logic';
import { formatDuration, stageView } from './format';
import type { IJobTimes, StageState } from './format';

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
  /**
   * Lineage: open a prefilled form, open an endpoint (left out in tests).
   */
  actions?: IJobActions;
}

/**
 * What a job page's lineage actions (Clone, Deploy, Create model, Batch
 * transform) do outside it.
 */
export interface IJobActions {
  openForm: (kind: FormKind, initial: FormValues) => void;
  openEndpoint: (name: string) => void;
  /**
   * Open the "Tune…" form for a training job (left out where tuning is not
   * offered).
   */
  tune?: (job: string) => void;
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
    let timer = 0;
    // One read at a time: overlapping polls would read the same chunk twice
    // (the log shown twice); a chunk short of the end is followed at once, so
    // the view keeps up with a fast log.
    const tick = async (): Promise<void> => {
      let done = false;
      let behind = false;
      try {
        const [next, chunk] = await Promise.all([
          fetchers.current.load(),
          fetchers.current.readLog(cursor)
        ]);
        if (cancelled) {
          return;
        }
        cursor = chunk.next_cursor;
        behind = !!chunk.text && chunk.next_cursor < chunk.size;
        done =
          !behind &&
          (chunk.finished ??
            (FINAL.includes(next.status) && chunk.next_cursor >= chunk.size));
        setJob(next);
        if (chunk.text) {
          setLog(previous => (previous + chunk.text).slice(-LOG_LIMIT));
        }
        setError('');
      } catch (reason) {
        if (cancelled) {
          return;
        }
        setError(message(reason));
      }
      if (!done && !cancelled) {
        timer = window.setTimeout(() => void tick(), behind ? 0 : POLL_MS);
      }
    };
    void tick();
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
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
  // The secondary status says more only while it differs ("Training").
  const secondary =
    props.secondary && props.secondary !== props.status && running
      ? props.secondary
      : '';
  return (
    <header>
      <h2>{props.name}</h2>
      <span className="smstudio-JobKind" data-smstudio-kind="">
        {props.kind}
      </span>
      <span
        className="smstudio-Item-status"
        data-status={props.status.toLowerCase()}
        data-smstudio-status=""
      >
        {props.status}
      </span>
      {secondary && <span data-smstudio-secondary="">{secondary}</span>}
      <span>{formatDuration(props.times)}</span>
      {props.compute && <span>{props.compute}</span>}
      {running && (
        <button
          className="jp-mod-styled jp-mod-warn"
          disabled={props.status === 'Stopping'}
          onClick={() =>
            void props.onStop().catch(e => props.onError(message(e)))
          }
        >
          {props.status === 'Stopping'
            ? props.trans.__('Stopping…')
            : props.trans.__('Stop')}
        </button>
      )}
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
  sourceDir?: string;
}): React.ReactElement {
  return (
    <>
      {props.error && <p className="smstudio-Error-message">{props.error}</p>}
      {props.failure && (
        <pre className="smstudio-JobFailure" data-smstudio-failure="">
          {cleanFailure(props.failure, props.sourceDir)}
        </pre>
      )}
    </>
  );
}

const STAGE_MARKS: Record<StageState, string> = {
  done: '✓',
  running: '…',
  failed: '✗',
  stopped: '■',
  'not-reached': '–'
};

/**
 * The stages, honestly: done ✓, running …, failed ✗ (or stopped), and those
 * never reached, with how long each took.
 */
export function JobStages(props: {
  transitions: ITrainingTransition[];
  status: string;
  kind?: JobKind;
  trans: TranslationBundle;
}): React.ReactElement {
  const { trans } = props;
  const words: Record<StageState, string> = {
    done: trans.__('done'),
    running: trans.__('in progress'),
    failed: trans.__('failed here'),
    stopped: trans.__('stopped here'),
    'not-reached': trans.__('not reached')
  };
  return (
    <ol className="smstudio-JobStages" aria-label={trans.__('Stages')}>
      {stageView(props.transitions, props.status, props.kind).map(stage => (
        <li
          key={stage.status}
          title={stage.message || undefined}
          data-stage={stage.status}
          data-state={stage.state}
          aria-label={`${stage.status}: ${words[stage.state]}`}
        >
          <span aria-hidden="true">{STAGE_MARKS[stage.state]} </span>
          {stage.status}
          {stage.seconds !== null ? ` ${stage.seconds.toFixed(1)}s` : ''}
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
