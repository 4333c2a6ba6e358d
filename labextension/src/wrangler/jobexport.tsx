import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import { PathExt } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  checkSpaceName,
  createFlowProcessingJob,
  listComputeProfiles
} from '../api';
import type {
  IComputeProfile,
  IFlowJobRequest,
  IProcessingJobDetail,
  JobKind
} from '../api';
import { fieldError } from './fields';
import type { IFieldError } from './fields';
import { TransContext, useTrans } from './trans';

type OutputFormat = 'parquet' | 'csv';

/**
 * What the "Run as processing job" dialog asks: every field has a value.
 */
export interface IJobOptions {
  jobName: string;
  instanceType: string;
  outputPath: string;
  format: OutputFormat;
}

/**
 * A job name like the server's default: the flow's name and the time.
 */
export function defaultJobName(flow: string, now = new Date()): string {
  const stem =
    PathExt.basename(flow, PathExt.extname(flow))
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 36) || 'flow';
  const two = (n: number): string => String(n).padStart(2, '0');
  const stamp =
    `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}-` +
    `${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
  return `${stem}-${stamp}`;
}

/**
 * Where a job's outputs go by default: next to the flow, named after the job.
 */
export function defaultOutputPath(flow: string, jobName: string): string {
  return PathExt.join(PathExt.dirname(flow), jobName);
}

/**
 * Why the options cannot start a job, in words, by field; empty when fine.
 */
export function checkJobOptions(
  options: IJobOptions,
  trans: TranslationBundle
): Partial<Record<keyof IJobOptions, string>> {
  const problems: Partial<Record<keyof IJobOptions, string>> = {};
  const name = checkSpaceName(options.jobName);
  if (name === 'empty') {
    problems.jobName = trans.__('Give the job a name.');
  } else if (name === 'too-long') {
    problems.jobName = trans.__('A job name has at most 63 characters.');
  } else if (name) {
    problems.jobName = trans.__(
      'Use letters, digits and hyphens, starting and ending with a letter or digit.'
    );
  }
  const out = options.outputPath.trim();
  if (!out) {
    problems.outputPath = trans.__('Choose a folder for the outputs.');
  } else if (out.startsWith('/') || out.split('/').includes('..')) {
    problems.outputPath = trans.__(
      'Give a folder inside your space, such as exports/sales.'
    );
  }
  return problems;
}

/**
 * The dialog's form: job name, compute, output folder and format.
 */
function JobOptionsForm(props: {
  initial: IJobOptions;
  flow: string;
  profiles: IComputeProfile[];
  defaultProfile: string;
  onChange: (options: IJobOptions) => void;
}): React.ReactElement {
  const trans = useTrans();
  const [options, setOptions] = React.useState(props.initial);
  // The output folder follows the job name until the user edits it.
  const [pathEdited, setPathEdited] = React.useState(false);
  const problems = checkJobOptions(options, trans);
  const update = (change: Partial<IJobOptions>): void => {
    const next = { ...options, ...change };
    if (change.jobName !== undefined && !pathEdited) {
      next.outputPath = defaultOutputPath(props.flow, change.jobName);
    }
    setOptions(next);
    props.onChange(next);
  };
  const field = (
    id: keyof IJobOptions,
    label: string,
    input: React.ReactElement,
    help?: string
  ): React.ReactElement => (
    <div className="smstudio-SchemaForm-field">
      <label
        className="smstudio-SchemaForm-label"
        htmlFor={`smstudio-flowjob-${id}`}
      >
        {label}
      </label>
      {input}
      {help && <p className="smstudio-SchemaForm-help">{help}</p>}
      {problems[id] && (
        <p className="smstudio-Wrangler-fieldError" role="alert">
          {problems[id]}
        </p>
      )}
    </div>
  );
  return (
    <div className="smstudio-Wrangler-jobForm" data-flow-job-form="">
      {field(
        'jobName',
        trans.__('Job name'),
        <input
          id="smstudio-flowjob-jobName"
          type="text"
          value={options.jobName}
          aria-invalid={!!problems.jobName}
          onChange={e => update({ jobName: e.currentTarget.value })}
        />
      )}
      {field(
        'instanceType',
        trans.__('Instance type'),
        <select
          id="smstudio-flowjob-instanceType"
          value={options.instanceType}
          onChange={e => update({ instanceType: e.currentTarget.value })}
        >
          <option value="">
            {props.defaultProfile
              ? trans.__('Default (%1)', props.defaultProfile)
              : trans.__('Default')}
          </option>
          {props.profiles.map(p => (
            <option key={p.name} value={p.name}>
              {p.description ? `${p.name} · ${p.description}` : p.name}
            </option>
          ))}
        </select>
      )}
      {field(
        'outputPath',
        trans.__('Output folder'),
        <input
          id="smstudio-flowjob-outputPath"
          type="text"
          value={options.outputPath}
          aria-invalid={!!problems.outputPath}
          onChange={e => {
            setPathEdited(true);
            update({ outputPath: e.currentTarget.value });
          }}
        />,
        trans.__(
          'A folder in your space; each output of a split becomes a folder in it.'
        )
      )}
      {field(
        'format',
        trans.__('Format'),
        <select
          id="smstudio-flowjob-format"
          value={options.format}
          data-flow-job-format=""
          onChange={e =>
            update({ format: e.currentTarget.value as OutputFormat })
          }
        >
          <option value="parquet">{trans.__('Parquet')}</option>
          <option value="csv">{trans.__('CSV')}</option>
        </select>
      )}
    </div>
  );
}

/**
 * The dialog body: the form, and its values for the dialog's result.
 */
class JobOptionsBody
  extends ReactWidget
  implements Dialog.IBodyWidget<IJobOptions>
{
  constructor(
    private _props: {
      initial: IJobOptions;
      flow: string;
      profiles: IComputeProfile[];
      defaultProfile: string;
      trans: TranslationBundle;
    }
  ) {
    super();
    this._value = _props.initial;
  }

  getValue(): IJobOptions {
    return this._value;
  }

  protected render(): React.ReactElement {
    const { trans, ...rest } = this._props;
    return (
      <TransContext.Provider value={trans}>
        <JobOptionsForm {...rest} onChange={v => (this._value = v)} />
      </TransContext.Provider>
    );
  }

  private _value: IJobOptions;
}

/**
 * Ask how to run the flow as a job; `null` when the user cancels. Asks
 * again while the answer has a problem (each shown under its field).
 */
export async function askJobOptions(
  flow: string,
  trans: TranslationBundle,
  initial?: IJobOptions
): Promise<IJobOptions | null> {
  const listed = await listComputeProfiles().catch(() => null);
  const jobName = defaultJobName(flow);
  let options: IJobOptions = initial ?? {
    jobName,
    instanceType: '',
    outputPath: defaultOutputPath(flow, jobName),
    format: 'parquet'
  };
  for (;;) {
    const result = await showDialog({
      title: trans.__('Run the flow as a processing job'),
      body: new JobOptionsBody({
        initial: options,
        flow,
        profiles: listed?.items ?? [],
        defaultProfile: listed?.default_profile ?? '',
        trans
      }),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Start job') })
      ],
      focusNodeSelector: '#smstudio-flowjob-jobName'
    });
    if (!result.button.accept || !result.value) {
      return null;
    }
    options = result.value;
    if (Object.keys(checkJobOptions(options, trans)).length === 0) {
      return options;
    }
  }
}

/**
 * The request body of the options.
 */
export function jobRequest(options: IJobOptions): IFlowJobRequest {
  return {
    job_name: options.jobName,
    output_path: options.outputPath.trim().replace(/\/+$/, ''),
    output_format: options.format,
    ...(options.instanceType ? { instance_type: options.instanceType } : {})
  };
}

/**
 * Run the flow on its full data as a processing job, from the Export tab:
 * a dialog asks the job name, the instance type and where the outputs go.
 *
 * The job runs the flow's code without the server; each named output of a
 * split becomes its own folder in the output folder.
 */
export function RunAsJob(props: {
  name: string;
  /**
   * Open the job's detail view (the `ISMStudio` service's `openJob`).
   */
  openJob?: (kind: JobKind, name: string) => void;
  /**
   * How to ask for the options (the dialog, by default).
   */
  ask?: (
    flow: string,
    trans: TranslationBundle,
    initial?: IJobOptions
  ) => Promise<IJobOptions | null>;
}): React.ReactElement {
  const trans = useTrans();
  const { openJob } = props;
  const ask = props.ask ?? askJobOptions;
  const [job, setJob] = React.useState<{
    detail: IProcessingJobDetail;
    outputPath: string;
  } | null>(null);
  const [error, setError] = React.useState<IFieldError | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [last, setLast] = React.useState<IJobOptions | undefined>();
  const start = async (): Promise<void> => {
    const options = await ask(props.name, trans, last);
    if (!options) {
      return;
    }
    setLast(options);
    setBusy(true);
    setError(null);
    const body = jobRequest(options);
    try {
      const created = await createFlowProcessingJob(props.name, body);
      setJob({ detail: created, outputPath: body.output_path ?? '' });
      openJob?.('processing', created.name);
    } catch (e) {
      setError(fieldError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="smstudio-Wrangler-runJob" data-flow-job="">
      <p className="smstudio-Message">
        {trans.__(
          'Run the flow on the full data as a processing job; each split output becomes its own folder.'
        )}
      </p>
      <div className="smstudio-Wrangler-stepActions">
        <button
          className="jp-mod-styled jp-mod-accept"
          disabled={busy}
          data-export="processing-job"
          onClick={() => void start()}
        >
          {trans.__('Run as processing job…')}
        </button>
      </div>
      {error && (
        <div className="smstudio-Error" role="alert">
          <p className="smstudio-Error-message">{error.message}</p>
        </div>
      )}
      {job && (
        <p className="smstudio-Message" data-flow-job-started={job.detail.name}>
          {trans.__('Started %1; outputs go to:', job.detail.name)}{' '}
          {job.detail.output_locations
            .map(o => PathExt.join(job.outputPath, o.output_name))
            .join(', ')}{' '}
          <button
            className="jp-mod-styled"
            onClick={() => openJob?.('processing', job.detail.name)}
          >
            {trans.__('Show job')}
          </button>
        </p>
      )}
    </div>
  );
}
