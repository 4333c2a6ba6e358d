/**
 * What the tuning job page and the "Tune…" form compute, without React: the
 * best-so-far series, the parallel-coordinate axes and the create request.
 */
import type {
  ICategoricalRange,
  INumericRange,
  ITrialSummary,
  ITuningJob,
  ITuningJobCreate,
  ObjectiveType,
  ScalingType,
  TuningStrategy
} from '../api';

/**
 * A trial's objective value, or `null` while it has none.
 */
export function objectiveOf(trial: ITrialSummary): number | null {
  return trial.final_hyper_parameter_tuning_job_objective_metric?.value ?? null;
}

/**
 * Whether `a` is better than `b` for this objective.
 */
export function better(a: number, b: number, type: ObjectiveType): boolean {
  return type === 'Minimize' ? a < b : a > b;
}

/**
 * One point of the objective chart: a trial in the order it started.
 */
export interface IObjectivePoint {
  trial: string;
  value: number | null;
  best: number | null;
}

/**
 * The trials in the order they were created, each with the best objective of
 * it and every earlier trial (lowest for Minimize, highest for Maximize).
 */
export function bestSoFar(
  trials: ReadonlyArray<ITrialSummary>,
  type: ObjectiveType
): IObjectivePoint[] {
  const ordered = [...trials].sort(
    (a, b) =>
      a.creation_time_ms - b.creation_time_ms ||
      a.training_job_name.localeCompare(b.training_job_name)
  );
  let best: number | null = null;
  return ordered.map(trial => {
    const value = objectiveOf(trial);
    if (value !== null && (best === null || better(value, best, type))) {
      best = value;
    }
    return { trial: trial.training_job_name, value, best };
  });
}

/**
 * One vertical axis of the parallel coordinates.
 */
export interface IAxis {
  name: string;
  /**
   * Where a trial's value lies on the axis, 0 (bottom) to 1 (top); `null`
   * when the trial has no value for it.
   */
  position: (value: string | number | undefined | null) => number | null;
  /**
   * Labelled ticks: `[label, position]`.
   */
  ticks: [string, number][];
  log: boolean;
}

/**
 * A numeric axis from `min` to `max`; logarithmic when `log` and both ends
 * are above zero.
 */
export function numericAxis(
  name: string,
  min: number,
  max: number,
  log = false
): IAxis {
  const useLog = log && min > 0 && max > 0;
  const f = (v: number): number => (useLog ? Math.log10(v) : v);
  const lo = f(min);
  const hi = f(max);
  const position = (raw: string | number | undefined | null): number | null => {
    if (raw === undefined || raw === null || raw === '') {
      return null;
    }
    const value = Number(raw);
    if (!Number.isFinite(value) || (useLog && value <= 0)) {
      return null;
    }
    return hi === lo ? 0.5 : (f(value) - lo) / (hi - lo);
  };
  const ticks: [string, number][] = [
    [formatNumber(min), position(min) ?? 0],
    [formatNumber(max), position(max) ?? 1]
  ];
  return { name, position, ticks, log: useLog };
}

/**
 * A categorical axis: its values as evenly spaced discrete ticks.
 */
export function categoricalAxis(
  name: string,
  values: ReadonlyArray<string>
): IAxis {
  const at = (i: number): number =>
    values.length > 1 ? i / (values.length - 1) : 0.5;
  return {
    name,
    position: raw => {
      const i = values.indexOf(String(raw ?? ''));
      return i < 0 ? null : at(i);
    },
    ticks: values.map((v, i) => [v, at(i)] as [string, number]),
    log: false
  };
}

/**
 * A short form of a number for axis labels.
 */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(3);
}

/**
 * A hyperparameter's value as the trials table shows it: numbers to four
 * significant digits (the full value is in the cell's tooltip), text as is.
 */
export function formatValue(text: string | undefined): string {
  if (text === undefined) {
    return '–';
  }
  const value = Number(text);
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    Number.isInteger(value)
  ) {
    return text;
  }
  return String(Number(value.toPrecision(4)));
}

/**
 * The axes of the parallel coordinates: one per tuned hyperparameter (as its
 * range declares it), then the objective over the trials' values.
 */
export function parallelAxes(
  job: Pick<ITuningJob, 'config'>,
  trials: ReadonlyArray<ITrialSummary>
): IAxis[] {
  const ranges = job.config.parameter_ranges;
  const numeric = (r: INumericRange): IAxis =>
    numericAxis(
      r.name,
      r.min_value,
      r.max_value,
      r.scaling_type === 'Logarithmic'
    );
  const values = trials.map(objectiveOf).filter((v): v is number => v !== null);
  const objective = job.config.hyper_parameter_tuning_job_objective.metric_name;
  return [
    ...ranges.integer_parameter_ranges.map(numeric),
    ...ranges.continuous_parameter_ranges.map(numeric),
    ...ranges.categorical_parameter_ranges.map(r =>
      categoricalAxis(r.name, r.values)
    ),
    values.length
      ? numericAxis(objective, Math.min(...values), Math.max(...values))
      : numericAxis(objective, 0, 1)
  ];
}

/**
 * A trial's positions on the axes (the objective last).
 */
export function trialPositions(
  axes: ReadonlyArray<IAxis>,
  trial: ITrialSummary
): (number | null)[] {
  return axes.map((axis, i) =>
    i === axes.length - 1
      ? axis.position(objectiveOf(trial))
      : axis.position(trial.tuned_hyper_parameters[axis.name])
  );
}

// ---------------------------------------------------------------------------
// The "Tune…" form.

export type RangeKind = 'Continuous' | 'Integer' | 'Categorical';

/**
 * One hyperparameter of the form: kept static or tuned over a range.
 */
export interface IParameterRow {
  name: string;
  /**
   * The training job's value (static when not tuned).
   */
  value: string;
  tune: boolean;
  kind: RangeKind;
  min: string;
  max: string;
  scaling: ScalingType;
  /**
   * Categorical values, comma-separated.
   */
  values: string;
}

/**
 * The form's state.
 */
export interface ITuneForm {
  name: string;
  metric: string;
  type: ObjectiveType;
  strategy: TuningStrategy;
  maxJobs: string;
  maxParallel: string;
  earlyStopping: 'Off' | 'Auto';
  parameters: IParameterRow[];
}

/**
 * The metric names a training job spec defines.
 */
export function metricNames(spec: Record<string, unknown>): string[] {
  const defs = (spec.metric_definitions ?? []) as { name?: string }[];
  return defs.map(d => d.name ?? '').filter(Boolean);
}

function guessRow(name: string, raw: unknown): IParameterRow {
  const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
  const number = Number(value);
  const numeric = value.trim() !== '' && Number.isFinite(number);
  const integer = numeric && Number.isInteger(number);
  const row: IParameterRow = {
    name,
    value,
    tune: false,
    kind: numeric ? (integer ? 'Integer' : 'Continuous') : 'Categorical',
    min: '',
    max: '',
    scaling: 'Auto',
    values: numeric ? '' : value
  };
  if (numeric) {
    // A start: from half to twice the job's value.
    const lo = number / 2;
    const hi = number * 2;
    row.min = String(integer ? Math.floor(Math.min(lo, hi)) : Math.min(lo, hi));
    row.max = String(integer ? Math.ceil(Math.max(lo, hi)) : Math.max(lo, hi));
  }
  return row;
}

/**
 * A tuning job name derived from a training job's (at most 32 characters).
 */
export function tuningName(job: string): string {
  const base = job.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 27);
  return `${base.replace(/-+$/, '')}-tune`;
}

/**
 * The form pre-filled from a training job's spec: nothing tuned yet, the
 * first metric as the objective.
 */
export function formFromSpec(
  job: string,
  spec: Record<string, unknown>
): ITuneForm {
  const hyperparameters = (spec.hyperparameters ?? {}) as Record<
    string,
    unknown
  >;
  return {
    name: tuningName(job),
    metric: metricNames(spec)[0] ?? '',
    type: 'Minimize',
    strategy: 'Bayesian',
    maxJobs: '10',
    maxParallel: '2',
    earlyStopping: 'Off',
    parameters: Object.entries(hyperparameters).map(([k, v]) => guessRow(k, v))
  };
}

/**
 * The form keys that server errors are shown beside (dotted request paths).
 */
export const FORM_FIELDS = {
  name: 'name',
  metric: 'config.hyper_parameter_tuning_job_objective',
  strategy: 'config.strategy',
  maxJobs: 'config.resource_limits.max_number_of_training_jobs',
  maxParallel: 'config.resource_limits.max_parallel_training_jobs',
  earlyStopping: 'config.training_job_early_stopping_type'
} as const;

/**
 * The form key of a hyperparameter's row.
 */
export function parameterField(name: string): string {
  return `parameter:${name}`;
}

const RANGE_LISTS: Record<
  RangeKind,
  keyof ITuningJobCreate['config']['parameter_ranges']
> = {
  Continuous: 'continuous_parameter_ranges',
  Integer: 'integer_parameter_ranges',
  Categorical: 'categorical_parameter_ranges'
};

function numberOr(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}

/**
 * The `POST /tuning-jobs` body the form makes, and the aliases that lead a
 * server error's field (e.g. `config.parameter_ranges.integer_parameter_ranges.0`)
 * to the row it came from.
 */
export function tuningRequest(
  form: ITuneForm,
  spec: Record<string, unknown>
): { body: ITuningJobCreate; keys: string[]; aliases: Record<string, string> } {
  const ranges: ITuningJobCreate['config']['parameter_ranges'] = {
    integer_parameter_ranges: [],
    continuous_parameter_ranges: [],
    categorical_parameter_ranges: []
  };
  const aliases: Record<string, string> = {};
  const hyperparameters: Record<string, string> = {};
  for (const row of form.parameters) {
    if (!row.tune) {
      hyperparameters[row.name] = row.value;
      continue;
    }
    const list = RANGE_LISTS[row.kind];
    const path = `config.parameter_ranges.${list}.${ranges[list].length}`;
    aliases[path] = parameterField(row.name);
    aliases[`training_job_definition.hyperparameters.${row.name}`] =
      parameterField(row.name);
    if (row.kind === 'Categorical') {
      const values = row.values
        .split(',')
        .map(v => v.trim())
        .filter(Boolean);
      (ranges.categorical_parameter_ranges as ICategoricalRange[]).push({
        name: row.name,
        values
      });
    } else {
      (ranges[list] as INumericRange[]).push({
        name: row.name,
        min_value: numberOr(row.min),
        max_value: numberOr(row.max),
        scaling_type: row.scaling
      });
    }
  }
  const maxJobs = form.maxJobs.trim();
  const body: ITuningJobCreate = {
    name: form.name.trim(),
    config: {
      strategy: form.strategy,
      hyper_parameter_tuning_job_objective: {
        type: form.type,
        metric_name: form.metric
      },
      resource_limits: {
        max_number_of_training_jobs: maxJobs ? Number(maxJobs) : null,
        max_parallel_training_jobs: Number(form.maxParallel)
      },
      parameter_ranges: ranges,
      training_job_early_stopping_type: form.earlyStopping
    },
    training_job_definition: { ...withoutName(spec), hyperparameters }
  };
  const keys = [
    ...Object.values(FORM_FIELDS),
    ...form.parameters.map(row => parameterField(row.name))
  ];
  return { body, keys, aliases };
}

function withoutName(spec: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...spec };
  delete copy.name;
  return copy;
}
