import {
  Dialog,
  MainAreaWidget,
  ReactWidget,
  showDialog
} from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  deleteEndpoint,
  getEndpoint,
  getEndpointLogs,
  getModel,
  invokeEndpoint,
  listModels,
  updateEndpoint
} from '../api';
import type {
  IEndpointDetail,
  IInvocationResult,
  IModel,
  IModelSummary,
  JobKind
} from '../api';
import { AccessKeys } from '../keys';
import { HowToCall } from './call';
import { TrafficCharts } from './charts';
import { usePolling } from './poll';
import {
  ACCEPTS,
  CONTENT_TYPES,
  defaultAccept,
  formatMs,
  sampleBody,
  trainingJobOf
} from './format';

const POLL_MS = 2000;
const LOG_LIMIT = 200_000;

function Traffic(props: {
  endpoint: IEndpointDetail;
  trans: TranslationBundle;
}): React.ReactElement {
  const m = props.endpoint.metrics;
  const { trans } = props;
  return (
    <dl className="smstudio-EndpointTraffic" data-smstudio-traffic="">
      <dt>{trans.__('Invocations (%1 min)', m?.window_minutes ?? 5)}</dt>
      <dd data-smstudio-invocations="">{m?.invocations ?? 0}</dd>
      <dt>{trans.__('Errors')}</dt>
      <dd>{m?.errors ?? 0}</dd>
      <dt>{trans.__('p50 latency')}</dt>
      <dd>{formatMs(m?.p50_ms)}</dd>
      <dt>{trans.__('p99 latency')}</dt>
      <dd>{formatMs(m?.p99_ms)}</dd>
    </dl>
  );
}

function TestConsole(props: {
  name: string;
  trans: TranslationBundle;
  contentType: string;
  accept: string;
  setContentType: (value: string) => void;
  setAccept: (value: string) => void;
}): React.ReactElement {
  const { trans, contentType, accept, setContentType, setAccept } = props;
  const [body, setBody] = React.useState(sampleBody(contentType));
  const [result, setResult] = React.useState<IInvocationResult | null>(null);
  const [error, setError] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const invoke = async (): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      setResult(await invokeEndpoint(props.name, body, contentType, accept));
    } catch (e) {
      setError(String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="smstudio-EndpointConsole" data-smstudio-console="">
      <h3>{trans.__('Test console')}</h3>
      <label>
        {trans.__('Content type')}{' '}
        <select
          value={contentType}
          onChange={e => {
            setContentType(e.target.value);
            setBody(sampleBody(e.target.value));
          }}
          data-smstudio-content-type=""
        >
          {CONTENT_TYPES.map(t => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>{' '}
      <label>
        {trans.__('Accept')}{' '}
        <select
          value={accept}
          onChange={e => setAccept(e.target.value)}
          data-smstudio-accept=""
        >
          {ACCEPTS.map(t => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <textarea
        className="smstudio-EndpointConsole-body"
        rows={6}
        value={body}
        onChange={e => setBody(e.target.value)}
        aria-label={trans.__('Request body')}
        data-smstudio-body=""
      />
      <button
        className="jp-mod-styled jp-mod-accept"
        disabled={busy}
        onClick={() => void invoke()}
        data-smstudio-invoke=""
      >
        {trans.__('Invoke')}
      </button>
      {error && <p className="smstudio-Error-message">{error}</p>}
      {result && (
        <div
          className="smstudio-EndpointConsole-result"
          data-smstudio-result=""
        >
          <p data-smstudio-result-status={result.status}>
            {result.ok ? trans.__('OK') : trans.__('Error')} {result.status} ·{' '}
            {trans.__('%1 round trip', formatMs(result.latencyMs))}
            {result.serverMs !== null &&
              ` · ${trans.__('%1 in the model server', formatMs(result.serverMs))}`}
            {result.variant && ` · ${result.variant}`}
            {result.contentType && ` · ${result.contentType}`}
          </p>
          <pre data-smstudio-response="">{result.body}</pre>
        </div>
      )}
    </section>
  );
}

function Logs(props: {
  name: string;
  trans: TranslationBundle;
}): React.ReactElement {
  const [text, setText] = React.useState('');
  React.useEffect(() => {
    let cursor = 0;
    let stopped = false;
    const tick = async (): Promise<void> => {
      try {
        const chunk = await getEndpointLogs(props.name, cursor, { poll: true });
        cursor = chunk.next_cursor;
        if (chunk.text) {
          setText(t => (t + chunk.text).slice(-LOG_LIMIT));
        }
      } catch {
        // the endpoint may be gone or starting; try again on the next tick
      }
      if (!stopped) {
        timer = window.setTimeout(() => void tick(), POLL_MS);
      }
    };
    let timer = window.setTimeout(() => void tick(), 0);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [props.name]);
  return (
    <section>
      <h3>{props.trans.__('Logs')}</h3>
      <pre className="smstudio-EndpointLogs" data-smstudio-logs="">
        {text}
      </pre>
    </section>
  );
}

function UpdateForm(props: {
  endpoint: IEndpointDetail;
  trans: TranslationBundle;
  onError: (message: string) => void;
}): React.ReactElement {
  const [models, setModels] = React.useState<IModelSummary[]>([]);
  const [choice, setChoice] = React.useState('');
  React.useEffect(() => {
    listModels({ poll: true })
      .then(page => setModels(page.items))
      .catch(() => setModels([]));
  }, []);
  const busy = props.endpoint.status !== 'InService';
  return (
    <section>
      <h3>{props.trans.__('Update')}</h3>
      <select
        value={choice}
        onChange={e => setChoice(e.target.value)}
        aria-label={props.trans.__('Model to serve')}
      >
        <option value="">{props.trans.__('Choose a model…')}</option>
        {models.map(m => (
          <option key={m.name}>{m.name}</option>
        ))}
      </select>{' '}
      <button
        type="button"
        className="jp-mod-styled jp-mod-accept"
        disabled={busy || !choice}
        data-smstudio-update=""
        onClick={() =>
          void updateEndpoint(props.endpoint.name, choice).catch(e =>
            props.onError(String(e))
          )
        }
      >
        {props.trans.__('Deploy without downtime')}
      </button>
    </section>
  );
}

/**
 * The model a variant serves and, when its artifact says so, the training job
 * that made it (a link that opens the job).
 */
function ModelCell(props: {
  modelName: string;
  trans: TranslationBundle;
  openJob?: (kind: JobKind, name: string) => void;
  onModel?: (model: IModel) => void;
}): React.ReactElement {
  const { modelName, trans, openJob, onModel } = props;
  const [model, setModel] = React.useState<IModel | null>(null);
  React.useEffect(() => {
    getModel(modelName, { poll: true })
      .then(found => {
        setModel(found);
        onModel?.(found);
      })
      .catch(() => setModel(null));
  }, [modelName]);
  const job = trainingJobOf(model?.model_data);
  return (
    <>
      <span title={model?.model_data} data-smstudio-model={modelName}>
        {modelName}
      </span>
      {job && openJob && (
        <>
          {' · '}
          <button
            type="button"
            className="smstudio-Link"
            data-smstudio-trained-by={job}
            onClick={() => openJob('training', job)}
          >
            {trans.__('trained by %1', job)}
          </button>
        </>
      )}
    </>
  );
}

/**
 * Delete, kept apart from the other actions and asking first.
 */
function DangerZone(props: {
  name: string;
  trans: TranslationBundle;
  onDeleted: () => void;
  onError: (message: string) => void;
}): React.ReactElement {
  const { name, trans } = props;
  const remove = async (): Promise<void> => {
    const result = await showDialog({
      title: trans.__('Delete endpoint %1?', name),
      body: trans.__(
        'Its instances stop and calls to it fail from now on. Its model and endpoint config stay.'
      ),
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: trans.__('Delete endpoint') })
      ]
    });
    if (result.button.accept) {
      await deleteEndpoint(name);
      props.onDeleted();
    }
  };
  return (
    <section
      className="smstudio-DangerZone"
      aria-labelledby="smstudio-danger-title"
    >
      <h3 id="smstudio-danger-title">{trans.__('Danger zone')}</h3>
      <p>{trans.__('Deleting an endpoint cannot be undone.')}</p>
      <button
        type="button"
        className="jp-mod-styled jp-mod-warn"
        onClick={() => void remove().catch(e => props.onError(String(e)))}
        data-smstudio-delete=""
      >
        {trans.__('Delete endpoint')}
      </button>
    </section>
  );
}

/**
 * The live detail of one endpoint: status, variants and where they come from,
 * how to call it, a test console, traffic, access keys, update, logs and,
 * apart, delete.
 */
export function EndpointDetail(props: {
  name: string;
  trans: TranslationBundle;
  onDeleted: () => void;
  openJob?: (kind: JobKind, name: string) => void;
}): React.ReactElement {
  const { name, trans } = props;
  const [endpoint, setEndpoint] = React.useState<IEndpointDetail | null>(null);
  const [error, setError] = React.useState('');
  const [contentType, setContentType] = React.useState(CONTENT_TYPES[0]);
  const [accept, setAccept] = React.useState(ACCEPTS[0]);
  const chosen = React.useRef(false);
  usePolling(
    async () => {
      try {
        setEndpoint(await getEndpoint(name, { poll: true }));
        setError('');
      } catch (e) {
        setError(String(e));
      }
    },
    POLL_MS,
    [name]
  );
  if (!endpoint) {
    return (
      <div className="smstudio-Message">{error || trans.__('Loading…')}</div>
    );
  }
  return (
    <div className="smstudio-EndpointDetail" data-smstudio-endpoint={name}>
      <h2>
        {name}{' '}
        <span
          className="smstudio-Item-status"
          data-status={endpoint.status.toLowerCase()}
        >
          {endpoint.status}
        </span>
      </h2>
      {endpoint.failure_reason && (
        <pre className="smstudio-Error-message">{endpoint.failure_reason}</pre>
      )}
      {error && (
        <p className="smstudio-Error-message" role="alert">
          {error}
        </p>
      )}
      <table className="smstudio-EndpointVariants">
        <thead>
          <tr>
            <th scope="col">{trans.__('Variant')}</th>
            <th scope="col">{trans.__('Model')}</th>
            <th scope="col">{trans.__('Profile')}</th>
            <th scope="col">{trans.__('Instances')}</th>
            <th scope="col">{trans.__('Weight')}</th>
          </tr>
        </thead>
        <tbody>
          {endpoint.variants.map((v, i) => (
            <tr key={v.variant_name}>
              <td>{v.variant_name}</td>
              <td>
                <ModelCell
                  modelName={v.model_name}
                  trans={trans}
                  openJob={props.openJob}
                  onModel={
                    i === 0
                      ? model => {
                          if (!chosen.current) {
                            setAccept(defaultAccept(model.environment));
                          }
                        }
                      : undefined
                  }
                />
              </td>
              <td>{v.instance_type}</td>
              <td>{v.current_instance_count}</td>
              <td>{v.current_weight}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <HowToCall
        name={name}
        contentType={contentType}
        accept={accept}
        trans={trans}
      />
      <TestConsole
        name={name}
        trans={trans}
        contentType={contentType}
        accept={accept}
        setContentType={value => {
          chosen.current = true;
          setContentType(value);
        }}
        setAccept={value => {
          chosen.current = true;
          setAccept(value);
        }}
      />
      <Traffic endpoint={endpoint} trans={trans} />
      <TrafficCharts name={name} trans={trans} />
      <UpdateForm endpoint={endpoint} trans={trans} onError={setError} />
      <AccessKeys trans={trans} />
      <Logs name={name} trans={trans} />
      <DangerZone
        name={name}
        trans={trans}
        onDeleted={props.onDeleted}
        onError={setError}
      />
    </div>
  );
}

/**
 * The id of an endpoint's detail view in the main area (one per endpoint).
 */
export function endpointWidgetId(name: string): string {
  return `smstudio-endpoint-${name}`;
}

/**
 * Make the detail view of an endpoint for the main area (it closes itself
 * once the endpoint is deleted).
 */
export function createEndpointDetail(
  name: string,
  trans: TranslationBundle,
  openJob?: (kind: JobKind, name: string) => void
): MainAreaWidget<ReactWidget> {
  const widget: MainAreaWidget<ReactWidget> = new MainAreaWidget({
    content: ReactWidget.create(
      <EndpointDetail
        name={name}
        trans={trans}
        onDeleted={() => widget.dispose()}
        openJob={openJob}
      />
    )
  });
  widget.id = endpointWidgetId(name);
  widget.title.label = trans.__('Endpoint %1', name);
  widget.title.closable = true;
  return widget;
}
