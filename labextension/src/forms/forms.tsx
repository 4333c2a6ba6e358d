/**
 * The create forms: training job, processing job, batch transform, model and
 * endpoint. Each sends one request; a 400 naming a field shows its message
 * beside that input, nothing is started until Submit.
 */
import type { Contents } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { createTrainingJob, listComputeProfiles } from '../api';
import type { IComputeProfile, IComputeProfileList, JobKind } from '../api';
import {
  createEndpoint,
  createModel,
  createProcessingJob,
  createTransformJob,
  getAlgorithm,
  listAlgorithms,
  listAllModels
} from './api';
import type { IAlgorithmSummary } from './api';
import {
  FieldFrame,
  FormShell,
  PairsField,
  PathField,
  SelectField,
  TextField
} from './fields';
import type { IBrowseContext } from './fields';
import {
  algorithmHyperparameters,
  emptyTraining,
  ENDPOINT_ALIASES,
  ENDPOINT_KEYS,
  endpointRequest,
  errorsFrom,
  hyperparameterFields,
  MODEL_KEYS,
  modelRequest,
  PROCESSING_ALIASES,
  PROCESSING_KEYS,
  processingRequest,
  TRAINING_ALIASES,
  TRAINING_KEYS,
  trainingRequest,
  TRANSFORM_ALIASES,
  TRANSFORM_KEYS,
  transformRequest
} from './logic';
import type {
  FormValues,
  IAlgorithmSpec,
  IFormErrors,
  IHyperparameterField,
  IPair
} from './logic';

/**
 * The kinds of create form.
 */
export type FormKind =
  'training' | 'processing' | 'transform' | 'model' | 'endpoint';

/**
 * What a form does outside itself.
 */
export interface IFormContext {
  contents: Contents.IManager | null;
  trans: TranslationBundle;
  openJob: (kind: JobKind, name: string) => void;
  openEndpoint: (name: string) => void;
  /**
   * Open another form, prefilled.
   */
  openForm: (kind: FormKind, initial: FormValues) => void;
  /**
   * Called after a successful submit (the form's tab closes).
   */
  done: () => void;
}

/**
 * What every form gets: its context and the values it starts from.
 */
export interface IFormProps {
  context: IFormContext;
  initial?: FormValues;
}

const NO_ERRORS: IFormErrors = { fields: {}, form: '' };

/**
 * The props that tie a field to one key of its form.
 */
interface IBound<T> {
  field: string;
  value: T;
  onChange: (value: T) => void;
  error?: string;
}

/**
 * A form's values, errors and submit.
 */
function useForm(
  initial: FormValues,
  keys: ReadonlyArray<string>,
  aliases: Record<string, string>,
  send: (values: FormValues) => Promise<void>
): {
  values: FormValues;
  set: (key: string) => (value: string | IPair[]) => void;
  errors: IFormErrors;
  busy: boolean;
  submit: () => void;
  str: (key: string) => string;
  pairs: (key: string) => IPair[];
  bind: (key: string) => IBound<string>;
  list: (key: string) => IBound<IPair[]>;
  shell: { errors: IFormErrors; busy: boolean; onSubmit: () => void };
} {
  const [values, setValues] = React.useState<FormValues>(initial);
  const [errors, setErrors] = React.useState<IFormErrors>(NO_ERRORS);
  const [busy, setBusy] = React.useState(false);
  const set = (key: string) => (value: string | IPair[]) => {
    setValues(old => ({ ...old, [key]: value }));
    if (errors.fields[key]) {
      setErrors(old => ({ ...old, fields: { ...old.fields, [key]: '' } }));
    }
  };
  const submit = (): void => {
    setBusy(true);
    setErrors(NO_ERRORS);
    send(values)
      .catch(reason => setErrors(errorsFrom(reason, keys, aliases)))
      .finally(() => setBusy(false));
  };
  const str = (key: string): string => {
    const value = values[key];
    return typeof value === 'string' ? value : '';
  };
  const pairs = (key: string): IPair[] => {
    const value = values[key];
    return Array.isArray(value) ? value : [];
  };
  const bind = (key: string): IBound<string> => ({
    field: key,
    value: str(key),
    onChange: set(key),
    error: errors.fields[key]
  });
  const list = (key: string): IBound<IPair[]> => ({
    field: key,
    value: pairs(key),
    onChange: set(key),
    error: errors.fields[key]
  });
  const shell = { errors, busy, onSubmit: submit };
  return { values, set, errors, busy, submit, str, pairs, bind, list, shell };
}

/**
 * The server's compute profiles as choices, the default first.
 */
function useProfiles(trans: TranslationBundle): [string, string][] {
  const [profiles, setProfiles] = React.useState<IComputeProfileList | null>(
    null
  );
  React.useEffect(() => {
    listComputeProfiles()
      .then(setProfiles)
      .catch(() => setProfiles({ items: [], default_profile: '' }));
  }, []);
  const describe = (p: IComputeProfile): string =>
    p.cpus
      ? trans.__('%1 (%2 CPUs, %3 GiB)', p.name, p.cpus, p.memory_gib ?? '–')
      : p.description
        ? `${p.name} (${p.description})`
        : p.name;
  return [
    [
      '',
      profiles?.default_profile
        ? trans.__('Default (%1)', profiles.default_profile)
        : trans.__('Default')
    ],
    ...(profiles?.items ?? []).map(
      p => [p.name, describe(p)] as [string, string]
    )
  ];
}

/**
 * The names of the models there are, to offer in a model field.
 */
function useModelNames(): string[] {
  const [names, setNames] = React.useState<string[]>([]);
  React.useEffect(() => {
    listAllModels({ poll: true })
      .then(models => setNames(models.map(m => m.name)))
      .catch(() => setNames([]));
  }, []);
  return names;
}

function backendChoices(trans: TranslationBundle): [string, string][] {
  return [
    ['', trans.__("The administrator's choice")],
    ['local', trans.__('Local processes')],
    ['docker', trans.__('Docker containers')]
  ];
}

/**
 * A form as `useForm` gives it, for the fields several forms share.
 */
type Form = ReturnType<typeof useForm>;

/**
 * The `instance_type` choice, from the server's compute profiles.
 */
function InstanceTypeField(props: {
  form: Form;
  trans: TranslationBundle;
  label?: string;
}): React.ReactElement {
  const { form, trans } = props;
  return (
    <SelectField
      {...form.bind('instance_type')}
      label={props.label ?? trans.__('Instance type')}
      choices={useProfiles(trans)}
    />
  );
}

/**
 * Where a job runs (`backend`) and its image when that is Docker.
 */
function BackendFields(props: {
  form: Form;
  trans: TranslationBundle;
}): React.ReactElement {
  const { form, trans } = props;
  return (
    <>
      <SelectField
        {...form.bind('backend')}
        label={trans.__('Runs on')}
        choices={backendChoices(trans)}
      />
      <TextField
        {...form.bind('image')}
        label={trans.__('Container image (Docker only)')}
      />
    </>
  );
}

function browseOf(context: IFormContext): IBrowseContext {
  return { contents: context.contents, trans: context.trans };
}

/**
 * The generated inputs of a built-in algorithm's hyperparameters.
 */
function AlgorithmFields(props: {
  fields: IHyperparameterField[];
  typed: Record<string, string>;
  onChange: (name: string, value: string) => void;
  errors: Record<string, string>;
}): React.ReactElement {
  return (
    <fieldset className="smstudio-Form-group" data-smstudio-algorithm-fields="">
      {props.fields.map(f => {
        const value = props.typed[f.name] ?? f.default;
        const common = {
          field: f.key,
          label: f.label,
          help: f.help,
          required: f.required,
          error: props.errors[f.key]
        };
        if (f.input === 'select') {
          return (
            <SelectField
              key={f.key}
              {...common}
              value={value}
              choices={[
                ...(f.required || f.default === ''
                  ? [['', '–'] as [string, string]]
                  : []),
                ...(f.choices ?? []).map(c => [c, c] as [string, string])
              ]}
              onChange={v => props.onChange(f.name, v)}
            />
          );
        }
        if (f.input === 'checkbox') {
          return (
            <FieldFrame key={f.key} {...common}>
              {(id, describedBy) => (
                <input
                  id={id}
                  type="checkbox"
                  checked={value === 'true'}
                  aria-describedby={describedBy || undefined}
                  onChange={event =>
                    props.onChange(f.name, String(event.target.checked))
                  }
                />
              )}
            </FieldFrame>
          );
        }
        return (
          <TextField
            key={f.key}
            {...common}
            type={f.input === 'number' ? 'number' : 'text'}
            min={f.min}
            max={f.max}
            step={f.step}
            value={value}
            onChange={v => props.onChange(f.name, v)}
          />
        );
      })}
    </fieldset>
  );
}

/**
 * Split a picked file into the folder (source dir) and the file in it.
 */
export function splitEntryPoint(path: string): {
  source_dir: string;
  entry_point: string;
} {
  const at = path.lastIndexOf('/');
  return at < 0
    ? { source_dir: '', entry_point: path }
    : { source_dir: path.slice(0, at), entry_point: path.slice(at + 1) };
}

/**
 * Create a training job: a script from the space or a built-in algorithm.
 */
export function TrainingForm(props: IFormProps): React.ReactElement {
  const { context } = props;
  const { trans } = context;
  const browse = browseOf(context);
  const [algorithms, setAlgorithms] = React.useState<
    IAlgorithmSummary[] | null
  >(null);
  const [spec, setSpec] = React.useState<IAlgorithmSpec | null>(null);
  const [typed, setTyped] = React.useState<Record<string, string>>({});
  const genFields = React.useMemo(
    () => (spec ? hyperparameterFields(spec) : []),
    [spec]
  );
  const form = useForm(
    { ...emptyTraining(), ...props.initial },
    [...TRAINING_KEYS, ...genFields.map(f => f.key)],
    TRAINING_ALIASES,
    async values => {
      const algorithmMode = values.code === 'algorithm';
      const body = trainingRequest(
        algorithmMode
          ? {
              ...values,
              hyperparameters: [
                ...algorithmHyperparameters(genFields, typed),
                ...(values.hyperparameters as IPair[])
              ]
            }
          : values
      );
      const job = await createTrainingJob(body);
      context.openJob('training', job.name);
      context.done();
    }
  );
  const code = form.str('code');
  const algorithm = form.str('algorithm');

  React.useEffect(() => {
    listAlgorithms()
      .then(setAlgorithms)
      .catch(() => setAlgorithms(null));
  }, []);
  React.useEffect(() => {
    if (code !== 'algorithm' || !algorithm) {
      setSpec(null);
      return;
    }
    let cancelled = false;
    getAlgorithm(algorithm)
      .then(next => {
        if (!cancelled) {
          setSpec(next);
          // The clone's values go in the generated inputs.
          const known = new Set(next.hyperparameters.map(h => h.name));
          const own = form.pairs('hyperparameters');
          setTyped(
            Object.fromEntries(
              own.filter(p => known.has(p.key)).map(p => [p.key, p.value])
            )
          );
          form.set('hyperparameters')(own.filter(p => !known.has(p.key)));
          if (!form.pairs('metric_definitions').length && next.metrics) {
            form.set('metric_definitions')(
              next.metrics.map(m => ({ key: m.name, value: m.regex }))
            );
          }
        }
      })
      .catch(() => setSpec(null));
    return () => {
      cancelled = true;
    };
  }, [code, algorithm]);

  const err = form.errors.fields;
  return (
    <FormShell
      kind="training"
      title={trans.__('Create a training job')}
      intro={trans.__(
        'Runs a script from your space (or a built-in algorithm) on the data you pick, and keeps the model it writes to /opt/ml/model.'
      )}
      {...form.shell}
      submitLabel={trans.__('Create training job')}
      trans={trans}
    >
      <TextField
        {...form.bind('name')}
        label={trans.__('Job name')}
        required
        help={trans.__('Letters, digits and hyphens, at most 63.')}
      />
      {algorithms !== null && (
        <SelectField
          field="code"
          label={trans.__('What to run')}
          value={code}
          choices={[
            ['script', trans.__('My script')],
            ['algorithm', trans.__('A built-in algorithm')]
          ]}
          onChange={form.set('code')}
          error={err.code}
        />
      )}
      {code === 'algorithm' && algorithms !== null ? (
        <>
          <SelectField
            field="algorithm"
            label={trans.__('Algorithm')}
            required
            value={algorithm}
            choices={[
              ['', trans.__('Choose an algorithm')],
              ...algorithms.map(
                a => [a.name, a.title ?? a.name] as [string, string]
              )
            ]}
            help={spec?.doc}
            onChange={form.set('algorithm')}
            error={err.algorithm}
          />
          {spec && (
            <AlgorithmFields
              fields={genFields}
              typed={typed}
              errors={err}
              onChange={(name, value) =>
                setTyped(old => ({ ...old, [name]: value }))
              }
            />
          )}
        </>
      ) : (
        <>
          <PathField
            {...form.bind('entry_point')}
            label={trans.__('Entry point')}
            required
            mode="file"
            browse={browse}
            placeholder={trans.__('e.g. %1', 'train.py')}
            help={trans.__(
              'The script to run (.py or .sh), in the source folder. Choosing a file sets the folder too.'
            )}
            onPick={path => {
              const parts = splitEntryPoint(path);
              form.set('entry_point')(parts.entry_point);
              form.set('source_dir')(parts.source_dir);
            }}
          />
          <PathField
            {...form.bind('source_dir')}
            label={trans.__('Source folder')}
            mode="directory"
            browse={browse}
            help={trans.__(
              'The folder with the code (and a requirements.txt); copied into the job.'
            )}
          />
        </>
      )}
      <PairsField
        {...form.list('channels')}
        label={trans.__('Input data (channels)')}
        help={trans.__(
          'Each channel is a folder or file in your space, or an s3:// address; the job reads it in /opt/ml/input/data/<name>.'
        )}
        trans={trans}
        keyLabel={trans.__('Channel name')}
        valueLabel={trans.__('Path or s3:// address')}
        addLabel={trans.__('Add a channel')}
        browse={browse}
        mode="any"
      />
      <InstanceTypeField form={form} trans={trans} />
      <TextField
        {...form.bind('instance_count')}
        label={trans.__('Instance count')}
        type="number"
        min={1}
        max={16}
      />
      <PairsField
        {...form.list('hyperparameters')}
        label={
          code === 'algorithm'
            ? trans.__('More hyperparameters')
            : trans.__('Hyperparameters')
        }
        help={trans.__(
          'Passed to the script as --name value arguments; numbers stay numbers.'
        )}
        trans={trans}
        keyLabel={trans.__('Name')}
        valueLabel={trans.__('Value')}
        addLabel={trans.__('Add a hyperparameter')}
      />
      <PairsField
        {...form.list('metric_definitions')}
        label={trans.__('Metrics')}
        help={trans.__(
          'A metric is read from each log line its regular expression matches; the first group is the value, e.g. loss=([0-9.]+).'
        )}
        trans={trans}
        keyLabel={trans.__('Metric name')}
        valueLabel={trans.__('Regular expression')}
        addLabel={trans.__('Add a metric')}
      />
      <TextField
        {...form.bind('max_runtime_seconds')}
        label={trans.__('Maximum run time (seconds)')}
        type="number"
        min={1}
        placeholder={trans.__('e.g. %1', '86400')}
        help={trans.__('The job is stopped after this long (default one day).')}
      />
      <BackendFields form={form} trans={trans} />
    </FormShell>
  );
}

/**
 * Create a processing job: a command with inputs and outputs.
 */
export function ProcessingForm(props: IFormProps): React.ReactElement {
  const { context } = props;
  const { trans } = context;
  const browse = browseOf(context);
  const form = useForm(
    {
      name: '',
      command: '',
      image: '',
      inputs: [],
      outputs: [],
      instance_type: '',
      instance_count: '1',
      max_runtime_seconds: '',
      backend: '',
      ...props.initial
    },
    PROCESSING_KEYS,
    PROCESSING_ALIASES,
    async values => {
      const job = await createProcessingJob(processingRequest(values));
      context.openJob('processing', job.name);
      context.done();
    }
  );
  return (
    <FormShell
      kind="processing"
      title={trans.__('Create a processing job')}
      intro={trans.__(
        'Runs a command on inputs copied under /opt/ml/processing/input/<name>, and saves what it writes under /opt/ml/processing/output/<name>.'
      )}
      {...form.shell}
      submitLabel={trans.__('Create processing job')}
      trans={trans}
    >
      <TextField {...form.bind('name')} label={trans.__('Job name')} required />
      <TextField
        {...form.bind('command')}
        label={trans.__('Command')}
        required
        placeholder={trans.__(
          'e.g. %1',
          'python3 /opt/ml/processing/input/code/run.py'
        )}
      />
      <PairsField
        {...form.list('inputs')}
        label={trans.__('Inputs')}
        trans={trans}
        keyLabel={trans.__('Input name')}
        valueLabel={trans.__('Path or s3:// address')}
        addLabel={trans.__('Add an input')}
        browse={browse}
        mode="any"
      />
      <PairsField
        {...form.list('outputs')}
        label={trans.__('Outputs')}
        help={trans.__(
          'Where each output is saved in your space when the job completes (empty: next to the job).'
        )}
        trans={trans}
        keyLabel={trans.__('Output name')}
        valueLabel={trans.__('Folder to save it to')}
        addLabel={trans.__('Add an output')}
        browse={browse}
        mode="directory"
      />
      <InstanceTypeField form={form} trans={trans} />
      <TextField
        {...form.bind('instance_count')}
        label={trans.__('Instance count')}
        type="number"
        min={1}
      />
      <TextField
        {...form.bind('max_runtime_seconds')}
        label={trans.__('Maximum run time (seconds)')}
        type="number"
        placeholder={trans.__('e.g. %1', '86400')}
      />
      <BackendFields form={form} trans={trans} />
    </FormShell>
  );
}

/**
 * Create a batch transform job: a model run over every record of the data.
 */
export function TransformForm(props: IFormProps): React.ReactElement {
  const { context } = props;
  const { trans } = context;
  const browse = browseOf(context);
  const models = useModelNames();
  const form = useForm(
    {
      name: '',
      model_name: '',
      data_source: '',
      content_type: 'text/csv',
      split_type: 'Line',
      output_path: '',
      instance_type: '',
      ...props.initial
    },
    TRANSFORM_KEYS,
    TRANSFORM_ALIASES,
    async values => {
      const job = await createTransformJob(transformRequest(values));
      context.openJob('transform', job.name);
      context.done();
    }
  );
  return (
    <FormShell
      kind="transform"
      title={trans.__('Create a batch transform job')}
      intro={trans.__(
        'Sends every file (or line) of the data to the model and saves the answers as <file>.out in the output folder.'
      )}
      {...form.shell}
      submitLabel={trans.__('Create batch transform job')}
      trans={trans}
    >
      <TextField {...form.bind('name')} label={trans.__('Job name')} required />
      <TextField
        {...form.bind('model_name')}
        label={trans.__('Model')}
        required
        suggestions={models}
      />
      <PathField
        {...form.bind('data_source')}
        label={trans.__('Data')}
        required
        mode="any"
        browse={browse}
        help={trans.__('A file, or a folder (every file under it).')}
      />
      <TextField
        {...form.bind('content_type')}
        label={trans.__('Content type')}
      />
      <SelectField
        {...form.bind('split_type')}
        label={trans.__('Split')}
        choices={[
          ['Line', trans.__('One request per line')],
          ['None', trans.__('One request per file')]
        ]}
      />
      <PathField
        {...form.bind('output_path')}
        label={trans.__('Output folder')}
        required
        mode="directory"
        browse={browse}
      />
      <InstanceTypeField form={form} trans={trans} />
    </FormShell>
  );
}

/**
 * Create a model: a model file (or a job's) and its inference code.
 */
export function ModelForm(props: IFormProps): React.ReactElement {
  const { context } = props;
  const { trans } = context;
  const browse = browseOf(context);
  const [created, setCreated] = React.useState('');
  const form = useForm(
    {
      name: '',
      model_data: '',
      entry_point: '',
      source_dir: '',
      instance_type: '',
      image: '',
      ...props.initial
    },
    MODEL_KEYS,
    {},
    async values => {
      const model = await createModel(modelRequest(values));
      setCreated(model.name);
    }
  );
  if (created) {
    return (
      <div className="smstudio-Form" data-smstudio-form="model">
        <h2>{trans.__('Model %1 created', created)}</h2>
        <p>
          {trans.__(
            'Deploy it to an endpoint, or use it in a batch transform.'
          )}
        </p>
        <div className="smstudio-Form-actions">
          <button
            type="button"
            className="jp-mod-styled jp-mod-accept"
            onClick={() =>
              context.openForm('endpoint', { model_name: created })
            }
          >
            {trans.__('Create endpoint…')}
          </button>
          <button
            type="button"
            className="jp-mod-styled"
            onClick={() =>
              context.openForm('transform', { model_name: created })
            }
          >
            {trans.__('Batch transform…')}
          </button>
        </div>
      </div>
    );
  }
  return (
    <FormShell
      kind="model"
      title={trans.__('Create a model')}
      intro={trans.__(
        'A model is a model file (model.tar.gz, or a folder) and the code that answers requests with it (inference.py).'
      )}
      {...form.shell}
      submitLabel={trans.__('Create model')}
      trans={trans}
    >
      <TextField
        {...form.bind('name')}
        label={trans.__('Model name')}
        required
      />
      <PathField
        {...form.bind('model_data')}
        label={trans.__('Model file')}
        required
        mode="any"
        browse={browse}
        help={trans.__(
          'A model.tar.gz (a training job writes one), or a folder.'
        )}
      />
      <PathField
        {...form.bind('entry_point')}
        label={trans.__('Inference script')}
        mode="file"
        browse={browse}
        placeholder={trans.__('e.g. %1', 'inference.py')}
        help={trans.__(
          'Relative to the code folder; default: inference.py in the model file’s code/.'
        )}
        onPick={path => {
          const parts = splitEntryPoint(path);
          form.set('entry_point')(parts.entry_point);
          form.set('source_dir')(parts.source_dir);
        }}
      />
      <PathField
        {...form.bind('source_dir')}
        label={trans.__('Code folder')}
        mode="directory"
        browse={browse}
      />
      <InstanceTypeField
        form={form}
        trans={trans}
        label={trans.__('Default instance type')}
      />
      <TextField
        {...form.bind('image')}
        label={trans.__('Container image (Docker only)')}
      />
    </FormShell>
  );
}

/**
 * Create an endpoint that serves a model.
 */
export function EndpointForm(props: IFormProps): React.ReactElement {
  const { context } = props;
  const { trans } = context;
  const models = useModelNames();
  const form = useForm(
    {
      name: '',
      model_name: '',
      instance_type: '',
      instance_count: '1',
      ...props.initial
    },
    ENDPOINT_KEYS,
    ENDPOINT_ALIASES,
    async values => {
      const endpoint = await createEndpoint(endpointRequest(values));
      context.openEndpoint(endpoint.name);
      context.done();
    }
  );
  return (
    <FormShell
      kind="endpoint"
      title={trans.__('Create an endpoint')}
      intro={trans.__(
        'An endpoint serves a model over HTTP until you delete it.'
      )}
      {...form.shell}
      submitLabel={trans.__('Create endpoint')}
      trans={trans}
    >
      <TextField
        {...form.bind('name')}
        label={trans.__('Endpoint name')}
        required
      />
      <TextField
        {...form.bind('model_name')}
        label={trans.__('Model')}
        required
        suggestions={models}
      />
      <InstanceTypeField form={form} trans={trans} />
      <TextField
        {...form.bind('instance_count')}
        label={trans.__('Instance count')}
        type="number"
        min={1}
        max={8}
      />
    </FormShell>
  );
}

/**
 * Each kind's form.
 */
export const FORMS: Record<
  FormKind,
  (props: IFormProps) => React.ReactElement
> = {
  training: TrainingForm,
  processing: ProcessingForm,
  transform: TransformForm,
  model: ModelForm,
  endpoint: EndpointForm
};
