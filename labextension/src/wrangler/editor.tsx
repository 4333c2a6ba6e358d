/**
 * The Data Wrangler editor of one `.flow` file: source, steps, data, insights
 * report and export.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { exportFlow, getReport } from '../api';
import type {
  ExportFormat,
  IExportResult,
  IFileSource,
  IDiff,
  IFlow,
  IOperator,
  IPreview,
  IReport,
  ISampling,
  JobKind,
  JSONValue,
  StepParams,
  WranglerSource
} from '../api';
import { RowsTable } from './cells';
import { formatNumber } from './charts';
import { FieldMessage, fieldError } from './fields';
import type { IFieldError } from './fields';
import { confirmDeleteStep } from './confirm';
import { RunAsJob } from './jobexport';
import { FlowEditorModel, PAGE_SIZE } from './model';
import type { IFlowEditorState } from './model';
import { TransContext, useTrans } from './trans';
import type { TranslationBundle } from '@jupyterlab/translation';

export { cellText } from './cells';
import { ReportView } from './report';
import {
  checkSourcePath,
  sourcePathHint,
  useSourceLocations
} from './locations';
import { SchemaForm } from './schemaform';
import { databaseLabel, DatabaseSourceForm } from './source';
import { TabList } from './tabs';

export { PAGE_SIZE } from './model';

/**
 * What the editor asks of the application.
 */
export interface IFlowEditorOptions {
  /**
   * The flow's path relative to the server root.
   */
  name: string;
  /**
   * Open a file (an export) in JupyterLab.
   */
  openFile?: (path: string) => void;
  /**
   * Open a job's detail view (the `ISMStudio` service's `openJob`).
   */
  openJob?: (kind: JobKind, name: string) => void;
  /**
   * Called after every successful write of the flow.
   */
  onWritten?: (flow: IFlow) => void;
  /**
   * Let the user choose a file of their space (a file dialog); answers its
   * path, or `null` when they cancel. Without it the source is typed only.
   */
  pickFile?: () => Promise<string | null>;
}

/**
 * A one-line summary of a step's parameters.
 */
export function describeParams(params: StepParams): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}: ${shortValue(value)}`)
    .join('; ');
}

function shortValue(value: JSONValue): string {
  if (Array.isArray(value)) {
    return value.map(shortValue).join(', ');
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k}→${shortValue(v)}`)
      .join(', ');
  }
  const text = String(value);
  return text.length > 40 ? text.slice(0, 39) + '…' : text;
}

/**
 * What a step changed, in words.
 */
export function diffText(diff: IDiff, trans: TranslationBundle): string {
  const parts = [
    trans.__(
      'Rows: %1 → %2',
      formatNumber(diff.rows_before),
      formatNumber(diff.rows_after)
    )
  ];
  if (diff.added_columns.length > 0) {
    parts.push(trans.__('added: %1', diff.added_columns.join(', ')));
  }
  if (diff.removed_columns.length > 0) {
    parts.push(trans.__('removed: %1', diff.removed_columns.join(', ')));
  }
  const changed = Object.entries(diff.changed_types);
  if (changed.length > 0) {
    parts.push(
      trans.__(
        'new types: %1',
        changed.map(([c, t]) => `${c} (${t})`).join(', ')
      )
    );
  }
  return parts.join(' · ');
}

/**
 * The model's state, rendered again on every change.
 *
 * The snapshot is read synchronously, so controlled inputs (the step title,
 * the step parameters) keep what the user types.
 */
function useFlowEditorState(model: FlowEditorModel): IFlowEditorState {
  const subscribe = React.useCallback(
    (onChange: () => void) => {
      model.stateChanged.connect(onChange);
      return () => {
        model.stateChanged.disconnect(onChange);
      };
    },
    [model]
  );
  return React.useSyncExternalStore(subscribe, () => model.state);
}

/**
 * What the editor view gets: its model and how to open files and jobs.
 */
export interface IFlowEditorProps {
  model: FlowEditorModel;
  openFile?: (path: string) => void;
  openJob?: (kind: JobKind, name: string) => void;
  pickFile?: () => Promise<string | null>;
}

/**
 * The editor (React): renders the model and calls its actions.
 */
export function FlowEditor(props: IFlowEditorProps): React.ReactElement {
  const trans = useTrans();
  const { model } = props;
  const name = model.name;
  const {
    flow,
    loadError,
    conflict,
    notice,
    operators,
    selected,
    offset,
    preview,
    previewError,
    busy,
    tab,
    editing,
    formError,
    inputColumns
  } = useFlowEditorState(model);
  const steps = model.steps;
  const insertAt = model.insertAt;
  const tabPrefix = React.useId().replace(/:/g, '');

  if (loadError) {
    return (
      <div className="smstudio-Wrangler">
        <div className="smstudio-Error" role="alert">
          <p className="smstudio-Error-message">{loadError}</p>
          <button className="jp-mod-styled" onClick={() => void model.reload()}>
            {trans.__('Try again')}
          </button>
        </div>
      </div>
    );
  }
  if (!flow) {
    return (
      <div className="smstudio-Wrangler">
        <p className="smstudio-Message">{trans.__('Loading the flow…')}</p>
      </div>
    );
  }

  const operator = model.editingOperator;
  const missing = model.missing;

  return (
    <div className="smstudio-Wrangler" data-smstudio-flow={flow.name}>
      {conflict && (
        <div className="smstudio-Wrangler-banner is-conflict" role="alert">
          <span>
            {trans.__(
              'Someone else changed this flow since you opened it, so your change was not saved.'
            )}
          </span>
          <button
            className="jp-mod-styled jp-mod-accept"
            onClick={() => void model.reload()}
          >
            {trans.__('Reload the flow')}
          </button>
        </div>
      )}
      {notice && (
        <div className="smstudio-Wrangler-banner" role="alert">
          <span>{notice}</span>
          <button
            className="jp-mod-styled"
            onClick={() => model.dismissNotice()}
          >
            {trans.__('Dismiss')}
          </button>
        </div>
      )}
      <div className="smstudio-Wrangler-body">
        <aside className="smstudio-Wrangler-side">
          <SourcePicker
            flow={flow}
            busy={busy}
            onSave={source => model.saveSource(source)}
            pickFile={props.pickFile}
          />
          {flow.source && (
            <SamplingEditor
              flow={flow}
              busy={busy}
              onSave={sampling => model.saveSampling(sampling)}
              onRefit={() => void model.refit()}
            />
          )}
          <section className="smstudio-Wrangler-steps">
            <h3>{trans.__('Steps')}</h3>
            {steps.length === 0 && (
              <p className="smstudio-Message">
                {trans.__('No steps yet. Add a transform below.')}
              </p>
            )}
            <ol className="smstudio-Wrangler-stepList">
              <li
                className={
                  selected === 'source'
                    ? 'smstudio-Wrangler-step is-selected'
                    : 'smstudio-Wrangler-step'
                }
              >
                <button
                  className="smstudio-Wrangler-stepName"
                  onClick={() => model.select('source')}
                >
                  {trans.__('Source data')}
                </button>
              </li>
              {steps.map((step, index) => {
                const status = model.stepStatus(step.id);
                const isSelected =
                  selected === step.id ||
                  (selected === null && index === steps.length - 1);
                const op = operators.find(o => o.name === step.operator);
                const summary =
                  flow.summaries?.[step.id] ?? describeParams(step.params);
                return (
                  <li
                    key={step.id}
                    data-step={step.id}
                    data-operator={step.operator}
                    className={
                      'smstudio-Wrangler-step' +
                      (isSelected ? ' is-selected' : '') +
                      (status?.error ? ' has-error' : '')
                    }
                  >
                    <button
                      className="smstudio-Wrangler-stepName"
                      title={trans.__('Show the data after this step')}
                      onClick={() => model.select(step.id)}
                    >
                      {index + 1}. {step.title || op?.title || step.operator}
                    </button>
                    <span
                      className="smstudio-Wrangler-stepSummary"
                      data-step-summary=""
                      title={describeParams(step.params)}
                    >
                      {summary}
                    </span>
                    {step.fitted_on && (
                      <span className="smstudio-Wrangler-stepParams">
                        {trans.__('Fitted on %1', step.fitted_on)}
                      </span>
                    )}
                    {status?.error && (
                      <p
                        className="smstudio-Wrangler-fieldError"
                        role="alert"
                        data-step-error=""
                      >
                        {status.error}
                      </p>
                    )}
                    {status?.warnings.map((w, i) => (
                      <p key={i} className="smstudio-Wrangler-warning">
                        {w}
                      </p>
                    ))}
                    <div className="smstudio-Wrangler-stepActions">
                      <button
                        className="jp-mod-styled"
                        onClick={() => void model.startEdit(step)}
                      >
                        {trans.__('Edit')}
                      </button>
                      <button
                        className="jp-mod-styled"
                        disabled={index === 0 || busy}
                        title={trans.__('Move up')}
                        aria-label={trans.__('Move up')}
                        onClick={() => void model.moveStep(step, index - 1)}
                      >
                        ↑
                      </button>
                      <button
                        className="jp-mod-styled"
                        disabled={index === steps.length - 1 || busy}
                        title={trans.__('Move down')}
                        aria-label={trans.__('Move down')}
                        onClick={() => void model.moveStep(step, index + 1)}
                      >
                        ↓
                      </button>
                      <button
                        className="jp-mod-styled jp-mod-warn"
                        disabled={busy}
                        onClick={() =>
                          void confirmDeleteStep(
                            `${index + 1}`,
                            summary,
                            trans
                          ).then(yes =>
                            yes ? model.deleteStep(step) : undefined
                          )
                        }
                      >
                        {trans.__('Delete')}
                      </button>
                    </div>
                  </li>
                );
              })}
            </ol>
            {!editing && (
              <AddStep
                operators={operators}
                disabled={!flow.source}
                onPick={op => void model.startAdd(op)}
                label={
                  insertAt >= steps.length
                    ? trans.__('Add a transform')
                    : insertAt === 0
                      ? trans.__('Add a transform before step 1')
                      : trans.__('Add a transform after step %1', insertAt)
                }
              />
            )}
            {editing && operator && (
              <div className="smstudio-Wrangler-stepForm" data-step-form="">
                <h4>
                  {editing.mode === 'add'
                    ? trans.__('New step: %1', operator.title)
                    : trans.__('Edit step: %1', operator.title)}
                </h4>
                {operator.description && (
                  <p className="smstudio-SchemaForm-help">
                    {operator.description}
                  </p>
                )}
                <SchemaForm
                  key={
                    editing.mode === 'add'
                      ? `add-${editing.operator}`
                      : `edit-${editing.step.id}`
                  }
                  idPrefix={`smstudio-step-${operator.name}`}
                  schema={operator.params_schema}
                  value={editing.params}
                  columns={inputColumns}
                  errorField={formError?.field}
                  errorMessage={formError?.message}
                  onChange={params => model.changeEditing({ params })}
                />
                <div className="smstudio-SchemaForm-field">
                  <label
                    className="smstudio-SchemaForm-label"
                    htmlFor="smstudio-step-title"
                  >
                    {trans.__('Title (optional)')}
                  </label>
                  <input
                    id="smstudio-step-title"
                    type="text"
                    value={editing.title}
                    onChange={e =>
                      model.changeEditing({ title: e.currentTarget.value })
                    }
                  />
                </div>
                {missing.length > 0 && (
                  <p className="smstudio-SchemaForm-help">
                    {trans.__('Still to fill in: %1', missing.join(', '))}
                  </p>
                )}
                <div className="smstudio-Wrangler-stepActions">
                  <button
                    className="jp-mod-styled jp-mod-accept"
                    disabled={busy || missing.length > 0}
                    onClick={() => void model.submitStep()}
                  >
                    {editing.mode === 'add'
                      ? trans.__('Add step')
                      : trans.__('Save step')}
                  </button>
                  <button
                    className="jp-mod-styled"
                    onClick={() => model.cancelEditing()}
                  >
                    {trans.__('Cancel')}
                  </button>
                </div>
              </div>
            )}
          </section>
        </aside>
        <main className="smstudio-Wrangler-main">
          <TabList
            tabs={[
              ['data', trans.__('Data')],
              ['report', trans.__('Insights')],
              ['export', trans.__('Export')]
            ]}
            current={tab}
            idPrefix={tabPrefix}
            label={trans.__('Views of the flow')}
            onSelect={id => model.setTab(id)}
          />
          <div
            role="tabpanel"
            id={`${tabPrefix}-panel-${tab}`}
            aria-labelledby={`${tabPrefix}-tab-${tab}`}
            className="smstudio-Wrangler-tabPanel"
          >
            {tab === 'data' && (
              <DataView
                preview={preview}
                error={previewError}
                hasSource={!!flow.source}
                offset={offset}
                onOffset={next => model.setOffset(next)}
              />
            )}
            {tab === 'report' && (
              <ReportTab
                flow={flow}
                columns={preview?.columns.map(c => c.name) ?? []}
                step={selected === 'source' ? null : selected}
              />
            )}
            {tab === 'export' && (
              <ExportTab
                name={name}
                openFile={props.openFile}
                openJob={props.openJob}
              />
            )}
          </div>
        </main>
      </div>
    </div>
  );
}

/**
 * Where the data comes from: a file (yours, in a data root or at a URL) and
 * how to read it, or a query on a database.
 */
function SourcePicker(props: {
  flow: IFlow;
  busy: boolean;
  onSave: (source: WranglerSource) => Promise<void>;
  pickFile?: () => Promise<string | null>;
}): React.ReactElement {
  const trans = useTrans();
  const saved = props.flow.source;
  const current = saved && saved.kind === 'file' ? saved : null;
  const [open, setOpen] = React.useState(!saved);
  const [kind, setKind] = React.useState<WranglerSource['kind']>(
    saved?.kind ?? 'file'
  );
  const [source, setSource] = React.useState<IFileSource>(
    current ?? {
      kind: 'file',
      path: '',
      format: 'auto',
      header: true,
      on_bad_lines: 'error'
    }
  );
  const [error, setError] = React.useState<IFieldError | null>(null);
  const locations = useSourceLocations(open);
  const errorFor = (field: string): string | null =>
    error && (error.field === field || error.field === `source.${field}`)
      ? error.message
      : null;
  const known = ['path', 'format', 'delimiter', 'header', 'on_bad_lines'];
  const other =
    error &&
    !known.some(f => error.field === f || error.field === `source.${f}`)
      ? error.message
      : null;

  if (!open) {
    return (
      <section className="smstudio-Wrangler-source">
        <h3>{trans.__('Source')}</h3>
        {saved?.kind === 'database' && (
          <p className="smstudio-Wrangler-sourcePath" data-source-database="">
            {databaseLabel(saved)}
          </p>
        )}
        <p className="smstudio-Wrangler-sourcePath" data-source-path="">
          {saved ? (saved.kind === 'file' ? saved.path : saved.query) : ''}
        </p>
        <button className="jp-mod-styled" onClick={() => setOpen(true)}>
          {trans.__('Change source')}
        </button>
      </section>
    );
  }
  const cancel = saved && (
    <button className="jp-mod-styled" onClick={() => setOpen(false)}>
      {trans.__('Cancel')}
    </button>
  );
  const kinds = (
    <fieldset className="smstudio-Wrangler-sourceKinds">
      <legend>{trans.__('Read from')}</legend>
      {(
        [
          ['file', trans.__('A file')],
          ['database', trans.__('A database')]
        ] as [WranglerSource['kind'], string][]
      ).map(([value, label]) => (
        <label key={value} className="smstudio-SchemaForm-check">
          <input
            type="radio"
            name="smstudio-source-kind"
            value={value}
            checked={kind === value}
            onChange={() => setKind(value)}
          />
          {label}
        </label>
      ))}
    </fieldset>
  );
  if (kind === 'database') {
    return (
      <section className="smstudio-Wrangler-source" data-source-form="">
        <h3>{trans.__('Source')}</h3>
        {kinds}
        <DatabaseSourceForm
          current={saved?.kind === 'database' ? saved : null}
          busy={props.busy}
          onSave={source => props.onSave(source).then(() => setOpen(false))}
        />
        {cancel && (
          <div className="smstudio-Wrangler-stepActions">{cancel}</div>
        )}
      </section>
    );
  }
  const set = (change: Partial<IFileSource>): void =>
    setSource(current => ({ ...current, ...change }));
  const { pickFile } = props;
  const isText = ['auto', 'csv', 'tsv'].includes(source.format ?? 'auto');
  const pathProblem = checkSourcePath(source.path, locations, trans);
  return (
    <section className="smstudio-Wrangler-source" data-source-form="">
      <h3>{trans.__('Source')}</h3>
      {kinds}
      <div className="smstudio-SchemaForm-field">
        <label
          className="smstudio-SchemaForm-label"
          htmlFor="smstudio-src-path"
        >
          {trans.__('File (path, data root or URL)')}
        </label>
        <div className="smstudio-Wrangler-pathRow">
          <input
            id="smstudio-src-path"
            type="text"
            placeholder={trans.__('data/sales.csv or s3://bucket/key')}
            value={source.path}
            onChange={e => set({ path: e.currentTarget.value })}
          />
          {pickFile && (
            <button
              className="jp-mod-styled"
              data-source-browse=""
              title={trans.__('Choose a file in your space')}
              onClick={() =>
                void pickFile().then(path => {
                  if (path) {
                    set({ path });
                  }
                })
              }
            >
              {trans.__('Browse…')}
            </button>
          )}
        </div>
        <p className="smstudio-SchemaForm-help" data-source-hint="">
          {sourcePathHint(locations, trans)}
        </p>
        <FieldMessage message={pathProblem ?? errorFor('path')} />
      </div>
      <div className="smstudio-SchemaForm-field">
        <label
          className="smstudio-SchemaForm-label"
          htmlFor="smstudio-src-format"
        >
          {trans.__('Format')}
        </label>
        <select
          id="smstudio-src-format"
          value={source.format ?? 'auto'}
          onChange={e =>
            set({ format: e.currentTarget.value as IFileSource['format'] })
          }
        >
          <option value="auto">{trans.__('From the file name')}</option>
          <option value="csv">{trans.__('CSV')}</option>
          <option value="tsv">{trans.__('TSV')}</option>
          <option value="parquet">{trans.__('Parquet')}</option>
          <option value="json">{trans.__('JSON')}</option>
          <option value="jsonl">{trans.__('JSON Lines')}</option>
        </select>
        <FieldMessage message={errorFor('format')} />
      </div>
      {isText && (
        <>
          <div className="smstudio-SchemaForm-field">
            <label
              className="smstudio-SchemaForm-label"
              htmlFor="smstudio-src-delimiter"
            >
              {trans.__('Delimiter (empty: comma, or tab for TSV)')}
            </label>
            <input
              id="smstudio-src-delimiter"
              type="text"
              maxLength={1}
              value={source.delimiter ?? ''}
              onChange={e => set({ delimiter: e.currentTarget.value || null })}
            />
            <FieldMessage message={errorFor('delimiter')} />
          </div>
          <div className="smstudio-SchemaForm-field">
            <label className="smstudio-SchemaForm-check">
              <input
                type="checkbox"
                checked={source.header ?? true}
                onChange={e => set({ header: e.currentTarget.checked })}
              />
              {trans.__('The first line holds column names')}
            </label>
          </div>
          <div className="smstudio-SchemaForm-field">
            <label
              className="smstudio-SchemaForm-label"
              htmlFor="smstudio-src-bad"
            >
              {trans.__('Malformed rows')}
            </label>
            <select
              id="smstudio-src-bad"
              value={source.on_bad_lines ?? 'error'}
              onChange={e =>
                set({
                  on_bad_lines: e.currentTarget.value as 'error' | 'skip'
                })
              }
            >
              <option value="error">{trans.__('Stop and list them')}</option>
              <option value="skip">
                {trans.__('Leave them out and list them')}
              </option>
            </select>
          </div>
        </>
      )}
      {other && <FieldMessage message={other} />}
      <div className="smstudio-Wrangler-stepActions">
        <button
          className="jp-mod-styled jp-mod-accept"
          disabled={props.busy || !source.path.trim() || pathProblem !== null}
          onClick={() => {
            const clean: IFileSource = { ...source, path: source.path.trim() };
            if (!clean.delimiter) {
              delete clean.delimiter;
            }
            props
              .onSave(clean)
              .then(() => {
                setError(null);
                setOpen(false);
              })
              .catch(e => setError(fieldError(e)));
          }}
        >
          {trans.__('Import')}
        </button>
        {cancel}
      </div>
    </section>
  );
}

/**
 * How the preview picks its rows, and refitting on the full data.
 */
function SamplingEditor(props: {
  flow: IFlow;
  busy: boolean;
  onSave: (sampling: ISampling) => Promise<void>;
  onRefit: () => void;
}): React.ReactElement {
  const trans = useTrans();
  const [sampling, setSampling] = React.useState<ISampling>(
    props.flow.sampling
  );
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => setSampling(props.flow.sampling), [props.flow]);
  const changed =
    JSON.stringify(sampling) !== JSON.stringify(props.flow.sampling);
  return (
    <details className="smstudio-Wrangler-sampling">
      <summary>{trans.__('Preview sample and fitting')}</summary>
      <div className="smstudio-SchemaForm-field">
        <label
          className="smstudio-SchemaForm-label"
          htmlFor="smstudio-sampling-method"
        >
          {trans.__('Rows in the preview')}
        </label>
        <select
          id="smstudio-sampling-method"
          value={sampling.method}
          onChange={e =>
            setSampling({
              ...sampling,
              method: e.currentTarget.value as ISampling['method']
            })
          }
        >
          <option value="first">{trans.__('The first rows')}</option>
          <option value="random">{trans.__('Random rows')}</option>
          <option value="stratified">
            {trans.__('Random rows, stratified by a column')}
          </option>
          <option value="none">{trans.__('All rows')}</option>
        </select>
      </div>
      {sampling.method !== 'none' && (
        <div className="smstudio-SchemaForm-field">
          <label
            className="smstudio-SchemaForm-label"
            htmlFor="smstudio-sampling-n"
          >
            {trans.__('How many')}
          </label>
          <input
            id="smstudio-sampling-n"
            type="number"
            min={1}
            value={sampling.n}
            onChange={e =>
              setSampling({ ...sampling, n: Number(e.currentTarget.value) })
            }
          />
        </div>
      )}
      {sampling.method === 'stratified' && (
        <div className="smstudio-SchemaForm-field">
          <label
            className="smstudio-SchemaForm-label"
            htmlFor="smstudio-sampling-by"
          >
            {trans.__('Stratify by column')}
          </label>
          <input
            id="smstudio-sampling-by"
            type="text"
            value={sampling.stratify_by ?? ''}
            onChange={e =>
              setSampling({
                ...sampling,
                stratify_by: e.currentTarget.value || null
              })
            }
          />
        </div>
      )}
      <FieldMessage message={error} />
      <div className="smstudio-Wrangler-stepActions">
        <button
          className="jp-mod-styled jp-mod-accept"
          disabled={props.busy || !changed}
          onClick={() =>
            props
              .onSave(sampling)
              .then(() => setError(null))
              .catch(e => setError(fieldError(e).message))
          }
        >
          {trans.__('Use this sample')}
        </button>
        <button
          className="jp-mod-styled"
          disabled={props.busy}
          title={trans.__(
            'Learn the fitted values (means, categories, bounds) of every step from all rows instead of the sample'
          )}
          onClick={props.onRefit}
        >
          {trans.__('Refit on all rows')}
        </button>
      </div>
    </details>
  );
}

/**
 * Choose an operator for a new step, grouped.
 */
function AddStep(props: {
  operators: IOperator[];
  disabled: boolean;
  onPick: (operator: IOperator) => void;
  label: string;
}): React.ReactElement {
  const trans = useTrans();
  const groups = new Map<string, IOperator[]>();
  for (const op of props.operators) {
    groups.set(op.group, [...(groups.get(op.group) ?? []), op]);
  }
  return (
    <div className="smstudio-SchemaForm-field">
      <label className="smstudio-SchemaForm-label" htmlFor="smstudio-add-step">
        {props.label}
      </label>
      <select
        id="smstudio-add-step"
        value=""
        disabled={props.disabled}
        onChange={e => {
          const op = props.operators.find(
            o => o.name === e.currentTarget.value
          );
          if (op) {
            props.onPick(op);
          }
        }}
      >
        <option value="">
          {props.disabled
            ? trans.__('(import data first)')
            : trans.__('(choose a transform)')}
        </option>
        {[...groups.entries()].map(([group, ops]) => (
          <optgroup key={group} label={group}>
            {ops.map(op => (
              <option key={op.name} value={op.name}>
                {op.title}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </div>
  );
}

/**
 * The paged data grid with the step's diff.
 */
function DataView(props: {
  preview: IPreview | null;
  error: string | null;
  hasSource: boolean;
  offset: number;
  onOffset: (offset: number) => void;
}): React.ReactElement {
  const trans = useTrans();
  const { preview, offset } = props;
  if (!props.hasSource) {
    return (
      <p className="smstudio-Message">
        {trans.__(
          'Choose a source (a file or a database) on the left to see its data here.'
        )}
      </p>
    );
  }
  if (props.error) {
    return (
      <div className="smstudio-Error" role="alert">
        <p className="smstudio-Error-message">{props.error}</p>
      </div>
    );
  }
  if (!preview) {
    return <p className="smstudio-Message">{trans.__('Loading the data…')}</p>;
  }
  const diff = preview.diff;
  const added = new Set(diff?.added_columns ?? []);
  const changed = diff?.changed_types ?? {};
  const last = Math.min(offset + preview.rows.length, preview.total_rows);
  return (
    <div className="smstudio-Wrangler-data">
      {preview.error && (
        <div className="smstudio-Error" role="alert" data-preview-error="">
          <p className="smstudio-Error-message">
            {trans.__('This step fails: %1', preview.error)}
          </p>
          <p className="smstudio-Error-detail">
            {trans.__('The flow is kept; edit or delete the step to fix it.')}
          </p>
        </div>
      )}
      {diff && (
        <p className="smstudio-Wrangler-diff" data-diff="">
          {diffText(diff, trans)}
        </p>
      )}
      {preview.rejected_rows.length > 0 && (
        <details className="smstudio-Wrangler-rejected">
          <summary>
            {trans._n(
              '%1 malformed row was left out',
              '%1 malformed rows were left out',
              preview.rejected_rows.length
            )}
          </summary>
          <ul>
            {preview.rejected_rows.map((r, i) => (
              <li key={i}>{trans.__('Line %1: %2', r.line, r.error)}</li>
            ))}
          </ul>
        </details>
      )}
      <div className="smstudio-Wrangler-pager">
        <span data-pager="">
          {preview.total_rows === 0
            ? trans.__('No rows (%1)', preview.sample)
            : trans.__(
                'Rows %1–%2 of %3 (%4)',
                formatNumber(offset + 1),
                formatNumber(last),
                formatNumber(preview.total_rows),
                preview.sample
              )}
        </span>
        <button
          className="jp-mod-styled"
          disabled={offset === 0}
          onClick={() => props.onOffset(Math.max(0, offset - PAGE_SIZE))}
        >
          {trans.__('Previous')}
        </button>
        <button
          className="jp-mod-styled"
          disabled={last >= preview.total_rows}
          onClick={() => props.onOffset(offset + PAGE_SIZE)}
        >
          {trans.__('Next')}
        </button>
      </div>
      <RowsTable
        columns={preview.columns}
        rows={preview.rows}
        firstRow={offset}
        changed={c => added.has(c) || !!changed[c]}
        added={diff?.added_columns}
      />
    </div>
  );
}

/**
 * Build and show the insights report.
 */
function ReportTab(props: {
  flow: IFlow;
  columns: string[];
  step: string | null;
}): React.ReactElement {
  const trans = useTrans();
  const [target, setTarget] = React.useState(props.flow.target ?? '');
  const [report, setReport] = React.useState<IReport | null>(null);
  // What the report on show was built from: a later write of the flow
  // (steps, source, sample) or another step makes it out of date.
  const [builtFor, setBuiltFor] = React.useState<{
    version: number;
    step: string | null;
  } | null>(null);
  const [loading, setLoading] = React.useState(false);
  const [error, setError] = React.useState<IFieldError | null>(null);
  const stale =
    !!report &&
    !!builtFor &&
    (builtFor.version !== props.flow.version || builtFor.step !== props.step);
  const build = (): void => {
    const asked = { version: props.flow.version, step: props.step };
    setLoading(true);
    setError(null);
    getReport(props.flow.name, {
      step: props.step,
      target: target || null
    })
      .then(answer => {
        setReport(answer);
        setBuiltFor(asked);
      })
      .catch(e => setError(fieldError(e)))
      .finally(() => setLoading(false));
  };
  return (
    <div className="smstudio-Wrangler-reportTab">
      <div className="smstudio-Wrangler-pager">
        <label htmlFor="smstudio-report-target">
          {trans.__('Target column')}
        </label>
        <select
          id="smstudio-report-target"
          value={target}
          onChange={e => setTarget(e.currentTarget.value)}
        >
          <option value="">{trans.__('(none)')}</option>
          {props.columns.map(c => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <button
          className="jp-mod-styled jp-mod-accept"
          disabled={loading}
          onClick={build}
        >
          {loading
            ? trans.__('Building the report…')
            : trans.__('Build the report')}
        </button>
      </div>
      {error && (
        <div className="smstudio-Error" role="alert">
          <p className="smstudio-Error-message">{error.message}</p>
        </div>
      )}
      {!report && !loading && !error && (
        <p className="smstudio-Message">
          {trans.__(
            'The report profiles every column of the data after the selected step, lists problems, and with a target column shows how well the other columns predict it.'
          )}
        </p>
      )}
      {stale && (
        <div className="smstudio-Wrangler-stale" role="status" data-stale="">
          <span>
            {trans.__(
              'Out of date: the flow changed since this report was built.'
            )}
          </span>
          <button className="jp-mod-styled" disabled={loading} onClick={build}>
            {trans.__('Refresh')}
          </button>
        </div>
      )}
      {report && (
        <div className={stale ? 'smstudio-Wrangler-staleReport' : undefined}>
          <ReportView report={report} />
        </div>
      )}
    </div>
  );
}

/**
 * Export the flow as code.
 */
function ExportTab(props: {
  name: string;
  openFile?: (path: string) => void;
  openJob?: (kind: JobKind, name: string) => void;
}): React.ReactElement {
  const trans = useTrans();
  const [result, setResult] = React.useState<IExportResult | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const run = (format: ExportFormat): void => {
    setBusy(true);
    setError(null);
    exportFlow(props.name, format, true)
      .then(answer => {
        setResult(answer);
        if (answer.saved_path) {
          props.openFile?.(answer.saved_path);
        }
      })
      .catch(e => setError(fieldError(e).message))
      .finally(() => setBusy(false));
  };
  return (
    <div className="smstudio-Wrangler-export">
      <p className="smstudio-Message">
        {trans.__('Write the flow as code next to the flow file and open it.')}
      </p>
      <div className="smstudio-Wrangler-stepActions">
        <button
          className="jp-mod-styled"
          disabled={busy}
          data-export="pandas"
          onClick={() => run('pandas')}
        >
          {trans.__('pandas script')}
        </button>
        <button
          className="jp-mod-styled"
          disabled={busy}
          data-export="polars"
          onClick={() => run('polars')}
        >
          {trans.__('Polars script')}
        </button>
        <button
          className="jp-mod-styled"
          disabled={busy}
          data-export="notebook"
          onClick={() => run('notebook')}
        >
          {trans.__('Notebook')}
        </button>
        <button
          className="jp-mod-styled"
          disabled={busy}
          data-export="pyspark"
          title={trans.__(
            'A PySpark script giving the same rows, for data too big for one machine'
          )}
          onClick={() => run('pyspark')}
        >
          {trans.__('PySpark script')}
        </button>
      </div>
      {error && (
        <div className="smstudio-Error" role="alert">
          <p className="smstudio-Error-message">{error}</p>
        </div>
      )}
      <RunAsJob name={props.name} openJob={props.openJob} />
      {result && (
        <>
          <p className="smstudio-Message" data-export-saved="">
            {trans.__('Saved %1', result.saved_path ?? result.filename)}
          </p>
          {result.format !== 'notebook' && (
            <pre className="smstudio-Wrangler-code">{result.content}</pre>
          )}
        </>
      )}
    </div>
  );
}

/**
 * The editor as a Lumino widget: holds the model of the flow it shows.
 */
export class FlowPanel extends ReactWidget {
  constructor(options: IFlowEditorOptions, trans: TranslationBundle) {
    super();
    this._options = options;
    this._trans = trans;
    this._model = this._createModel();
    this.addClass('smstudio-WranglerPanel');
  }

  /**
   * The model of the flow on show.
   */
  get model(): FlowEditorModel {
    return this._model;
  }

  /**
   * The flow's path (changes when the file is renamed: the editor starts
   * afresh on the new path).
   */
  get name(): string {
    return this._options.name;
  }
  set name(name: string) {
    if (name !== this._options.name) {
      this._options = { ...this._options, name };
      this._model.dispose();
      this._model = this._createModel();
      this.update();
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._model.dispose();
    super.dispose();
  }

  protected render(): React.ReactElement {
    return (
      <TransContext.Provider value={this._trans}>
        <FlowEditor
          key={this._model.name}
          model={this._model}
          openFile={this._options.openFile}
          openJob={this._options.openJob}
          pickFile={this._options.pickFile}
        />
      </TransContext.Provider>
    );
  }

  private _createModel(): FlowEditorModel {
    const model = new FlowEditorModel({
      name: this._options.name,
      onWritten: this._options.onWritten
    });
    void model.load();
    return model;
  }

  private _options: IFlowEditorOptions;
  private _trans: TranslationBundle;
  private _model: FlowEditorModel;
}
