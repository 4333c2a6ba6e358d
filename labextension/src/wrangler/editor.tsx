/**
 * The Data Wrangler editor of one `.flow` file: source, steps, data, insights
 * report and export.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import {
  addStep,
  ApiError,
  deleteStep,
  exportFlow,
  fitFlow,
  getFlow,
  getReport,
  listOperators,
  previewFlow,
  updateFlow,
  updateStep
} from '../api';
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
  IStep,
  JobKind,
  JSONValue,
  StepParams,
  WranglerSource
} from '../api';
import { RowsTable } from './cells';
import { formatNumber } from './charts';
import { FieldMessage, fieldError } from './fields';
import type { IFieldError } from './fields';
import { RunAsJob } from './jobexport';
import { TransContext, useTrans } from './trans';
import type { TranslationBundle } from '@jupyterlab/translation';

export { cellText } from './cells';
import { ReportView } from './report';
import {
  checkSourcePath,
  sourcePathHint,
  useSourceLocations
} from './locations';
import { defaultParams, missingRequired, SchemaForm } from './schemaform';
import { databaseLabel, DatabaseSourceForm } from './source';

/**
 * Rows per page of the data grid.
 */
export const PAGE_SIZE = 50;

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

type Tab = 'data' | 'report' | 'export';

type Editing =
  | {
      mode: 'add';
      operator: string;
      params: StepParams;
      title: string;
      position: number;
    }
  | { mode: 'edit'; step: IStep; params: StepParams; title: string };

/**
 * The editor (React).
 */
export function FlowEditor(props: IFlowEditorOptions): React.ReactElement {
  const trans = useTrans();
  const { name } = props;
  const [flow, setFlow] = React.useState<IFlow | null>(null);
  const [loadError, setLoadError] = React.useState<string | null>(null);
  const [conflict, setConflict] = React.useState(false);
  const [notice, setNotice] = React.useState<string | null>(null);
  const [operators, setOperators] = React.useState<IOperator[]>([]);
  const [selected, setSelected] = React.useState<string | null>(null);
  const [offset, setOffset] = React.useState(0);
  const [preview, setPreview] = React.useState<IPreview | null>(null);
  const [previewError, setPreviewError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [tab, setTab] = React.useState<Tab>('data');
  const [editing, setEditing] = React.useState<Editing | null>(null);
  const [formError, setFormError] = React.useState<IFieldError | null>(null);
  const [inputColumns, setInputColumns] = React.useState<string[]>([]);

  const reload = React.useCallback(async () => {
    try {
      const loaded = await getFlow(name);
      setFlow(loaded);
      setLoadError(null);
      setConflict(false);
    } catch (error) {
      setLoadError(fieldError(error).message);
    }
  }, [name]);

  React.useEffect(() => {
    void reload();
    listOperators()
      .then(setOperators)
      .catch(error => setNotice(fieldError(error).message));
  }, [reload]);

  // The preview of the selected step (or the last one).
  React.useEffect(() => {
    if (!flow || !flow.source) {
      setPreview(null);
      return;
    }
    let cancelled = false;
    previewFlow(name, { step: selected, offset, limit: PAGE_SIZE })
      .then(answer => {
        if (!cancelled) {
          setPreview(answer);
          setPreviewError(null);
        }
      })
      .catch(error => {
        if (!cancelled) {
          setPreviewError(fieldError(error).message);
        }
      });
    return () => {
      cancelled = true;
    };
  }, [name, flow, selected, offset]);

  /**
   * Send a version-checked write; on 409 offer to reload.
   */
  const write = async (
    send: (version: number) => Promise<IFlow>
  ): Promise<IFlow | null> => {
    if (!flow) {
      return null;
    }
    setBusy(true);
    try {
      const next = await send(flow.version);
      setFlow(next);
      setConflict(false);
      props.onWritten?.(next);
      return next;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        setConflict(true);
        return null;
      }
      throw error;
    } finally {
      setBusy(false);
    }
  };

  const steps = flow?.steps ?? [];
  const statusOf = (id: string) => preview?.steps.find(s => s.id === id);

  // Columns a step form can pick from: the input of the step.
  const columnsBefore = React.useCallback(
    async (index: number): Promise<string[]> => {
      const step = index <= 0 ? 'source' : steps[index - 1].id;
      try {
        const answer = await previewFlow(name, { step, limit: 1 });
        return answer.columns.map(c => c.name);
      } catch {
        return preview?.columns.map(c => c.name) ?? [];
      }
    },
    [name, steps, preview]
  );

  // A new step goes after the step the user is looking at (or at the end).
  const insertAt =
    selected === 'source'
      ? 0
      : selected === null
        ? steps.length
        : Math.max(
            0,
            steps.findIndex(s => s.id === selected)
          ) + 1;

  const startAdd = (operator: IOperator): void => {
    setEditing({
      mode: 'add',
      operator: operator.name,
      params: defaultParams(operator.params_schema),
      title: '',
      position: insertAt
    });
    setFormError(null);
    void columnsBefore(insertAt).then(setInputColumns);
  };

  const startEdit = (step: IStep): void => {
    setEditing({
      mode: 'edit',
      step,
      params: { ...step.params },
      title: step.title
    });
    setFormError(null);
    void columnsBefore(steps.indexOf(step)).then(setInputColumns);
  };

  const submitStep = async (): Promise<void> => {
    if (!editing) {
      return;
    }
    try {
      const next = await write(version =>
        editing.mode === 'add'
          ? addStep(name, {
              version,
              operator: editing.operator,
              params: editing.params,
              title: editing.title,
              position: editing.position
            })
          : updateStep(name, editing.step.id, {
              version,
              params: editing.params,
              title: editing.title
            })
      );
      if (next) {
        // Show the data after the step just added or edited.
        const index =
          editing.mode === 'add'
            ? Math.min(editing.position, next.steps.length - 1)
            : next.steps.findIndex(s => s.id === editing.step.id);
        setEditing(null);
        setSelected(
          index < 0 || index === next.steps.length - 1
            ? null
            : next.steps[index].id
        );
        setOffset(0);
      }
    } catch (error) {
      setFormError(fieldError(error));
    }
  };

  const act = (send: (version: number) => Promise<IFlow>): void => {
    write(send).catch(error => setNotice(fieldError(error).message));
  };

  if (loadError) {
    return (
      <div className="smstudio-Wrangler">
        <div className="smstudio-Error" role="alert">
          <p className="smstudio-Error-message">{loadError}</p>
          <button className="jp-mod-styled" onClick={() => void reload()}>
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

  const operator = editing
    ? operators.find(
        o =>
          o.name ===
          (editing.mode === 'add' ? editing.operator : editing.step.operator)
      )
    : undefined;
  const missing =
    editing && operator
      ? missingRequired(operator.params_schema, editing.params)
      : [];

  return (
    <div className="smstudio-Wrangler" data-smstudio-flow={flow.name}>
      {conflict && (
        <div className="smstudio-Wrangler-banner is-conflict" role="alert">
          <span>
            {trans.__(
              'Someone else changed this flow since you opened it, so your change was not saved.'
            )}
          </span>
          <button className="jp-mod-styled jp-mod-accept" onClick={reload}>
            {trans.__('Reload the flow')}
          </button>
        </div>
      )}
      {notice && (
        <div className="smstudio-Wrangler-banner" role="alert">
          <span>{notice}</span>
          <button className="jp-mod-styled" onClick={() => setNotice(null)}>
            {trans.__('Dismiss')}
          </button>
        </div>
      )}
      <div className="smstudio-Wrangler-body">
        <aside className="smstudio-Wrangler-side">
          <SourcePicker
            flow={flow}
            busy={busy}
            onSave={async source => {
              await write(version => updateFlow(name, { version, source }));
              setSelected(null);
              setOffset(0);
            }}
          />
          {flow.source && (
            <SamplingEditor
              flow={flow}
              busy={busy}
              onSave={async sampling => {
                await write(version => updateFlow(name, { version, sampling }));
                setOffset(0);
              }}
              onRefit={() => act(version => fitFlow(name, version, 'full'))}
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
                  onClick={() => {
                    setSelected('source');
                    setOffset(0);
                  }}
                >
                  {trans.__('Source data')}
                </button>
              </li>
              {steps.map((step, index) => {
                const status = statusOf(step.id);
                const isSelected =
                  selected === step.id ||
                  (selected === null && index === steps.length - 1);
                const op = operators.find(o => o.name === step.operator);
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
                      onClick={() => {
                        setSelected(step.id);
                        setOffset(0);
                      }}
                    >
                      {index + 1}. {step.title || op?.title || step.operator}
                    </button>
                    <span className="smstudio-Wrangler-stepParams">
                      {describeParams(step.params)}
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
                        onClick={() => startEdit(step)}
                      >
                        {trans.__('Edit')}
                      </button>
                      <button
                        className="jp-mod-styled"
                        disabled={index === 0 || busy}
                        title={trans.__('Move up')}
                        aria-label={trans.__('Move up')}
                        onClick={() =>
                          act(version =>
                            updateStep(name, step.id, {
                              version,
                              position: index - 1
                            })
                          )
                        }
                      >
                        ↑
                      </button>
                      <button
                        className="jp-mod-styled"
                        disabled={index === steps.length - 1 || busy}
                        title={trans.__('Move down')}
                        aria-label={trans.__('Move down')}
                        onClick={() =>
                          act(version =>
                            updateStep(name, step.id, {
                              version,
                              position: index + 1
                            })
                          )
                        }
                      >
                        ↓
                      </button>
                      <button
                        className="jp-mod-styled jp-mod-warn"
                        disabled={busy}
                        onClick={() => {
                          if (selected === step.id) {
                            setSelected(null);
                          }
                          act(version => deleteStep(name, step.id, version));
                        }}
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
                onPick={startAdd}
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
                  onChange={params => setEditing({ ...editing, params })}
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
                      setEditing({ ...editing, title: e.currentTarget.value })
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
                    onClick={() => void submitStep()}
                  >
                    {editing.mode === 'add'
                      ? trans.__('Add step')
                      : trans.__('Save step')}
                  </button>
                  <button
                    className="jp-mod-styled"
                    onClick={() => setEditing(null)}
                  >
                    {trans.__('Cancel')}
                  </button>
                </div>
              </div>
            )}
          </section>
        </aside>
        <main className="smstudio-Wrangler-main">
          <div className="smstudio-Wrangler-tabs" role="tablist">
            {(
              [
                ['data', trans.__('Data')],
                ['report', trans.__('Insights')],
                ['export', trans.__('Export')]
              ] as [Tab, string][]
            ).map(([id, label]) => (
              <button
                key={id}
                role="tab"
                aria-selected={tab === id}
                data-tab={id}
                className={
                  tab === id
                    ? 'smstudio-Wrangler-tab is-active'
                    : 'smstudio-Wrangler-tab'
                }
                onClick={() => setTab(id)}
              >
                {label}
              </button>
            ))}
          </div>
          {tab === 'data' && (
            <DataView
              preview={preview}
              error={previewError}
              hasSource={!!flow.source}
              offset={offset}
              onOffset={setOffset}
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
    setSource({ ...source, ...change });
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
        <input
          id="smstudio-src-path"
          type="text"
          placeholder={trans.__('data/sales.csv')}
          value={source.path}
          onChange={e => set({ path: e.currentTarget.value })}
        />
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
  const [loading, setLoading] = React.useState(false);
  const [error, setError] = React.useState<IFieldError | null>(null);
  const build = (): void => {
    setLoading(true);
    setError(null);
    getReport(props.flow.name, {
      step: props.step,
      target: target || null
    })
      .then(setReport)
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
      {report && <ReportView report={report} />}
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
 * The editor as a Lumino widget.
 */
export class FlowPanel extends ReactWidget {
  constructor(options: IFlowEditorOptions, trans: TranslationBundle) {
    super();
    this._options = options;
    this._trans = trans;
    this.addClass('smstudio-WranglerPanel');
  }

  /**
   * The flow's path (changes when the file is renamed).
   */
  get name(): string {
    return this._options.name;
  }
  set name(name: string) {
    if (name !== this._options.name) {
      this._options = { ...this._options, name };
      this.update();
    }
  }

  protected render(): React.ReactElement {
    return (
      <TransContext.Provider value={this._trans}>
        <FlowEditor key={this._options.name} {...this._options} />
      </TransContext.Provider>
    );
  }

  private _options: IFlowEditorOptions;
  private _trans: TranslationBundle;
}
