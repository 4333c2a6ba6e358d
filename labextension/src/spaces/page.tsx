/**
 * A space's page in the main area (like Studio's space details), and the
 * main-area form that creates one.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  deleteSpace,
  formatStorage,
  getIdleReport,
  getSpace,
  keepAlive,
  listSpaceEvents,
  startSpace,
  startSpaceTerminal,
  stopSpace,
  updateSpace
} from '../api';
import type {
  IComputeProfileList,
  IIdleReport,
  ILifecycleConfig,
  ISpaceDetail,
  ISpaceEvent,
  ISpaceUpdate
} from '../api';
import { formatTime } from '../components/listsection';
import { toApiError } from '../model/polling';
import { profileLabel } from './catalog';
import type { ISpacesCatalog } from './catalog';
import {
  CreateSpaceForm,
  FAST_POLL_MS,
  FieldError,
  FormField,
  LifecycleLog,
  SharingFields,
  SpaceHistory,
  splitMembers,
  StatusBadge,
  TRANSITIONAL
} from './components';
import { confirmLoss } from './confirm';
import type { ISpacesEnvironment } from './environment';
import {
  checkIdleTimeout,
  fieldErrorOf,
  idleBoundsText,
  idleFor,
  stopsIn
} from './fields';
import type { IFieldError, IIdleBounds } from './fields';

/**
 * How often (ms) the page refreshes a settled space and its idleness.
 */
export const PAGE_POLL_MS = 5000;

/**
 * Keep-alive durations offered beside "Keep running" (minutes; 0: reset now).
 */
export const KEEP_ALIVE_CHOICES = [0, 30, 60, 120, 480];

/**
 * What the page does outside itself, beyond the sidebar's environment.
 */
export interface ISpacePageEnvironment extends ISpacesEnvironment {
  /**
   * Open a jupyter_server terminal by name in the Lab's terminal widget.
   */
  openTerminal(name: string): Promise<void>;
  /**
   * Open a file (a notebook of a kernel) or a folder of the file browser.
   */
  openPath(path: string): Promise<void>;
  notebooksOf(kernelId: string): string[];
  unsavedIn(space: string): string[];
  saveIn(space: string): Promise<string[]>;
  followSpace(space: string, change: 'started' | 'stopped' | 'compute'): void;
  /**
   * Open the lifecycle configurations page.
   */
  openLifecycleConfigs(): Promise<void>;
}

/**
 * The idle bounds of a report's policy, when the server sends them.
 */
export function boundsOf(report: IIdleReport | null): IIdleBounds | null {
  const policy = report?.policy;
  if (
    !policy ||
    typeof policy.min_timeout_minutes !== 'number' ||
    typeof policy.max_timeout_minutes !== 'number'
  ) {
    return null;
  }
  return {
    enabled: policy.enabled,
    default_timeout_minutes: policy.default_timeout_minutes ?? 0,
    min_timeout_minutes: policy.min_timeout_minutes,
    max_timeout_minutes: policy.max_timeout_minutes,
    users_may_disable: policy.users_may_disable ?? false
  };
}

/**
 * Call `fetch` now and every `ms` (sooner while `fast`), keeping its answer.
 */
function usePolled<T>(
  fetch: () => Promise<T>,
  deps: React.DependencyList,
  ms: number
): [T | null, () => void, unknown] {
  const [value, setValue] = React.useState<T | null>(null);
  const [error, setError] = React.useState<unknown>(null);
  const [tick, setTick] = React.useState(0);
  React.useEffect(() => {
    let live = true;
    fetch()
      .then(next => {
        if (live) {
          setValue(next);
          setError(null);
        }
      })
      .catch(reason => live && setError(reason));
    const timer = setTimeout(() => live && setTick(t => t + 1), ms);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [...deps, tick, ms]);
  return [value, () => setTick(t => t + 1), error];
}

/**
 * A labelled section of the page.
 */
function Section(props: {
  title: string;
  id: string;
  children: React.ReactNode;
}): React.ReactElement {
  return (
    <section
      className="smstudio-SpacePage-section"
      aria-labelledby={`smstudio-space-${props.id}`}
      data-smstudio-page-section={props.id}
    >
      <h2 id={`smstudio-space-${props.id}`}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/**
 * The page of one space.
 */
export function SpacePage(props: {
  name: string;
  env: ISpacePageEnvironment;
  catalog: ISpacesCatalog;
  trans: TranslationBundle;
  /**
   * The space was deleted: close the page.
   */
  onDeleted?: () => void;
}): React.ReactElement {
  const { name, env, catalog, trans } = props;
  const [fast, setFast] = React.useState(false);
  const [space, refreshSpace, spaceError] = usePolled<ISpaceDetail>(
    () => getSpace(name, { poll: true }),
    [name],
    fast ? FAST_POLL_MS : PAGE_POLL_MS
  );
  const [idle, refreshIdle] = usePolled<IIdleReport>(
    () => getIdleReport(),
    [],
    PAGE_POLL_MS
  );
  const [events] = usePolled<ISpaceEvent[]>(
    () => listSpaceEvents(name, { poll: true }),
    [name, space?.status, space?.profile],
    PAGE_POLL_MS * 2
  );
  const [profiles, setProfiles] = React.useState<IComputeProfileList | null>(
    null
  );
  const [configs, setConfigs] = React.useState<ILifecycleConfig[] | null>(null);
  const [busy, setBusy] = React.useState<string | null>(null);
  const [error, setError] = React.useState<IFieldError | null>(null);
  const [note, setNote] = React.useState<string | null>(null);
  const lastStatus = React.useRef<string | null>(null);

  React.useEffect(() => {
    catalog
      .profiles()
      .then(setProfiles)
      .catch(() => undefined);
    catalog
      .lifecycleConfigs()
      .then(setConfigs)
      .catch(() => setConfigs([]));
  }, [catalog]);

  const status = space?.status ?? '';
  React.useEffect(() => {
    setFast(TRANSITIONAL.has(status));
    const before = lastStatus.current;
    lastStatus.current = status;
    if (before && before !== status && !TRANSITIONAL.has(status)) {
      void env.refreshKernelSpecs();
      // Back from a stop (not from a compute change: that follows on its own).
      if (status === 'InService' && before !== 'Updating') {
        env.followSpace(name, 'started');
      }
    }
  }, [status]);

  if (!space) {
    return (
      <div className="smstudio-SpacePage" data-smstudio-space-page={name}>
        <h1>{name}</h1>
        <p role={spaceError ? 'alert' : 'status'}>
          {spaceError
            ? toApiError(spaceError).message
            : trans.__('Loading the space…')}
        </p>
      </div>
    );
  }

  const run = async (
    label: string,
    action: () => Promise<string | null>
  ): Promise<void> => {
    setBusy(label);
    setError(null);
    setNote(null);
    try {
      const text = await action();
      if (text) {
        setNote(text);
      }
    } catch (reason) {
      setError(fieldErrorOf(reason, trans));
    } finally {
      setBusy(null);
      refreshSpace();
      refreshIdle();
    }
  };

  const changing = TRANSITIONAL.has(status) || busy !== null;
  const running = status === 'InService';
  const kernels = space.kernels ?? [];

  const kernelLabels = kernels.map(
    k => env.notebooksOf(k.id).join(', ') || k.id.slice(0, 8)
  );
  const terminalLabels = (space.terminals ?? []).map(t =>
    trans.__('terminal %1', t)
  );
  const confirm = (action: 'stop' | 'delete') =>
    confirmLoss(env, trans, name, kernelLabels, action, terminalLabels);

  const onStart = () =>
    run('start', async () => {
      await startSpace(name);
      setFast(true);
      return null;
    });
  const onStop = async () => {
    if (!(await confirm('stop'))) {
      return;
    }
    await run('stop', async () => {
      await stopSpace(name);
      await env.refreshKernelSpecs();
      env.followSpace(name, 'stopped');
      return trans.__('Stopped. Files are kept.');
    });
  };
  const onDelete = async () => {
    if (!(await confirm('delete'))) {
      return;
    }
    await run('delete', async () => {
      await deleteSpace(name);
      await env.refreshKernelSpecs();
      env.notify(trans.__('Space “%1” deleted.', name), 'info');
      props.onDeleted?.();
      return null;
    });
  };
  const onTerminal = () =>
    run('terminal', async () => {
      const terminal = await startSpaceTerminal(name);
      await env.openTerminal(terminal.name);
      return null;
    });
  const onNotebook = () =>
    run('open', async () => {
      await env.openNotebook(name);
      return null;
    });
  const save = (label: string, patch: ISpaceUpdate, done: string) =>
    run(label, async () => {
      await updateSpace(name, patch);
      return done;
    });
  const onCompute = async (profile: string) => {
    if (profile === space.profile) {
      return;
    }
    const ok = await env.confirm({
      title: trans.__('Change the compute of “%1”?', name),
      body: [
        running
          ? trans.__(
              'Kernels restart on %1, files stay: what is in kernel memory (variables, imports) is lost. Open notebooks reconnect by themselves.',
              profile
            )
          : trans.__(
              'The space uses %1 when it next starts. Files stay.',
              profile
            )
      ],
      accept: trans.__('Change compute')
    });
    if (!ok) {
      return;
    }
    await run('compute', async () => {
      const change = await updateSpace(name, { profile });
      await env.refreshKernelSpecs();
      env.followSpace(name, 'compute');
      return change.moved_kernels.length
        ? trans.__(
            'Compute changed to %1; %2 kernel(s) restarted. Files are kept.',
            change.space.profile,
            change.moved_kernels.length
          )
        : trans.__('Compute changed to %1.', change.space.profile);
    });
  };

  const bounds = boundsOf(idle);
  const spaceIdle = idle?.spaces?.find(s => s.name === name) ?? null;
  const kernelIdle = new Map((idle?.kernels ?? []).map(k => [k.id, k]));
  const profileNames = profiles?.items.map(p => p.name) ?? [];
  if (!profileNames.includes(space.profile)) {
    profileNames.unshift(space.profile);
  }

  return (
    <div
      className="smstudio-SpacePage"
      data-smstudio-space-page={name}
      aria-busy={changing}
    >
      <header className="smstudio-SpacePage-header">
        <h1>{name}</h1>
        <StatusBadge status={status} trans={trans} />
        <div className="smstudio-SpacePage-actions">
          {running ? (
            <button
              className="jp-mod-styled jp-mod-reject"
              disabled={changing}
              onClick={() => void onStop()}
            >
              {trans.__('Stop')}
            </button>
          ) : (
            <button
              className="jp-mod-styled jp-mod-accept"
              disabled={
                changing || !(status === 'Stopped' || status === 'Failed')
              }
              onClick={() => void onStart()}
            >
              {trans.__('Start')}
            </button>
          )}
          <button
            className="jp-mod-styled"
            disabled={changing || !running}
            title={trans.__('Create a notebook that runs in this space')}
            onClick={() => void onNotebook()}
          >
            {trans.__('Open notebook')}
          </button>
          <button
            className="jp-mod-styled"
            disabled={changing || !running}
            title={trans.__(
              'A terminal in the space’s files, with its kernels’ environment'
            )}
            data-smstudio-space-terminal=""
            onClick={() => void onTerminal()}
          >
            {trans.__('Terminal')}
          </button>
          <button
            className="jp-mod-styled jp-mod-warn"
            disabled={changing}
            onClick={() => void onDelete()}
          >
            {trans.__('Delete')}
          </button>
        </div>
      </header>
      {busy && (
        <p className="smstudio-SpacePage-note" data-smstudio-busy={busy}>
          {trans.__('Working…')}
        </p>
      )}
      {note && (
        <p
          className="smstudio-SpacePage-note"
          role="status"
          data-smstudio-space-note=""
        >
          {note}
        </p>
      )}
      {error && error.field === null && (
        <p className="smstudio-Form-error" role="alert">
          {error.message}
        </p>
      )}
      {status === 'Failed' && space.failure_reason && (
        <p className="smstudio-Form-error" role="alert">
          <strong>{trans.__('Why it failed:')}</strong> {space.failure_reason}
        </p>
      )}

      <dl className="smstudio-SpacePage-facts">
        <dt>{trans.__('Owner')}</dt>
        <dd>{space.owner}</dd>
        <dt>{trans.__('Storage')}</dt>
        <dd data-smstudio-space-storage="">
          {formatStorage(space.storage_used_bytes, space.storage_gb)}
        </dd>
        <dt>{trans.__('Image')}</dt>
        <dd>{space.image ?? trans.__('the compute profile’s image')}</dd>
        <dt>{trans.__('Files')}</dt>
        <dd>
          {space.folder ? (
            <button
              className="smstudio-Link"
              onClick={() => void env.openPath(space.folder as string)}
            >
              {space.folder}/
            </button>
          ) : (
            trans.__('not in the file browser')
          )}
        </dd>
        <dt>{trans.__('Kernel')}</dt>
        <dd>
          <code>{space.kernel_name}</code>
        </dd>
      </dl>

      <Section title={trans.__('Compute')} id="compute">
        <FormField label={trans.__('Compute profile')}>
          <select
            className="smstudio-Select"
            name="profile"
            aria-label={trans.__('Compute profile')}
            value={space.profile}
            disabled={changing || !profiles}
            onChange={event => void onCompute(event.target.value)}
          >
            {profileNames.map(profileName => {
              const profile = profiles?.items.find(p => p.name === profileName);
              return (
                <option key={profileName} value={profileName}>
                  {profile ? profileLabel(profile) : profileName}
                </option>
              );
            })}
          </select>
          <span className="smstudio-Form-hint">
            {trans.__(
              'Changing compute restarts the space’s kernels; files stay.'
            )}
          </span>
          <FieldError error={error} field="profile" />
        </FormField>
      </Section>

      <Section title={trans.__('Idle shutdown')} id="idle">
        <IdleSettings
          key={`${space.idle_timeout_minutes}`}
          minutes={space.idle_timeout_minutes}
          bounds={bounds}
          trans={trans}
          disabled={changing}
          error={error}
          onSave={minutes =>
            void save(
              'idle',
              { idle_timeout_minutes: minutes },
              minutes === 0
                ? trans.__('This space no longer stops when idle.')
                : minutes === null
                  ? trans.__('This space uses the administrator default.')
                  : trans.__('This space stops after %1 idle minutes.', minutes)
            )
          }
        />
        {spaceIdle && running && (
          <div className="smstudio-SpacePage-idle" data-smstudio-space-idle="">
            <p>
              {idleFor(spaceIdle.idle_seconds, trans)}
              {spaceIdle.shutdown_at_ms
                ? ` · ${stopsIn(spaceIdle.shutdown_at_ms, Date.now(), trans)}`
                : ''}
              {spaceIdle.keep_alive_until_ms
                ? ` · ${trans.__('kept running until %1', formatTime(spaceIdle.keep_alive_until_ms))}`
                : ''}
            </p>
            <p className="smstudio-Form-hint">
              {trans.__('Counts as activity now:')}{' '}
              {spaceIdle.activity.length
                ? spaceIdle.activity.join('; ')
                : trans.__('nothing (idle)')}
            </p>
            <KeepRunning
              trans={trans}
              disabled={changing}
              onKeep={minutes =>
                void run('keep', async () => {
                  const result = await keepAlive(
                    { kind: 'space', id: name },
                    minutes
                  );
                  return trans.__(
                    'Kept running until %1.',
                    formatTime(result.until_ms)
                  );
                })
              }
            />
          </div>
        )}
      </Section>

      <Section title={trans.__('Kernels and terminals')} id="kernels">
        {kernels.length === 0 ? (
          <p className="smstudio-Form-hint">
            {trans.__('No kernels are running in this space.')}
          </p>
        ) : (
          <ul className="smstudio-SpacePage-list" data-smstudio-kernels="">
            {kernels.map(kernel => {
              const notebooks = env.notebooksOf(kernel.id);
              const k = kernelIdle.get(kernel.id);
              return (
                <li key={kernel.id} data-smstudio-kernel={kernel.id}>
                  {notebooks.length ? (
                    notebooks.map(path => (
                      <button
                        key={path}
                        className="smstudio-Link"
                        onClick={() => void env.openPath(path)}
                      >
                        {path}
                      </button>
                    ))
                  ) : (
                    <code title={kernel.id}>{kernel.id.slice(0, 8)}</code>
                  )}{' '}
                  <span className="smstudio-Form-hint">
                    {kernel.profile} · {kernel.execution_state ?? ''}
                    {k ? ` · ${idleFor(k.idle_seconds, trans)}` : ''}
                    {k?.shutdown_at_ms
                      ? ` · ${stopsIn(k.shutdown_at_ms, Date.now(), trans)}`
                      : ''}
                  </span>
                  {k && k.activity.length > 0 && (
                    <span className="smstudio-Form-hint">
                      {' '}
                      ({k.activity.join('; ')})
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        {(space.terminals ?? []).length > 0 && (
          <ul className="smstudio-SpacePage-list" data-smstudio-terminals="">
            {(space.terminals ?? []).map(terminal => (
              <li key={terminal}>
                <button
                  className="smstudio-Link"
                  onClick={() => void env.openTerminal(terminal)}
                >
                  {trans.__('Terminal %1', terminal)}
                </button>
              </li>
            ))}
          </ul>
        )}
      </Section>

      <Section title={trans.__('Lifecycle configurations')} id="lifecycle">
        <LifecycleChoice
          key={space.lifecycle_configs.join(',')}
          attached={space.lifecycle_configs}
          configs={configs}
          trans={trans}
          disabled={changing}
          error={error}
          onSave={names =>
            void save(
              'lifecycle',
              { lifecycle_configs: names },
              trans.__(
                'Lifecycle configurations saved; they run at the next start.'
              )
            )
          }
          onManage={() => void env.openLifecycleConfigs()}
        />
        <h3>{trans.__('Lifecycle log')}</h3>
        <LifecycleLog name={name} live={status === 'Pending'} trans={trans} />
      </Section>

      <Section title={trans.__('Sharing and members')} id="sharing">
        <SharingEditor
          key={`${space.sharing}:${space.members.join(',')}`}
          sharing={space.sharing}
          members={space.members}
          trans={trans}
          disabled={changing}
          error={error}
          onSave={(sharing, members) =>
            void save(
              'sharing',
              { sharing, members },
              sharing === 'shared'
                ? trans.__('Shared with %1.', members.join(', ') || '—')
                : trans.__('Private: only you can use this space.')
            )
          }
        />
      </Section>

      <Section title={trans.__('History')} id="history">
        <SpaceHistory
          events={events}
          trans={trans}
          noneClass="smstudio-Form-hint"
          listClass="smstudio-SpacePage-list"
          timeClass="smstudio-Form-hint"
        />
      </Section>
    </div>
  );
}

/**
 * The idle timeout field with the administrator's bounds beside it.
 */
export function IdleSettings(props: {
  minutes: number | null;
  bounds: IIdleBounds | null;
  trans: TranslationBundle;
  disabled?: boolean;
  error?: IFieldError | null;
  onSave: (minutes: number | null) => void;
}): React.ReactElement {
  const { trans, bounds } = props;
  const [value, setValue] = React.useState(
    props.minutes === null ? '' : String(props.minutes)
  );
  const problem = checkIdleTimeout(value, bounds, trans);
  return (
    <div className="smstudio-SpacePage-row" data-smstudio-idle-timeout="">
      <FormField label={trans.__('Idle timeout (minutes)')}>
        <input
          className="smstudio-Input"
          name="idle_timeout_minutes"
          type="number"
          min={0}
          step={1}
          value={value}
          placeholder={
            bounds
              ? trans.__('default: %1', bounds.default_timeout_minutes)
              : trans.__('administrator default')
          }
          aria-invalid={!!problem}
          aria-describedby="smstudio-idle-bounds"
          onChange={event => setValue(event.target.value)}
        />
        <span
          id="smstudio-idle-bounds"
          className="smstudio-Form-hint"
          data-smstudio-idle-bounds=""
        >
          {idleBoundsText(bounds, trans)}
        </span>
        {problem && (
          <span
            className="smstudio-Form-error"
            role="alert"
            data-smstudio-field-error="idle_timeout_minutes"
          >
            {problem}
          </span>
        )}
        {!problem && (
          <FieldError
            error={props.error ?? null}
            field="idle_timeout_minutes"
          />
        )}
      </FormField>
      <button
        type="button"
        className="jp-mod-styled"
        disabled={props.disabled || !!problem}
        onClick={() =>
          props.onSave(value.trim() === '' ? null : Number(value.trim()))
        }
      >
        {trans.__('Save')}
      </button>
    </div>
  );
}

/**
 * "Keep running" with a duration.
 */
export function KeepRunning(props: {
  trans: TranslationBundle;
  disabled?: boolean;
  onKeep: (minutes: number) => void;
}): React.ReactElement {
  const { trans } = props;
  const [minutes, setMinutes] = React.useState(0);
  return (
    <div className="smstudio-SpacePage-row" data-smstudio-keep-running="">
      <select
        className="smstudio-Select"
        aria-label={trans.__('Keep running for')}
        value={minutes}
        onChange={event => setMinutes(Number(event.target.value))}
      >
        {KEEP_ALIVE_CHOICES.map(choice => (
          <option key={choice} value={choice}>
            {choice === 0
              ? trans.__('reset the idle clock now')
              : choice < 60
                ? trans.__('for %1 minutes', choice)
                : trans._n('for %1 hour', 'for %1 hours', choice / 60)}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="jp-mod-styled jp-mod-accept"
        disabled={props.disabled}
        onClick={() => props.onKeep(minutes)}
      >
        {trans.__('Keep running')}
      </button>
    </div>
  );
}

/**
 * Which lifecycle configurations the space runs.
 */
function LifecycleChoice(props: {
  attached: string[];
  configs: ILifecycleConfig[] | null;
  trans: TranslationBundle;
  disabled?: boolean;
  error: IFieldError | null;
  onSave: (names: string[]) => void;
  onManage: () => void;
}): React.ReactElement {
  const { trans, configs } = props;
  const [chosen, setChosen] = React.useState<string[]>(props.attached);
  const known = new Set((configs ?? []).map(c => c.name));
  const all = [
    ...(configs ?? []),
    ...props.attached
      .filter(n => !known.has(n))
      .map(n => ({ name: n, type: '?' }) as unknown as ILifecycleConfig)
  ];
  const changed = chosen.join(',') !== props.attached.join(',');
  return (
    <fieldset className="smstudio-Form-group" data-smstudio-space-lifecycle="">
      <legend>{trans.__('Run at start')}</legend>
      {configs === null ? (
        <span className="smstudio-Form-hint">{trans.__('Loading…')}</span>
      ) : all.length === 0 ? (
        <span className="smstudio-Form-hint">
          {trans.__('You have no lifecycle configurations yet.')}
        </span>
      ) : (
        all.map(config => (
          <label key={config.name} className="smstudio-Form-check">
            <input
              type="checkbox"
              checked={chosen.includes(config.name)}
              onChange={event =>
                setChosen(
                  event.target.checked
                    ? [...chosen, config.name]
                    : chosen.filter(n => n !== config.name)
                )
              }
            />
            {config.name}{' '}
            <span className="smstudio-Form-hint">({config.type})</span>
          </label>
        ))
      )}
      <FieldError error={props.error} field="lifecycle_configs" />
      <div className="smstudio-SpacePage-row">
        <button
          type="button"
          className="jp-mod-styled"
          disabled={props.disabled || !changed}
          onClick={() => props.onSave(chosen)}
        >
          {trans.__('Save')}
        </button>
        <button
          type="button"
          className="jp-mod-styled"
          onClick={props.onManage}
        >
          {trans.__('Write a lifecycle configuration…')}
        </button>
      </div>
    </fieldset>
  );
}

/**
 * Private or shared, and with whom.
 */
function SharingEditor(props: {
  sharing: 'private' | 'shared';
  members: string[];
  trans: TranslationBundle;
  disabled?: boolean;
  error: IFieldError | null;
  onSave: (sharing: 'private' | 'shared', members: string[]) => void;
}): React.ReactElement {
  const { trans } = props;
  const [sharing, setSharing] = React.useState(props.sharing);
  const [members, setMembers] = React.useState(props.members.join(', '));
  return (
    <div className="smstudio-SpacePage-row" data-smstudio-space-sharing="">
      <SharingFields
        sharing={sharing}
        members={members}
        trans={trans}
        onSharing={setSharing}
        onMembers={setMembers}
        errorOf={field => <FieldError error={props.error} field={field} />}
      />
      <button
        type="button"
        className="jp-mod-styled"
        disabled={props.disabled}
        onClick={() =>
          props.onSave(
            sharing,
            sharing === 'shared' ? splitMembers(members) : []
          )
        }
      >
        {trans.__('Save')}
      </button>
    </div>
  );
}

/**
 * The create form, in the main area, with the idle bounds beside its field.
 */
export function NewSpacePage(props: {
  env: ISpacePageEnvironment;
  catalog: ISpacesCatalog;
  trans: TranslationBundle;
  onCreated: (name: string) => void;
  onCancel: () => void;
}): React.ReactElement {
  const [idle] = usePolled<IIdleReport>(() => getIdleReport(), [], 60_000);
  return (
    <div className="smstudio-SpacePage" data-smstudio-new-space-page="">
      <CreateSpaceForm
        env={props.env}
        catalog={props.catalog}
        trans={props.trans}
        refresh={() => Promise.resolve()}
        poll={() => Promise.resolve()}
        idleBounds={boundsOf(idle)}
        onDone={name => props.onCreated(name ?? '')}
        onCancel={props.onCancel}
      />
    </div>
  );
}
