import * as React from 'react';

import { createFlowProcessingJob } from '../api';
import type { IProcessingJobDetail, JobKind } from '../api';
import { useTrans } from './trans';

type OutputFormat = 'parquet' | 'csv';

/**
 * Run the flow on its full data as a processing job, from the Export tab.
 *
 * The job runs the flow's code without the server; each named output of a
 * split becomes its own folder next to the flow.
 */
export function RunAsJob(props: {
  name: string;
  /**
   * Open the job's detail view (the `ISMStudio` service's `openJob`).
   */
  openJob?: (kind: JobKind, name: string) => void;
}): React.ReactElement {
  const trans = useTrans();
  const { openJob } = props;
  const [format, setFormat] = React.useState<OutputFormat>('parquet');
  const [job, setJob] = React.useState<IProcessingJobDetail | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const start = (): void => {
    setBusy(true);
    setError(null);
    createFlowProcessingJob(props.name, { output_format: format })
      .then(created => {
        setJob(created);
        openJob?.('processing', created.name);
      })
      .catch(e => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setBusy(false));
  };
  return (
    <div className="smstudio-Wrangler-runJob" data-flow-job="">
      <p className="smstudio-Message">
        {trans.__(
          'Run the flow on the full data as a processing job; each split output becomes its own folder.'
        )}
      </p>
      <div className="smstudio-Wrangler-stepActions">
        <label>
          {trans.__('Format')}{' '}
          <select
            value={format}
            onChange={e => setFormat(e.target.value as OutputFormat)}
            data-flow-job-format=""
          >
            <option value="parquet">{trans.__('Parquet')}</option>
            <option value="csv">{trans.__('CSV')}</option>
          </select>
        </label>
        <button
          className="jp-mod-styled jp-mod-accept"
          disabled={busy}
          data-export="processing-job"
          onClick={start}
        >
          {trans.__('Run as processing job')}
        </button>
      </div>
      {error && (
        <div className="smstudio-Error" role="alert">
          <p className="smstudio-Error-message">{error}</p>
        </div>
      )}
      {job && (
        <p className="smstudio-Message" data-flow-job-started={job.name}>
          {trans.__('Started %1; outputs go to:', job.name)}{' '}
          {job.output_locations.map(o => o.path).join(', ')}{' '}
          <button
            className="jp-mod-styled"
            onClick={() => openJob?.('processing', job.name)}
          >
            {trans.__('Show job')}
          </button>
        </p>
      )}
    </div>
  );
}
