import * as React from 'react';

import { getJob, getJobLogs, stopJob } from '../api';
import type { IProcessingJobDetail, ITransformJob } from '../api';
import { formatProgress, kindLabels } from './format';
import {
  type IJobDetailProps,
  JobHeader,
  JobLog,
  JobProblems,
  JobStages,
  JobTable,
  useLiveJob
} from './live';

/**
 * The live detail of a processing job: stages, inputs, outputs and where
 * they are saved, a following log, Stop.
 */
export function ProcessingJobDetail(
  props: IJobDetailProps
): React.ReactElement {
  const { name, trans } = props;
  const { job, log, error, setError } = useLiveJob<IProcessingJobDetail>(
    `processing:${name}`,
    () => getJob<IProcessingJobDetail>('processing', name, { poll: true }),
    cursor => getJobLogs('processing', name, cursor, { poll: true })
  );
  if (!job) {
    return (
      <div className="smstudio-Message">{error || trans.__('Loading…')}</div>
    );
  }
  const saved = job.status === 'Completed';
  const command = [
    ...(job.spec.container_entrypoint ?? []),
    ...(job.spec.container_arguments ?? [])
  ].join(' ');
  return (
    <div
      className="smstudio-JobDetail"
      data-smstudio-job={job.name}
      data-smstudio-job-kind="processing"
    >
      <JobHeader
        name={job.name}
        kind={kindLabels(trans).processing}
        status={job.status}
        secondary={job.secondary_status}
        times={job}
        compute={`${job.instance_type} × ${job.instance_count} (${job.backend})`}
        onStop={() => stopJob('processing', name)}
        onError={setError}
        trans={trans}
      />
      <JobProblems error={error} failure={job.failure_reason} />
      <JobStages
        transitions={job.transitions}
        status={job.status}
        kind="processing"
        trans={trans}
      />
      {command && (
        <JobTable caption={trans.__('Command')} rows={[['', command]]} />
      )}
      <JobTable
        caption={trans.__('Inputs')}
        rows={job.spec.inputs.map(i => [i.input_name, i.source])}
      />
      <div data-smstudio-outputs="">
        <JobTable
          caption={
            saved
              ? trans.__('Outputs (saved)')
              : trans.__('Outputs (saved when the job completes)')
          }
          rows={job.output_locations.map(o => [o.output_name, o.path])}
        />
      </div>
      <JobLog log={log} />
    </div>
  );
}

/**
 * The live detail of a batch transform job: model, data, progress, log, Stop.
 */
export function TransformJobDetail(props: IJobDetailProps): React.ReactElement {
  const { name, trans } = props;
  const { job, log, error, setError } = useLiveJob<ITransformJob>(
    `transform:${name}`,
    () => getJob<ITransformJob>('transform', name, { poll: true }),
    cursor => getJobLogs('transform', name, cursor, { poll: true })
  );
  if (!job) {
    return (
      <div className="smstudio-Message">{error || trans.__('Loading…')}</div>
    );
  }
  return (
    <div
      className="smstudio-JobDetail"
      data-smstudio-job={job.name}
      data-smstudio-job-kind="transform"
    >
      <JobHeader
        name={job.name}
        kind={kindLabels(trans).transform}
        status={job.status}
        times={job}
        compute={job.instance_type ?? undefined}
        onStop={() => stopJob('transform', name)}
        onError={setError}
        trans={trans}
      />
      <JobProblems error={error} failure={job.failure_reason} />
      <p className="smstudio-JobProgress" data-smstudio-progress="">
        {formatProgress(job.progress)}
      </p>
      <JobTable
        caption={trans.__('Data')}
        rows={[
          [trans.__('Model'), job.model_name],
          [trans.__('Input'), job.transform_input.data_source],
          [trans.__('Content type'), job.transform_input.content_type],
          [trans.__('Output'), job.transform_output.output_path]
        ]}
      />
      <JobLog log={log} />
    </div>
  );
}
