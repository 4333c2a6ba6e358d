/**
 * What the create forms compute, kept apart from React so jest can check it:
 * which input a server error belongs to, the values a clone starts from, the
 * request a form sends, and the fields a built-in algorithm's spec asks for.
 */
import { ApiError } from '../api';

/**
 * One key/value row of a pairs field (hyperparameters, channels, metrics).
 */
export interface IPair {
  key: string;
  value: string;
}

/**
 * What a form holds: one value per field key.
 */
export type FormValues = Record<string, string | IPair[]>;

/**
 * Errors to show: by field key, and one for the form as a whole.
 */
export interface IFormErrors {
  fields: Record<string, string>;
  form: string;
}

/**
 * The form input a server error's `field` (a dotted path such as
 * `channels.train.path` or `hyperparameters.eta`) belongs to: the longest key
 * that is the field or one of its dotted prefixes, after `aliases` rename it.
 *
 * @returns `null` when no input matches (the error is shown for the form).
 */
export function fieldKeyFor(
  field: string | null | undefined,
  keys: ReadonlyArray<string>,
  aliases: Readonly<Record<string, string>> = {}
): string | null {
  if (!field) {
    return null;
  }
  const parts = field.split('.');
  for (let n = parts.length; n > 0; n--) {
    const prefix = parts.slice(0, n).join('.');
    const key = aliases[prefix] ?? prefix;
    if (keys.includes(key)) {
      return key;
    }
  }
  return null;
}

/**
 * Split a failed submit into the message beside its field and the rest.
 */
export function errorsFrom(
  reason: unknown,
  keys: ReadonlyArray<string>,
  aliases: Readonly<Record<string, string>> = {}
): IFormErrors {
  const message =
    reason instanceof Error ? reason.message : String(reason ?? 'Error');
  const field = reason instanceof ApiError ? reason.field : null;
  const key = fieldKeyFor(field, keys, aliases);
  // Beside its input, the message need not name the field again.
  const beside =
    field && message.startsWith(`${field}: `)
      ? message.slice(field.length + 2)
      : message;
  return key
    ? { fields: { [key]: beside }, form: '' }
    : { fields: {}, form: message };
}

/**
 * SageMaker's limit on resource names.
 */
export const MAX_NAME = 63;

/**
 * The name a copy gets: `x` becomes `x-2`, `x-2` becomes `x-3`, and so on,
 * skipping names in `taken`; cut so it stays within `MAX_NAME`.
 */
export function nextName(
  name: string,
  taken: ReadonlyArray<string> = []
): string {
  const match = /^(.*?)-(\d+)$/.exec(name);
  const base = match ? match[1] : name;
  let n = match ? Number(match[2]) + 1 : 2;
  for (;;) {
    const suffix = `-${n}`;
    const candidate =
      base.slice(0, MAX_NAME - suffix.length).replace(/-+$/, '') + suffix;
    if (!taken.includes(candidate)) {
      return candidate;
    }
    n++;
  }
}

/**
 * A name derived from another one: `churn-1` and `model` give
 * `churn-1-model`, cut to `MAX_NAME`.
 */
export function derivedName(base: string, what: string): string {
  const suffix = what ? `-${what}` : '';
  return (
    base.slice(0, MAX_NAME - suffix.length).replace(/-+$/, '') + suffix
  ).replace(/^-+/, '');
}

function text(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Rows from an object (`{epochs: 3}` gives `[{key: 'epochs', value: '3'}]`).
 */
export function pairsOf(
  record: Record<string, unknown> | null | undefined,
  pick: (value: unknown) => unknown = v => v
): IPair[] {
  return Object.entries(record ?? {}).map(([key, value]) => ({
    key,
    value: text(pick(value))
  }));
}

function rows(values: FormValues, key: string): IPair[] {
  const value = values[key];
  return Array.isArray(value)
    ? value.filter(row => row.key.trim() || row.value.trim())
    : [];
}

function str(values: FormValues, key: string): string {
  const value = values[key];
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * A hyperparameter as typed: numbers, booleans and JSON stay JSON values, the
 * rest is a string (the server encodes them as the SDK does).
 */
export function parseValue(raw: string): unknown {
  const value = raw.trim();
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) {
    return Number(value);
  }
  if (value === 'true' || value === 'false') {
    return value === 'true';
  }
  if (/^[[{"]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return raw;
    }
  }
  return raw;
}

/**
 * Set `key` on `body` when the form has a value for it.
 */
function optional(
  body: Record<string, unknown>,
  key: string,
  value: string,
  as: (v: string) => unknown = v => v
): void {
  if (value) {
    body[key] = as(value);
  }
}

/**
 * Set each of `keys` on `body` that the form has a value for.
 */
function copy(
  body: Record<string, unknown>,
  values: FormValues,
  keys: ReadonlyArray<string>,
  as?: (v: string) => unknown
): void {
  keys.forEach(key => optional(body, key, str(values, key), as));
}

/**
 * Where and how long a training or processing job runs: instance type and
 * count, time limit and backend, each when the form has one.
 */
function copyResources(
  body: Record<string, unknown>,
  values: FormValues
): void {
  copy(body, values, ['instance_type']);
  copy(body, values, ['instance_count', 'max_runtime_seconds'], Number);
  copy(body, values, ['backend']);
}

/**
 * The field a built-in algorithm's name goes in, in a training request.
 */
export const ALGORITHM_FIELD = 'algorithm';

/**
 * The fields of the training form, in order.
 */
export const TRAINING_KEYS = [
  'name',
  'code',
  'algorithm',
  'entry_point',
  'source_dir',
  'image',
  'channels',
  'instance_type',
  'instance_count',
  'hyperparameters',
  'metric_definitions',
  'max_runtime_seconds',
  'backend',
  'output_path'
];

/**
 * Server field names that are shown by another input of the training form.
 */
export const TRAINING_ALIASES: Record<string, string> = {
  [ALGORITHM_FIELD]: 'algorithm'
};

/**
 * The training form's values for a new job.
 */
export function emptyTraining(): FormValues {
  return {
    name: '',
    code: 'script',
    algorithm: '',
    entry_point: '',
    source_dir: '',
    image: '',
    channels: [],
    instance_type: '',
    instance_count: '1',
    hyperparameters: [],
    metric_definitions: [],
    max_runtime_seconds: '',
    backend: '',
    output_path: ''
  };
}

/**
 * The training form's values from an existing job's spec (for Clone): the
 * same settings under the next free name.
 */
export function trainingValuesFromSpec(
  spec: Record<string, unknown>,
  taken: ReadonlyArray<string> = []
): FormValues {
  const channels = (spec.channels ?? {}) as Record<string, { path?: string }>;
  const metrics = (spec.metric_definitions ?? []) as {
    name: string;
    regex: string;
  }[];
  const algorithm = text(spec[ALGORITHM_FIELD]);
  return {
    ...emptyTraining(),
    name: nextName(text(spec.name) || 'training-job', taken),
    code: algorithm ? 'algorithm' : 'script',
    algorithm,
    entry_point: text(spec.entry_point),
    source_dir: text(spec.source_dir),
    image: text(spec.image),
    channels: pairsOf(channels, c => (c as { path?: string }).path ?? ''),
    instance_type: text(spec.instance_type),
    instance_count: text(spec.instance_count ?? 1),
    hyperparameters: pairsOf(
      spec.hyperparameters as Record<string, unknown> | undefined
    ),
    metric_definitions: metrics.map(m => ({ key: m.name, value: m.regex })),
    max_runtime_seconds:
      spec.max_runtime_seconds === undefined ||
      spec.max_runtime_seconds === 86400
        ? ''
        : text(spec.max_runtime_seconds),
    backend: text(spec.backend),
    output_path: text(spec.output_path)
  };
}

/**
 * The body of `POST /training-jobs` for the form's values.
 */
export function trainingRequest(values: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = { name: str(values, 'name') };
  if (str(values, 'code') === 'algorithm') {
    body[ALGORITHM_FIELD] = str(values, 'algorithm');
  } else {
    copy(body, values, ['entry_point', 'source_dir']);
  }
  copy(body, values, ['image']);
  const channels = rows(values, 'channels');
  if (channels.length) {
    body.channels = Object.fromEntries(
      channels.map(row => [row.key.trim(), { path: row.value.trim() }])
    );
  }
  copyResources(body, values);
  const hyperparameters = rows(values, 'hyperparameters');
  if (hyperparameters.length) {
    body.hyperparameters = Object.fromEntries(
      hyperparameters.map(row => [row.key.trim(), parseValue(row.value)])
    );
  }
  const metrics = rows(values, 'metric_definitions');
  if (metrics.length) {
    body.metric_definitions = metrics.map(row => ({
      name: row.key.trim(),
      regex: row.value.trim()
    }));
  }
  copy(body, values, ['output_path']);
  return body;
}

/**
 * The processing form's fields, in order.
 */
export const PROCESSING_KEYS = [
  'name',
  'command',
  'image',
  'inputs',
  'outputs',
  'instance_type',
  'instance_count',
  'max_runtime_seconds',
  'backend'
];

/**
 * Server field names shown by another input of the processing form.
 */
export const PROCESSING_ALIASES: Record<string, string> = {
  container_entrypoint: 'command'
};

/**
 * The body of `POST /processing-jobs`: the command is split on spaces;
 * inputs are name → source, outputs name → where to save them.
 */
export function processingRequest(values: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = { name: str(values, 'name') };
  const command = str(values, 'command').split(/\s+/).filter(Boolean);
  if (command.length) {
    body.container_entrypoint = command;
  }
  copy(body, values, ['image']);
  body.inputs = rows(values, 'inputs').map(row => ({
    input_name: row.key.trim(),
    source: row.value.trim()
  }));
  body.outputs = rows(values, 'outputs').map(row => ({
    output_name: row.key.trim(),
    ...(row.value.trim() ? { destination: row.value.trim() } : {})
  }));
  copyResources(body, values);
  return body;
}

/**
 * The batch transform form's fields, in order.
 */
export const TRANSFORM_KEYS = [
  'name',
  'model_name',
  'data_source',
  'content_type',
  'split_type',
  'output_path',
  'instance_type'
];

/**
 * Server field names (nested) shown by a flat input of the transform form.
 */
export const TRANSFORM_ALIASES: Record<string, string> = {
  'transform_input.data_source': 'data_source',
  'transform_input.content_type': 'content_type',
  'transform_input.split_type': 'split_type',
  'transform_output.output_path': 'output_path',
  transform_input: 'data_source',
  transform_output: 'output_path'
};

/**
 * The body of `POST /transform-jobs`.
 */
export function transformRequest(values: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: str(values, 'name'),
    model_name: str(values, 'model_name'),
    transform_input: {
      data_source: str(values, 'data_source'),
      content_type: str(values, 'content_type') || 'text/csv',
      split_type: str(values, 'split_type') || 'None'
    },
    transform_output: { output_path: str(values, 'output_path') }
  };
  copy(body, values, ['instance_type']);
  return body;
}

/**
 * The model form's fields, in order.
 */
export const MODEL_KEYS = [
  'name',
  'model_data',
  'entry_point',
  'source_dir',
  'instance_type',
  'image'
];

/**
 * The body of `POST /models`.
 */
export function modelRequest(values: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: str(values, 'name'),
    model_data: str(values, 'model_data')
  };
  copy(body, values, ['entry_point', 'source_dir', 'instance_type', 'image']);
  return body;
}

/**
 * The endpoint form's fields, in order.
 */
export const ENDPOINT_KEYS = [
  'name',
  'model_name',
  'instance_type',
  'instance_count'
];

/**
 * Server field names (of the inline variant) shown by the endpoint form.
 */
export const ENDPOINT_ALIASES: Record<string, string> = {
  'variants.0.model_name': 'model_name',
  'variants.0.instance_type': 'instance_type',
  'variants.0.initial_instance_count': 'instance_count',
  variants: 'model_name'
};

/**
 * The body of `POST /endpoints`: one variant serving the model.
 */
export function endpointRequest(values: FormValues): Record<string, unknown> {
  const variant: Record<string, unknown> = {
    model_name: str(values, 'model_name')
  };
  optional(variant, 'instance_type', str(values, 'instance_type'));
  optional(
    variant,
    'initial_instance_count',
    str(values, 'instance_count'),
    Number
  );
  return { name: str(values, 'name'), variants: [variant] };
}

/**
 * One hyperparameter of a built-in algorithm, as `GET /algorithms/{name}`
 * describes it.
 */
export interface IAlgorithmHyperparameter {
  name: string;
  type: 'int' | 'float' | 'str' | 'bool' | 'list';
  required: boolean;
  default: unknown;
  doc: string;
  range?: {
    min: number | null;
    max: number | null;
    exclusive_min?: boolean;
  };
  choices?: string[];
  auto?: boolean;
}

/**
 * A built-in algorithm's spec (`GET /algorithms/{name}`).
 */
export interface IAlgorithmSpec {
  name: string;
  title?: string;
  doc?: string;
  hyperparameters: IAlgorithmHyperparameter[];
  channels?: string[];
  required_channels?: string[];
  metrics?: { name: string; regex: string; goal?: string }[];
}

/**
 * A generated input for one hyperparameter.
 */
export interface IHyperparameterField {
  /**
   * The form key: `hyperparameters.<name>`, as the server names the field.
   */
  key: string;
  name: string;
  label: string;
  input: 'number' | 'select' | 'checkbox' | 'text';
  required: boolean;
  default: string;
  choices?: string[];
  min?: number;
  max?: number;
  step?: string;
  help: string;
}

/**
 * Describe a range for the user: `from 0 to 1`, `at least 1`, `more than 0`.
 */
export function describeRange(
  range: IAlgorithmHyperparameter['range']
): string {
  if (!range) {
    return '';
  }
  const { min, max, exclusive_min } = range;
  if (min !== null && max !== null) {
    return exclusive_min
      ? `more than ${min}, at most ${max}`
      : `from ${min} to ${max}`;
  }
  if (min !== null) {
    return exclusive_min ? `more than ${min}` : `at least ${min}`;
  }
  return max !== null ? `at most ${max}` : '';
}

/**
 * The inputs a built-in algorithm's hyperparameters ask for: numbers with
 * their range, choices as a list, booleans as a checkbox; `doc` and the range
 * as help; required ones first.
 */
export function hyperparameterFields(
  spec: IAlgorithmSpec
): IHyperparameterField[] {
  const fields = spec.hyperparameters.map(h => {
    const numeric = (h.type === 'int' || h.type === 'float') && !h.auto;
    const input: IHyperparameterField['input'] = h.choices?.length
      ? 'select'
      : h.type === 'bool'
        ? 'checkbox'
        : numeric
          ? 'number'
          : 'text';
    const range = describeRange(h.range);
    const field: IHyperparameterField = {
      key: `hyperparameters.${h.name}`,
      name: h.name,
      label: h.name,
      input,
      required: h.required,
      default:
        h.default === null || h.default === undefined ? '' : text(h.default),
      help: [h.doc, range ? `Allowed: ${range}.` : ''].filter(Boolean).join(' ')
    };
    if (h.choices?.length) {
      field.choices = h.choices;
    }
    if (numeric) {
      field.step = h.type === 'int' ? '1' : 'any';
      if (h.range?.min !== null && h.range?.min !== undefined) {
        field.min = h.range.min;
      }
      if (h.range?.max !== null && h.range?.max !== undefined) {
        field.max = h.range.max;
      }
    }
    return field;
  });
  return [
    ...fields.filter(f => f.required),
    ...fields.filter(f => !f.required)
  ];
}

/**
 * The hyperparameters to send for an algorithm: values the user typed, and
 * only those that differ from the default (the algorithm fills those in).
 */
export function algorithmHyperparameters(
  fields: ReadonlyArray<IHyperparameterField>,
  typed: Readonly<Record<string, string>>
): IPair[] {
  return fields
    .filter(f => (typed[f.name] ?? '') !== '' && typed[f.name] !== f.default)
    .map(f => ({ key: f.name, value: typed[f.name] }));
}

/**
 * Strip the runner's own paths from a failure reason or log (`…/jobs/x/hosts/
 * algo-1/opt/ml/code/train.py` becomes `train.py` in `source_dir`), and say
 * each paragraph once.
 */
export function cleanFailure(reason: string, sourceDir = ''): string {
  const prefix = sourceDir ? `${sourceDir.replace(/\/+$/, '')}/` : '';
  const relative = reason.replace(
    /(?:[^\s"'(]*\/)?hosts\/algo-\d+\/opt\/ml\/code\//g,
    prefix
  );
  const seen = new Set<string>();
  return relative
    .split(/\n{2,}/)
    .filter(block => {
      const key = block.trim();
      if (!key || seen.has(key)) {
        return false;
      }
      seen.add(key);
      return true;
    })
    .join('\n\n');
}
