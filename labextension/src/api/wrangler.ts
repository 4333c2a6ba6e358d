/**
 * Typed client of the Data Wrangler routes (`/smstudio/api/wrangler/...`).
 */
import { getItems, listRoute } from './client';
import type { CallOptions } from './client';
import { jsonInit, requestAPI } from './request';
import type { Query } from './request';
import type { IWranglerFlow } from './types';

/**
 * Column types a user can name (casts, read options).
 */
export type WranglerDataType =
  'int' | 'float' | 'string' | 'bool' | 'date' | 'datetime';

/**
 * A CSV/TSV/Parquet/JSON/JSON Lines file: a path in your directory,
 * `root:/path` in a data root, or a URL of an allowed protocol.
 */
export interface IFileSource {
  kind: 'file';
  path: string;
  format?: 'auto' | 'csv' | 'tsv' | 'parquet' | 'json' | 'jsonl';
  delimiter?: string | null;
  header?: boolean;
  encoding?: string;
  types?: Record<string, WranglerDataType>;
  on_bad_lines?: 'error' | 'skip';
}

/**
 * The result of a SQL query on a SQLite/DuckDB file or a SQLAlchemy URL.
 */
export interface IDatabaseSource {
  kind: 'database';
  path?: string | null;
  url?: string | null;
  query: string;
}

export type WranglerSource = IFileSource | IDatabaseSource;

/**
 * How the interactive preview picks rows.
 */
export interface ISampling {
  method: 'first' | 'random' | 'stratified' | 'none';
  n: number;
  seed: number;
  stratify_by?: string | null;
}

/**
 * A JSON value (operator parameters, fitted values, cells).
 */
export type JSONValue =
  string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

/**
 * Operator parameters.
 */
export type StepParams = Record<string, JSONValue>;

/**
 * A transform in a flow.
 */
export interface IStep {
  id: string;
  operator: string;
  operator_version: number;
  params: StepParams;
  title: string;
  fitted: Record<string, JSONValue> | null;
  fitted_on: string | null;
}

/**
 * A flow as the API shows it.
 */
export interface IFlow {
  name: string;
  schema_version: number;
  version: number;
  source: WranglerSource | null;
  sampling: ISampling;
  steps: IStep[];
  target: string | null;
  modified_ms: number;
  /**
   * Step id → what the step does in plain words (shown, not stored).
   */
  summaries?: Record<string, string>;
}

/**
 * A JSON schema, as much of it as the forms read.
 */
export interface IJSONSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: JSONValue;
  enum?: JSONValue[];
  const?: JSONValue;
  items?: IJSONSchema;
  properties?: Record<string, IJSONSchema>;
  additionalProperties?: boolean | IJSONSchema;
  required?: string[];
  anyOf?: IJSONSchema[];
  oneOf?: IJSONSchema[];
  $ref?: string;
  $defs?: Record<string, IJSONSchema>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
}

/**
 * An operator with its parameter schema.
 */
export interface IOperator {
  name: string;
  version: number;
  title: string;
  group: string;
  description: string;
  fits: boolean;
  params_schema: IJSONSchema;
}

export interface IColumnInfo {
  name: string;
  type: string;
}

/**
 * What a step changed, against the step before it.
 */
export interface IDiff {
  rows_before: number;
  rows_after: number;
  added_columns: string[];
  removed_columns: string[];
  changed_types: Record<string, string>;
}

export interface IStepStatus {
  id: string;
  error: string | null;
  error_field: string | null;
  warnings: string[];
}

export interface IRejectedRow {
  line: number;
  column: string | null;
  error: string;
  text: string;
}

/**
 * Rows of a step's output, its diff and per-step errors.
 */
export interface IPreview {
  step: string | null;
  scope: string;
  sample: string;
  total_rows: number;
  offset: number;
  columns: IColumnInfo[];
  rows: JSONValue[][];
  diff: IDiff | null;
  error: string | null;
  error_field: string | null;
  steps: IStepStatus[];
  rejected_rows: IRejectedRow[];
  elapsed_ms: number;
}

export interface IPreviewQuery {
  step?: string | null;
  offset?: number;
  limit?: number;
  scope?: 'sample' | 'full';
}

export interface IReportAlert {
  kind: string;
  severity: 'info' | 'warning';
  column: string | null;
  message: string;
}

export interface IBin {
  start: number;
  end: number;
  count: number;
}

export interface ITopValue {
  value: JSONValue;
  count: number;
}

export interface IColumnProfile {
  name: string;
  type: string;
  kind: 'numeric' | 'text' | 'boolean' | 'temporal' | 'other';
  count: number;
  missing: number;
  missing_pct: number;
  distinct: number;
  min?: JSONValue;
  max?: JSONValue;
  mean?: number | null;
  std?: number | null;
  quantiles: Record<string, number | null>;
  zeros?: number | null;
  infinite?: number | null;
  skew?: number | null;
  outliers?: number | null;
  histogram: IBin[];
  top_values: ITopValue[];
  mean_length?: number | null;
}

export interface ICorrelation {
  a: string;
  b: string;
  value: number;
  method: 'pearson' | 'cramers_v';
}

export interface IFeaturePower {
  column: string;
  score: number;
  metric: string;
  leakage: boolean;
}

export interface IQuickModel {
  problem: 'classification' | 'regression';
  model: string;
  train_rows: number;
  test_rows: number;
  metrics: Record<string, number>;
  feature_importance: Record<string, number>;
}

export interface ITargetAnalysis {
  column: string;
  problem: 'classification' | 'regression';
  classes: ITopValue[];
  histogram: IBin[];
  imbalance_ratio: number | null;
  feature_power: IFeaturePower[];
  quick_model: IQuickModel | null;
  error: string | null;
}

/**
 * The data quality and insights report.
 */
export interface IReport {
  table: {
    rows: number;
    columns: number;
    duplicate_rows: number;
    memory_bytes: number;
    missing_cells: number;
  };
  columns: IColumnProfile[];
  alerts: IReportAlert[];
  correlations: ICorrelation[];
  anomalous_rows: Record<string, JSONValue>[];
  target: ITargetAnalysis | null;
  sample: string;
  elapsed_ms: number;
}

export interface IReportRequest {
  step?: string | null;
  target?: string | null;
  sample_rows?: number;
}

export type ExportFormat = 'pandas' | 'polars' | 'notebook' | 'pyspark';

export interface IExportResult {
  format: ExportFormat;
  filename: string;
  content: string;
  saved_path: string | null;
}

export interface IFlowCreate {
  name: string;
  source?: WranglerSource | null;
  sampling?: ISampling;
}

/**
 * Change the flow's source, sampling or target (not its steps).
 */
export interface IFlowUpdate {
  version: number;
  source?: WranglerSource | null;
  sampling?: ISampling | null;
  target?: string | null;
}

export interface IStepCreate {
  version: number;
  operator: string;
  params: StepParams;
  title?: string;
  position?: number | null;
}

export interface IStepUpdate {
  version: number;
  params?: StepParams | null;
  title?: string | null;
  position?: number | null;
}

/**
 * The URL path of a flow: its name as one URL-encoded segment.
 */
export function flowPath(name: string, rest = ''): string {
  return `wrangler/flows/${encodeURIComponent(name)}${rest}`;
}

/**
 * `GET /wrangler/flows`
 */
export const listWranglerFlows = listRoute<IWranglerFlow>('wrangler/flows');

/**
 * `GET /wrangler/operators`
 */
export function listOperators(options: CallOptions = {}): Promise<IOperator[]> {
  return getItems<IOperator>('wrangler/operators', options);
}

/**
 * `POST /wrangler/sources/preview`: preview a source before using it.
 */
export function previewSource(
  source: WranglerSource,
  limit = 100,
  options: CallOptions = {}
): Promise<IPreview> {
  return requestAPI<IPreview>(
    'wrangler/sources/preview',
    jsonInit('POST', { source, limit }),
    options
  );
}

/**
 * Where file sources may come from besides your directory (the
 * administrator's choice).
 */
export interface ISourceLocations {
  /**
   * Read-only directories: a file in one is `name:/path/in/it`.
   */
  data_roots: string[];
  /**
   * URL protocols a file path may use, e.g. `s3` for `s3://bucket/key`.
   */
  protocols: string[];
}

/**
 * `GET /wrangler/sources/locations`
 */
export function getSourceLocations(
  options: CallOptions = {}
): Promise<ISourceLocations> {
  return requestAPI<ISourceLocations>(
    'wrangler/sources/locations',
    {},
    options
  );
}

/**
 * `POST /wrangler/flows` (answers 201; 409 when the file exists).
 */
export function createFlow(
  body: IFlowCreate,
  options: CallOptions = {}
): Promise<IFlow> {
  return requestAPI<IFlow>('wrangler/flows', jsonInit('POST', body), options);
}

/**
 * `GET /wrangler/flows/{name}`
 */
export function getFlow(
  name: string,
  options: CallOptions = {}
): Promise<IFlow> {
  return requestAPI<IFlow>(flowPath(name), {}, options);
}

/**
 * `PATCH /wrangler/flows/{name}` (stale `version` → 409).
 */
export function updateFlow(
  name: string,
  body: IFlowUpdate,
  options: CallOptions = {}
): Promise<IFlow> {
  return requestAPI<IFlow>(flowPath(name), jsonInit('PATCH', body), options);
}

/**
 * `DELETE /wrangler/flows/{name}`
 */
export async function deleteFlow(
  name: string,
  options: CallOptions = {}
): Promise<void> {
  await requestAPI<unknown>(flowPath(name), { method: 'DELETE' }, options);
}

/**
 * `POST /wrangler/flows/{name}/steps`
 */
export function addStep(
  name: string,
  body: IStepCreate,
  options: CallOptions = {}
): Promise<IFlow> {
  return requestAPI<IFlow>(
    flowPath(name, '/steps'),
    jsonInit('POST', body),
    options
  );
}

/**
 * `PATCH /wrangler/flows/{name}/steps/{step_id}`: edit or move a step.
 */
export function updateStep(
  name: string,
  stepId: string,
  body: IStepUpdate,
  options: CallOptions = {}
): Promise<IFlow> {
  return requestAPI<IFlow>(
    flowPath(name, `/steps/${encodeURIComponent(stepId)}`),
    jsonInit('PATCH', body),
    options
  );
}

/**
 * `DELETE /wrangler/flows/{name}/steps/{step_id}?version=N`
 */
export function deleteStep(
  name: string,
  stepId: string,
  version: number,
  options: CallOptions = {}
): Promise<IFlow> {
  return requestAPI<IFlow>(
    flowPath(name, `/steps/${encodeURIComponent(stepId)}`),
    { method: 'DELETE' },
    { ...options, query: { version } }
  );
}

/**
 * `POST /wrangler/flows/{name}/fit`
 */
export function fitFlow(
  name: string,
  version: number,
  scope: 'sample' | 'full' = 'sample',
  options: CallOptions = {}
): Promise<IFlow> {
  return requestAPI<IFlow>(
    flowPath(name, '/fit'),
    jsonInit('POST', { version, scope }),
    options
  );
}

/**
 * `GET /wrangler/flows/{name}/preview`
 */
export function previewFlow(
  name: string,
  query: IPreviewQuery = {},
  options: CallOptions = {}
): Promise<IPreview> {
  return requestAPI<IPreview>(
    flowPath(name, '/preview'),
    {},
    { ...options, query: { ...query } as Query }
  );
}

/**
 * `POST /wrangler/flows/{name}/report`
 */
export function getReport(
  name: string,
  body: IReportRequest = {},
  options: CallOptions = {}
): Promise<IReport> {
  return requestAPI<IReport>(
    flowPath(name, '/report'),
    jsonInit('POST', body),
    options
  );
}

/**
 * `GET /wrangler/flows/{name}/export?format=...&save=...`
 */
export function exportFlow(
  name: string,
  format: ExportFormat,
  save = false,
  options: CallOptions = {}
): Promise<IExportResult> {
  return requestAPI<IExportResult>(
    flowPath(name, '/export'),
    {},
    { ...options, query: { format, save: save ? 'true' : undefined } }
  );
}
