/**
 * The "Tune…" form: a tuning job made from a training job's spec.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { createTuningJob, getTrainingJob } from '../api';
import { FieldFrame, FormShell, SelectField, TextField } from '../forms/fields';
import { errorsFrom } from '../forms/logic';
import type { IFormErrors } from '../forms/logic';
import {
  FORM_FIELDS,
  formFromSpec,
  metricNames,
  parameterField,
  tuningRequest
} from './logic';
import type { IParameterRow, ITuneForm } from './logic';

const NO_ERRORS: IFormErrors = { fields: {}, form: '' };

function ParameterEditor(props: {
  row: IParameterRow;
  error?: string;
  onChange: (row: IParameterRow) => void;
  trans: TranslationBundle;
}): React.ReactElement {
  const { row, trans } = props;
  const set = (patch: Partial<IParameterRow>): void =>
    props.onChange({ ...row, ...patch });
  const field = parameterField(row.name);
  return (
    <FieldFrame field={field} label={row.name} error={props.error}>
      {(id, describedBy) => (
        <div
          className="smstudio-Tuning-range"
          aria-describedby={describedBy || undefined}
        >
          <label>
            <input
              id={id}
              type="checkbox"
              checked={row.tune}
              onChange={e => set({ tune: e.target.checked })}
            />
            {row.tune ? trans.__('Tune') : trans.__('Keep %1', row.value)}
          </label>
          {row.tune && (
            <>
              <select
                className="jp-mod-styled"
                aria-label={trans.__('Kind of range for %1', row.name)}
                value={row.kind}
                onChange={e =>
                  set({ kind: e.target.value as IParameterRow['kind'] })
                }
              >
                <option value="Continuous">{trans.__('Continuous')}</option>
                <option value="Integer">{trans.__('Integer')}</option>
                <option value="Categorical">{trans.__('Categorical')}</option>
              </select>
              {row.kind === 'Categorical' ? (
                <input
                  className="jp-mod-styled"
                  aria-label={trans.__(
                    'Values of %1, separated by commas',
                    row.name
                  )}
                  value={row.values}
                  onChange={e => set({ values: e.target.value })}
                />
              ) : (
                <>
                  <input
                    className="jp-mod-styled"
                    type="number"
                    aria-label={trans.__('Lowest value of %1', row.name)}
                    value={row.min}
                    onChange={e => set({ min: e.target.value })}
                  />
                  <input
                    className="jp-mod-styled"
                    type="number"
                    aria-label={trans.__('Highest value of %1', row.name)}
                    value={row.max}
                    onChange={e => set({ max: e.target.value })}
                  />
                  <select
                    className="jp-mod-styled"
                    aria-label={trans.__('Scaling of %1', row.name)}
                    value={row.scaling}
                    onChange={e =>
                      set({
                        scaling: e.target.value as IParameterRow['scaling']
                      })
                    }
                  >
                    <option value="Auto">{trans.__('Auto')}</option>
                    <option value="Linear">{trans.__('Linear')}</option>
                    <option value="Logarithmic">
                      {trans.__('Logarithmic')}
                    </option>
                    {row.kind === 'Continuous' && (
                      <option value="ReverseLogarithmic">
                        {trans.__('Reverse logarithmic')}
                      </option>
                    )}
                  </select>
                </>
              )}
            </>
          )}
        </div>
      )}
    </FieldFrame>
  );
}

/**
 * The form, once the training job's spec is loaded.
 */
export function TuneForm(props: {
  job: string;
  spec: Record<string, unknown>;
  onCreated: (name: string) => void;
  trans: TranslationBundle;
  send?: typeof createTuningJob;
}): React.ReactElement {
  const { spec, trans } = props;
  const [form, setForm] = React.useState<ITuneForm>(() =>
    formFromSpec(props.job, spec)
  );
  const [errors, setErrors] = React.useState<IFormErrors>(NO_ERRORS);
  const [busy, setBusy] = React.useState(false);
  const metrics = metricNames(spec);
  const set =
    <K extends keyof ITuneForm>(key: K) =>
    (value: ITuneForm[K]): void =>
      setForm(old => ({ ...old, [key]: value }));
  const submit = (): void => {
    const { body, keys, aliases } = tuningRequest(form, spec);
    setBusy(true);
    setErrors(NO_ERRORS);
    (props.send ?? createTuningJob)(body)
      .then(created => props.onCreated(created.name))
      .catch(reason => setErrors(errorsFrom(reason, keys, aliases)))
      .finally(() => setBusy(false));
  };
  const err = errors.fields;
  return (
    <FormShell
      title={trans.__('Tune training job %1', props.job)}
      intro={trans.__(
        'Run the training job many times with different hyperparameters and keep the best.'
      )}
      kind="tuning"
      errors={errors}
      busy={busy}
      submitLabel={trans.__('Start tuning')}
      onSubmit={submit}
      trans={trans}
    >
      <TextField
        field={FORM_FIELDS.name}
        label={trans.__('Name')}
        required
        value={form.name}
        onChange={set('name')}
        error={err[FORM_FIELDS.name]}
      />
      <SelectField
        field={FORM_FIELDS.metric}
        label={trans.__('Objective metric')}
        help={
          metrics.length
            ? undefined
            : trans.__('The training job defines no metrics to tune for.')
        }
        value={form.metric}
        onChange={set('metric')}
        choices={metrics.map(m => [m, m] as [string, string])}
        error={err[FORM_FIELDS.metric]}
      />
      <SelectField
        field="objective-type"
        label={trans.__('Goal')}
        value={form.type}
        onChange={v => set('type')(v as ITuneForm['type'])}
        choices={[
          ['Minimize', trans.__('Minimize')],
          ['Maximize', trans.__('Maximize')]
        ]}
      />
      <SelectField
        field={FORM_FIELDS.strategy}
        label={trans.__('Strategy')}
        value={form.strategy}
        onChange={v => set('strategy')(v as ITuneForm['strategy'])}
        choices={[
          ['Bayesian', trans.__('Bayesian')],
          ['Random', trans.__('Random')],
          ['Grid', trans.__('Grid')],
          ['Hyperband', trans.__('Hyperband')]
        ]}
        error={err[FORM_FIELDS.strategy]}
      />
      <TextField
        field={FORM_FIELDS.maxJobs}
        label={trans.__('Training jobs at most')}
        type="number"
        min={1}
        value={form.maxJobs}
        onChange={set('maxJobs')}
        error={err[FORM_FIELDS.maxJobs]}
      />
      <TextField
        field={FORM_FIELDS.maxParallel}
        label={trans.__('Training jobs at a time')}
        type="number"
        min={1}
        value={form.maxParallel}
        onChange={set('maxParallel')}
        error={err[FORM_FIELDS.maxParallel]}
      />
      <SelectField
        field={FORM_FIELDS.earlyStopping}
        label={trans.__('Early stopping')}
        value={form.earlyStopping}
        onChange={v => set('earlyStopping')(v as ITuneForm['earlyStopping'])}
        choices={[
          ['Off', trans.__('Off')],
          ['Auto', trans.__('Auto: stop trials that do worse than the others')]
        ]}
        error={err[FORM_FIELDS.earlyStopping]}
      />
      <fieldset className="smstudio-Tuning-parameters">
        <legend>{trans.__('Hyperparameters')}</legend>
        {form.parameters.map((row, i) => (
          <ParameterEditor
            key={row.name}
            row={row}
            error={err[parameterField(row.name)]}
            onChange={next =>
              set('parameters')(
                form.parameters.map((old, j) => (j === i ? next : old))
              )
            }
            trans={trans}
          />
        ))}
      </fieldset>
    </FormShell>
  );
}

/**
 * The form for a training job: loads its spec first.
 */
export function TuneFormLoader(props: {
  job: string;
  onCreated: (name: string) => void;
  trans: TranslationBundle;
}): React.ReactElement {
  const [spec, setSpec] = React.useState<Record<string, unknown> | null>(null);
  const [error, setError] = React.useState('');
  React.useEffect(() => {
    getTrainingJob(props.job)
      .then(job => setSpec(job.spec))
      .catch(reason => setError(String((reason as Error).message ?? reason)));
  }, [props.job]);
  if (!spec) {
    return (
      <div className="smstudio-Message">
        {error || props.trans.__('Loading…')}
      </div>
    );
  }
  return (
    <TuneForm
      job={props.job}
      spec={spec}
      onCreated={props.onCreated}
      trans={props.trans}
    />
  );
}
