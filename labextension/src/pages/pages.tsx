/**
 * The Jobs and Endpoints pages in the main area: searchable, sortable,
 * filterable tables; restored after a reload by the layout restorer.
 */
import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { getStatus, listAllJobs, listEndpoints } from '../api';
import type { IEndpointDetail, IJobItem, JobKind } from '../api';
import { formatDuration, kindLabels } from '../jobs/format';
import type { ISMStudio } from '../tokens';
import type { PageKind } from './plugin';
import { distinctValues, filterSort, nextSort } from './table';
import type { IColumn, ITableQuery } from './table';

const POLL_MS = 5000;

/**
 * Rows of a list, fetched now and every few seconds while shown.
 */
function usePolled<T>(load: () => Promise<T[]>): {
  rows: T[];
  error: string;
  user: string;
} {
  const [rows, setRows] = React.useState<T[]>([]);
  const [error, setError] = React.useState('');
  const [user, setUser] = React.useState('');
  React.useEffect(() => {
    let cancelled = false;
    const tick = (): void => {
      load()
        .then(next => {
          if (!cancelled) {
            setRows(next);
            setError('');
          }
        })
        .catch(reason => {
          if (!cancelled) {
            setError(String((reason as Error).message ?? reason));
          }
        });
    };
    getStatus({ poll: true })
      .then(
        status =>
          !cancelled &&
          setUser(status.user.display_name || status.user.username)
      )
      .catch(() => undefined);
    tick();
    const timer = setInterval(tick, POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, []);
  return { rows, error, user };
}

/**
 * A table with a search box, a filter per filterable column and sortable
 * headers.
 */
function DataTable<T extends { name: string }>(props: {
  what: string;
  rows: T[];
  columns: IColumn<T>[];
  open: (row: T) => void;
  rowKey: (row: T) => string;
  trans: TranslationBundle;
}): React.ReactElement {
  const { columns, trans } = props;
  const [query, setQuery] = React.useState<ITableQuery>({
    search: '',
    filters: {},
    sort: null
  });
  const shown = filterSort(props.rows, columns, query);
  return (
    <div className="smstudio-Table" data-smstudio-table={props.what}>
      <div className="smstudio-Table-controls">
        <input
          className="jp-mod-styled"
          type="search"
          aria-label={trans.__('Search by name')}
          placeholder={trans.__('Search by name')}
          value={query.search}
          onChange={event => setQuery({ ...query, search: event.target.value })}
        />
        {columns
          .filter(c => c.filter)
          .map(c => (
            <select
              key={c.key}
              className="jp-mod-styled"
              aria-label={trans.__('Filter by %1', c.label)}
              data-smstudio-filter={c.key}
              value={query.filters[c.key] ?? ''}
              onChange={event =>
                setQuery({
                  ...query,
                  filters: { ...query.filters, [c.key]: event.target.value }
                })
              }
            >
              <option value="">
                {trans.__('Any %1', c.label.toLowerCase())}
              </option>
              {distinctValues(props.rows, c).map(v => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          ))}
        <span className="smstudio-Table-count" aria-live="polite">
          {trans.__('%1 of %2', shown.length, props.rows.length)}
        </span>
      </div>
      <table className="smstudio-JobTable">
        <thead>
          <tr>
            {columns.map(c => (
              <th
                key={c.key}
                aria-sort={
                  query.sort?.key === c.key
                    ? query.sort.descending
                      ? 'descending'
                      : 'ascending'
                    : 'none'
                }
              >
                <button
                  type="button"
                  className="smstudio-Table-sort"
                  onClick={() =>
                    setQuery({ ...query, sort: nextSort(query.sort, c.key) })
                  }
                >
                  {c.label}
                  {query.sort?.key === c.key
                    ? query.sort.descending
                      ? ' ▼'
                      : ' ▲'
                    : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map(row => (
            <tr key={props.rowKey(row)} data-smstudio-row={row.name}>
              {columns.map((c, index) => (
                <td key={c.key}>
                  {index === 0 ? (
                    <button
                      type="button"
                      className="smstudio-Link"
                      onClick={() => props.open(row)}
                    >
                      {c.text ? c.text(row) : String(c.value(row) ?? '')}
                    </button>
                  ) : c.key === 'status' ? (
                    <span
                      className="smstudio-Item-status"
                      data-status={String(c.value(row) ?? '').toLowerCase()}
                    >
                      {String(c.value(row) ?? '')}
                    </span>
                  ) : c.text ? (
                    c.text(row)
                  ) : (
                    String(c.value(row) ?? '')
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function durationSeconds(job: IJobItem): number {
  const start = job.started_ms ?? job.created_ms;
  return Math.round(((job.ended_ms ?? Date.now()) - start) / 1000);
}

function keyMetric(job: IJobItem): string {
  if (job.kind !== 'training') {
    return job.kind === 'transform'
      ? `${job.progress.files_done}/${job.progress.files_total} files`
      : '';
  }
  const first = job.final_metrics?.[0];
  return first ? `${first.name}=${Number(first.value.toPrecision(4))}` : '';
}

/**
 * The Jobs page: every training, processing and batch transform job.
 */
export function JobsPage(props: {
  trans: TranslationBundle;
  openJob: (kind: JobKind, name: string) => void;
}): React.ReactElement {
  const { trans } = props;
  const labels = kindLabels(trans);
  const { rows, error, user } = usePolled(() =>
    listAllJobs({ limit: 500 }, { poll: true }).then(page => page.items)
  );
  const columns: IColumn<IJobItem>[] = [
    { key: 'name', label: trans.__('Name'), value: j => j.name },
    {
      key: 'status',
      label: trans.__('Status'),
      value: j => j.status,
      filter: true
    },
    {
      key: 'kind',
      label: trans.__('Kind'),
      value: j => labels[j.kind],
      filter: true
    },
    {
      key: 'instance_type',
      label: trans.__('Instance type'),
      value: j => j.instance_type ?? '',
      filter: true
    },
    {
      key: 'duration',
      label: trans.__('Duration'),
      value: durationSeconds,
      text: j => formatDuration(j)
    },
    { key: 'metric', label: trans.__('Key metric'), value: keyMetric },
    {
      key: 'owner',
      label: trans.__('Created by'),
      value: j => String(j.owner ?? user),
      filter: true
    },
    {
      key: 'created',
      label: trans.__('Created'),
      value: j => j.created_ms,
      text: j => new Date(j.created_ms).toLocaleString()
    }
  ];
  return (
    <div className="smstudio-Page" data-smstudio-page="jobs">
      <h2>{trans.__('Jobs')}</h2>
      {error && (
        <p className="smstudio-Error-message" role="alert">
          {error}
        </p>
      )}
      <DataTable
        what="jobs"
        rows={rows}
        columns={columns}
        rowKey={j => `${j.kind}:${j.name}`}
        open={j => props.openJob(j.kind, j.name)}
        trans={trans}
      />
    </div>
  );
}

type EndpointRow = IEndpointDetail & { owner?: string };

/**
 * The Endpoints page.
 */
export function EndpointsPage(props: {
  trans: TranslationBundle;
  openEndpoint: (name: string) => void;
}): React.ReactElement {
  const { trans } = props;
  const { rows, error, user } = usePolled(() =>
    listEndpoints({ limit: 100 }, { poll: true }).then(
      page => page.items as unknown as EndpointRow[]
    )
  );
  const columns: IColumn<EndpointRow>[] = [
    { key: 'name', label: trans.__('Name'), value: e => e.name },
    {
      key: 'status',
      label: trans.__('Status'),
      value: e => e.status,
      filter: true
    },
    {
      key: 'model',
      label: trans.__('Model'),
      value: e => (e.variants ?? []).map(v => v.model_name).join(', ')
    },
    {
      key: 'instance_type',
      label: trans.__('Instance type'),
      value: e => (e.variants ?? []).map(v => v.instance_type).join(', '),
      filter: true
    },
    {
      key: 'invocations',
      label: trans.__('Calls (last minutes)'),
      value: e => e.metrics?.invocations ?? null
    },
    {
      key: 'p50',
      label: trans.__('Median latency (ms)'),
      value: e => e.metrics?.p50_ms ?? null
    },
    {
      key: 'owner',
      label: trans.__('Created by'),
      value: e => String(e.owner ?? user),
      filter: true
    },
    {
      key: 'created',
      label: trans.__('Created'),
      value: e => Number(e.created_ms ?? 0),
      text: e => new Date(Number(e.created_ms ?? 0)).toLocaleString()
    }
  ];
  return (
    <div className="smstudio-Page" data-smstudio-page="endpoints">
      <h2>{trans.__('Endpoints')}</h2>
      {error && (
        <p className="smstudio-Error-message" role="alert">
          {error}
        </p>
      )}
      <DataTable
        what="endpoints"
        rows={rows}
        columns={columns}
        rowKey={e => e.name}
        open={e => props.openEndpoint(e.name)}
        trans={trans}
      />
    </div>
  );
}

/**
 * A page as a main-area widget (the plugin sets its id and title).
 */
export function createPageWidget(
  page: PageKind,
  trans: TranslationBundle,
  studio: Pick<ISMStudio, 'openJob' | 'openEndpoint'>
): MainAreaWidget<ReactWidget> {
  const content = ReactWidget.create(
    page === 'jobs' ? (
      <JobsPage trans={trans} openJob={(k, n) => studio.openJob(k, n)} />
    ) : (
      <EndpointsPage trans={trans} openEndpoint={n => studio.openEndpoint(n)} />
    )
  );
  content.addClass('smstudio-PagePanel');
  const widget = new MainAreaWidget({ content });
  widget.title.closable = true;
  widget.node.dataset.smstudioPage = page;
  return widget;
}
