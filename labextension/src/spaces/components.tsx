import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  checkSpaceName,
  createSpace,
  deleteSpace,
  formatStorage,
  getLifecycleLog,
  getSpace,
  listSpaceEvents,
  setKernelProfile,
  startSpace,
  stopSpace,
  updateSpace
} from '../api';
import type {
  IComputeProfileList,
  ILifecycleConfig,
  ISpaceCreate,
  ISpaceDetail,
  ISpaceEvent,
  ISpaceInfo,
  SpaceStatus
} from '../api';
import { formatTime } from '../components/listsection';
import { toApiError } from '../model/polling';
import { profileLabel } from './catalog';
import { confirmLoss } from './confirm';
import { CREATE_FIELDS, fieldErrorOf, fieldOf, idleBoundsText } from './fields';
import type { IFieldError, IIdleBounds } from './fields';
import type { ISpacesCatalog } from './catalog';
import type { ISpacesEnvironment } from './environment';

/**
 * Statuses in which the space is changing by itself: the section checks
 * back quickly and refuses other changes meanwhile.
 */
export const TRANSITIONAL: ReadonlySet<string> = new Set<SpaceStatus>([
  'Pending',
  'Stopping',
  'Updating',
  'Deleting'
]);

/**
 * How often (ms) the section checks a space that is changing, and follows
 * the lifecycle log of a Pending space.
 */
export const FAST_POLL_MS = 1000;

/**
 * What every spaces component needs.
 */
export interface ISpacesProps {
  env: ISpacesEnvironment;
  catalog: ISpacesCatalog;
  trans: TranslationBundle;
  /**
   * Fetch the list now, as a user action.
   */
  refresh: () => Promise<void>;
  /**
   * Fetch the list now, as a background poll.
   */
  poll: () => Promise<void>;
}

/**
 * Plain words for a status.
 */
export function statusLabel(status: string, trans: TranslationBundle): string {
  switch (status) {
    case 'Pending':
      return trans.__('Starting');
    case 'InService':
      return trans.__('Running');
    case 'Stopping':
      return trans.__('Stopping');
    case 'Stopped':
      return trans.__('Stopped');
    case 'Updating':
      return trans.__('Updating');
    case 'Failed':
      return trans.__('Failed');
    case 'Deleting':
      return trans.__('Deleting');
    default:
      return status;
  }
}

/**
 * A coloured status badge; `data-status` carries the server's status.
 */
export function StatusBadge(props: {
  status: string;
  trans: TranslationBundle;
}): React.ReactElement {
  return (
    <span
      className="smstudio-SpaceStatus"
      data-status={props.status.toLowerCase()}
      data-smstudio-space-status={props.status}
      title={props.status}
    >
      {statusLabel(props.status, props.trans)}
    </span>
  );
}

/**
 * Load something once per `deps` change; `null` until it arrives.
 */
function useProfiles(catalog: ISpacesCatalog): IComputeProfileList | null {
  const [profiles, setProfiles] = React.useState<IComputeProfileList | null>(
    null
  );
  React.useEffect(() => {
    let live = true;
    catalog
      .profiles()
      .then(value => live && setProfiles(value))
      .catch(reason =>
        console.warn('jupyter-smstudio: no compute profiles.', reason)
      );
    return () => {
      live = false;
    };
  }, [catalog]);
  return profiles;
}

/**
 * A message under a row or a form.
 */
interface IMessage {
  kind: 'info' | 'error';
  text: string;
}

/**
 * One space: name, status, compute, storage, actions, and its details.
 */
export function SpaceRow(
  props: ISpacesProps & { space: ISpaceInfo }
): React.ReactElement {
  const { space, env, catalog, trans, refresh, poll } = props;
  const profiles = useProfiles(catalog);
  const [detail, setDetail] = React.useState<ISpaceDetail | null>(null);
  const [expanded, setExpanded] = React.useState(false);
  const [busy, setBusy] = React.useState<string | null>(null);
  const [message, setMessage] = React.useState<IMessage | null>(null);
  const lastStatus = React.useRef<string>(space.status);

  // Storage use and kernels come with the detail: fetch it with each poll.
  React.useEffect(() => {
    let live = true;
    getSpace(space.name, { poll: true })
      .then(value => live && setDetail(value))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [space]);

  // While the space changes by itself, check back quickly.
  React.useEffect(() => {
    if (!TRANSITIONAL.has(space.status)) {
      return;
    }
    const timer = setTimeout(() => void poll(), FAST_POLL_MS);
    return () => clearTimeout(timer);
  }, [space]);

  // Its kernelspec comes and goes with the space: tell Lab.
  React.useEffect(() => {
    const before = lastStatus.current;
    lastStatus.current = space.status;
    if (before !== space.status && !TRANSITIONAL.has(space.status)) {
      void env.refreshKernelSpecs();
      // Back from a stop (not from a compute change: that follows on its own).
      if (space.status === 'InService' && before !== 'Updating') {
        env.followSpace?.(space.name, 'started');
      }
    }
  }, [space.status]);

  const run = async (
    label: string,
    action: () => Promise<string | null>
  ): Promise<void> => {
    setBusy(label);
    setMessage(null);
    try {
      const text = await action();
      if (text) {
        setMessage({ kind: 'info', text });
      }
    } catch (reason) {
      setMessage({ kind: 'error', text: toApiError(reason).message });
    } finally {
      setBusy(null);
      await refresh().catch(() => undefined);
    }
  };

  const status = space.status;
  const changing = TRANSITIONAL.has(status) || busy !== null;
  const canStart = status === 'Stopped' || status === 'Failed';
  const canStop = status === 'InService';

  const onStart = () =>
    run('start', async () => {
      await startSpace(space.name);
      return null;
    });

  const kernelLabels = (detail?.kernels ?? []).map(
    k => env.notebooksOf?.(k.id).join(', ') || k.id.slice(0, 8)
  );
  const onStop = async (): Promise<void> => {
    if (!(await confirmLoss(env, trans, space.name, kernelLabels, 'stop'))) {
      return;
    }
    await run('stop', async () => {
      await stopSpace(space.name);
      await env.refreshKernelSpecs();
      env.followSpace?.(space.name, 'stopped');
      return null;
    });
  };

  const onOpen = () =>
    run('open', async () => {
      await env.openNotebook(space.name);
      return null;
    });

  const onCompute = async (profile: string): Promise<void> => {
    if (profile === space.profile) {
      return;
    }
    const kernels = detail?.kernels ?? [];
    const body =
      status === 'InService'
        ? [
            kernels.length
              ? trans._n(
                  'The kernel running in this space restarts on %2: files are kept, but what is in the kernel memory (variables, imports) is lost.',
                  'The %1 kernels running in this space restart on %2: files are kept, but what is in kernel memory (variables, imports) is lost.',
                  kernels.length,
                  profile
                )
              : trans.__(
                  'Kernels running in this space restart on %1: files are kept, but what is in kernel memory (variables, imports) is lost.',
                  profile
                )
          ]
        : [
            trans.__(
              'The space will use %1 the next time it starts. Files are kept.',
              profile
            )
          ];
    const ok = await env.confirm({
      title: trans.__('Change the compute of “%1”?', space.name),
      body,
      accept: trans.__('Change compute')
    });
    if (!ok) {
      return;
    }
    await run('compute', async () => {
      const change = await updateSpace(space.name, { profile });
      await env.refreshKernelSpecs();
      env.followSpace?.(space.name, 'compute');
      const moved = change.moved_kernels;
      const text = moved.length
        ? trans.__(
            'Compute changed to %1. Restarted kernels: %2. Files are kept; kernel memory is not.',
            change.space.profile,
            moved.map(id => id.slice(0, 8)).join(', ')
          )
        : trans.__(
            'Compute changed to %1. No kernels were running.',
            change.space.profile
          );
      env.notify(text, 'success');
      return text;
    });
  };

  const onDelete = async (): Promise<void> => {
    if (!(await confirmLoss(env, trans, space.name, kernelLabels, 'delete'))) {
      return;
    }
    await run('delete', async () => {
      await deleteSpace(space.name);
      await env.refreshKernelSpecs();
      env.notify(trans.__('Space “%1” deleted.', space.name), 'info');
      return null;
    });
  };

  const profileNames = profiles?.items.map(p => p.name) ?? [];
  if (!profileNames.includes(space.profile)) {
    profileNames.unshift(space.profile);
  }

  return (
    <div className="smstudio-Space" data-smstudio-space={space.name}>
      <div className="smstudio-Space-head">
        <button
          className="smstudio-Space-toggle"
          aria-expanded={env.openSpace ? undefined : expanded}
          title={
            env.openSpace
              ? trans.__('Open the space’s page')
              : expanded
                ? trans.__('Hide details')
                : trans.__('Show details')
          }
          onClick={() =>
            env.openSpace
              ? void env.openSpace(space.name)
              : setExpanded(!expanded)
          }
        >
          <span className="smstudio-Space-caret" aria-hidden="true">
            {env.openSpace ? '›' : expanded ? '▾' : '▸'}
          </span>
          <span className="smstudio-Space-name">{space.name}</span>
        </button>
        <StatusBadge status={status} trans={trans} />
      </div>
      <div className="smstudio-Space-facts">
        <span data-smstudio-space-profile="">{space.profile}</span>
        <span aria-hidden="true"> · </span>
        <span
          data-smstudio-space-storage=""
          title={trans.__('Storage used of the volume size')}
        >
          {formatStorage(detail?.storage_used_bytes, space.storage_gb)}
        </span>
        {space.sharing === 'shared' && (
          <span className="smstudio-Space-shared">
            {' · '}
            {trans.__('shared')}
          </span>
        )}
      </div>
      <div className="smstudio-Space-actions">
        {canStop ? (
          <button
            className="smstudio-Button"
            disabled={changing}
            onClick={() => void onStop()}
          >
            {trans.__('Stop')}
          </button>
        ) : (
          <button
            className="smstudio-Button"
            disabled={changing || !canStart}
            onClick={() => void onStart()}
          >
            {trans.__('Start')}
          </button>
        )}
        <button
          className="smstudio-Button smstudio-mod-accept"
          disabled={changing || status !== 'InService'}
          title={
            status === 'InService'
              ? trans.__('Create a notebook that runs in this space')
              : trans.__('Start the space to open a notebook in it')
          }
          onClick={() => void onOpen()}
        >
          {trans.__('Open notebook')}
        </button>
        <select
          className="smstudio-Select"
          aria-label={trans.__('Change compute of %1', space.name)}
          title={trans.__('Change compute')}
          value={space.profile}
          disabled={changing || !profiles}
          onChange={event => void onCompute(event.target.value)}
        >
          {profileNames.map(name => {
            const profile = profiles?.items.find(p => p.name === name);
            return (
              <option
                key={name}
                value={name}
                title={profile ? profileLabel(profile) : name}
              >
                {name}
              </option>
            );
          })}
        </select>
        <button
          className="smstudio-Button smstudio-mod-danger"
          disabled={changing}
          title={trans.__('Delete the space and its storage')}
          onClick={() => void onDelete()}
        >
          {trans.__('Delete')}
        </button>
      </div>
      {busy && (
        <p className="smstudio-Space-message" data-smstudio-busy={busy}>
          {trans.__('Working…')}
        </p>
      )}
      {message && (
        <p
          className={`smstudio-Space-message smstudio-mod-${message.kind}`}
          role={message.kind === 'error' ? 'alert' : 'status'}
          data-smstudio-space-message={message.kind}
        >
          {message.text}
        </p>
      )}
      {status === 'Failed' && space.failure_reason && !expanded && (
        <p className="smstudio-Space-message smstudio-mod-error">
          {space.failure_reason}
        </p>
      )}
      {expanded && (
        <SpaceDetails
          space={space}
          detail={detail}
          profiles={profiles}
          trans={trans}
          onMoveKernel={(kernelId, profile) =>
            run('kernel', async () => {
              await setKernelProfile(space.name, kernelId, profile);
              return trans.__(
                'Kernel %1 restarted on %2; its memory is lost.',
                kernelId.slice(0, 8),
                profile
              );
            })
          }
          onSetIdleTimeout={minutes =>
            run('idle', async () => {
              await updateSpace(space.name, { idle_timeout_minutes: minutes });
              return minutes === 0
                ? trans.__('This space no longer stops when idle.')
                : trans.__('This space stops after %1 idle minutes.', minutes);
            })
          }
        />
      )}
    </div>
  );
}

/**
 * A labelled whole-number input; `children` go below it (e.g. the field's error).
 */
function WholeNumberField(props: {
  label: string;
  name?: string;
  min: number;
  value: string;
  placeholder: string;
  onChange: (value: string) => void;
  children?: React.ReactNode;
}): React.ReactElement {
  return (
    <FormField label={props.label}>
      <input
        className="smstudio-Input"
        name={props.name}
        type="number"
        min={props.min}
        step={1}
        value={props.value}
        placeholder={props.placeholder}
        onChange={event => props.onChange(event.target.value)}
      />
      {props.children}
    </FormField>
  );
}

/**
 * The space's idle timeout, editable within the administrator's bounds
 * (the server answers out-of-bounds values with a message naming them).
 */
export function IdleTimeoutEditor(props: {
  minutes: number | null;
  trans: TranslationBundle;
  onSave: (minutes: number) => void;
}): React.ReactElement {
  const { trans } = props;
  const [value, setValue] = React.useState(
    props.minutes === null ? '' : String(props.minutes)
  );
  const parsed = Number(value);
  const valid = value.trim() !== '' && Number.isInteger(parsed) && parsed >= 0;
  return (
    <div className="smstudio-IdleTimeout" data-smstudio-idle-timeout="">
      <h4 className="smstudio-SpaceDetails-heading">
        {trans.__('Idle shutdown')}
      </h4>
      <WholeNumberField
        label={
          props.minutes === null
            ? trans.__('Stops after the administrator default when idle.')
            : trans.__('Stop when idle for (minutes, 0 = never)')
        }
        min={0}
        value={value}
        placeholder={trans.__('administrator default')}
        onChange={setValue}
      />
      <button
        type="button"
        className="jp-mod-styled"
        disabled={!valid}
        onClick={() => props.onSave(parsed)}
      >
        {trans.__('Save')}
      </button>
    </div>
  );
}

/**
 * A space's details: failure, kernels, history and lifecycle log.
 */
export function SpaceDetails(props: {
  space: ISpaceInfo;
  detail: ISpaceDetail | null;
  profiles: IComputeProfileList | null;
  trans: TranslationBundle;
  onMoveKernel: (kernelId: string, profile: string) => void;
  onSetIdleTimeout?: (minutes: number) => void;
}): React.ReactElement {
  const { space, detail, profiles, trans } = props;
  const [events, setEvents] = React.useState<ISpaceEvent[] | null>(null);

  React.useEffect(() => {
    let live = true;
    listSpaceEvents(space.name, { poll: true })
      .then(items => live && setEvents(items))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [space]);

  const kernels = detail?.kernels ?? [];
  return (
    <div className="smstudio-SpaceDetails" data-smstudio-space-details="">
      {space.failure_reason && (
        <div className="smstudio-SpaceDetails-failure" role="alert">
          <strong>{trans.__('Why it failed:')}</strong> {space.failure_reason}
        </div>
      )}
      <h4 className="smstudio-SpaceDetails-heading">{trans.__('Kernels')}</h4>
      {kernels.length === 0 ? (
        <p className="smstudio-SpaceDetails-none">
          {trans.__('No kernels are running in this space.')}
        </p>
      ) : (
        <ul className="smstudio-SpaceDetails-list" data-smstudio-kernels="">
          {kernels.map(kernel => (
            <li key={kernel.id} data-smstudio-kernel={kernel.id}>
              <code title={kernel.id}>{kernel.id.slice(0, 8)}</code>{' '}
              <span className="smstudio-SpaceDetails-muted">
                {kernel.execution_state ?? ''}
              </span>{' '}
              <select
                className="smstudio-Select"
                aria-label={trans.__(
                  'Move kernel %1 to',
                  kernel.id.slice(0, 8)
                )}
                title={trans.__(
                  'Move this kernel to another profile (restarts it)'
                )}
                value={kernel.profile}
                disabled={!profiles}
                onChange={event =>
                  props.onMoveKernel(kernel.id, event.target.value)
                }
              >
                {(profiles?.items.map(p => p.name) ?? [kernel.profile]).map(
                  name => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  )
                )}
              </select>
            </li>
          ))}
        </ul>
      )}
      {props.onSetIdleTimeout && (
        <IdleTimeoutEditor
          minutes={space.idle_timeout_minutes ?? null}
          trans={trans}
          onSave={props.onSetIdleTimeout}
        />
      )}
      <h4 className="smstudio-SpaceDetails-heading">{trans.__('History')}</h4>
      <SpaceHistory
        events={events}
        trans={trans}
        noneClass="smstudio-SpaceDetails-none"
        listClass="smstudio-SpaceDetails-list"
        timeClass="smstudio-SpaceDetails-muted"
      />
      <h4 className="smstudio-SpaceDetails-heading">
        {trans.__('Lifecycle log')}
      </h4>
      <LifecycleLog
        name={space.name}
        live={space.status === 'Pending'}
        trans={trans}
      />
    </div>
  );
}

/**
 * A space's events, oldest first, each with its time (`null`: loading). The
 * sidebar and the space page style it each their own way.
 */
export function SpaceHistory(props: {
  events: ISpaceEvent[] | null;
  trans: TranslationBundle;
  noneClass: string;
  listClass: string;
  timeClass: string;
}): React.ReactElement {
  const { events, trans } = props;
  if (events === null) {
    return <p className={props.noneClass}>{trans.__('Loading…')}</p>;
  }
  if (events.length === 0) {
    return <p className={props.noneClass}>{trans.__('Nothing yet.')}</p>;
  }
  return (
    <ul className={props.listClass} data-smstudio-events="">
      {events.map((event, index) => (
        <li key={index} data-kind={event.kind}>
          <span className={props.timeClass}>{formatTime(event.time_ms)}</span>{' '}
          {event.message}
        </li>
      ))}
    </ul>
  );
}

/**
 * The lifecycle scripts' output; follows it with the cursor while `live`.
 */
export function LifecycleLog(props: {
  name: string;
  live: boolean;
  trans: TranslationBundle;
  intervalMs?: number;
}): React.ReactElement {
  const { name, live, trans } = props;
  const [text, setText] = React.useState('');
  const [error, setError] = React.useState<string | null>(null);
  const cursor = React.useRef(0);
  const pre = React.useRef<HTMLPreElement>(null);

  React.useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const read = async (): Promise<void> => {
      try {
        const chunk = await getLifecycleLog(name, cursor.current, {
          poll: true
        });
        if (stopped) {
          return;
        }
        if (chunk.next_cursor < cursor.current) {
          // The log was started afresh (a new start): read it from the top.
          cursor.current = 0;
          setText('');
        } else {
          cursor.current = chunk.next_cursor;
          if (chunk.text) {
            setText(previous => previous + chunk.text);
          }
        }
        setError(null);
      } catch (reason) {
        if (!stopped) {
          setError(toApiError(reason).message);
        }
      }
      if (!stopped && live) {
        timer = setTimeout(() => void read(), props.intervalMs ?? FAST_POLL_MS);
      }
    };
    void read();
    return () => {
      stopped = true;
      if (timer !== null) {
        clearTimeout(timer);
      }
    };
  }, [name, live]);

  React.useEffect(() => {
    if (pre.current) {
      pre.current.scrollTop = pre.current.scrollHeight;
    }
  }, [text]);

  return (
    <div className="smstudio-LifecycleLog" data-smstudio-lifecycle-log="">
      {live && (
        <p className="smstudio-SpaceDetails-muted">
          {trans.__('Following the log while the space starts…')}
        </p>
      )}
      {error && (
        <p className="smstudio-Space-message smstudio-mod-error">{error}</p>
      )}
      <pre ref={pre} className="smstudio-LifecycleLog-text">
        {text || trans.__('(no output)')}
      </pre>
    </div>
  );
}

/**
 * The "New space" button and, once pressed, the form that creates one.
 */
export function SpacesHeader(props: ISpacesProps): React.ReactElement {
  const [open, setOpen] = React.useState(false);
  const { trans, env } = props;
  if (!open) {
    return (
      <div className="smstudio-SpacesHeader">
        <button
          className="smstudio-Button smstudio-mod-accept"
          data-smstudio-new-space=""
          onClick={() => (env.newSpace ? void env.newSpace() : setOpen(true))}
        >
          {trans.__('+ New space')}
        </button>
      </div>
    );
  }
  return (
    <CreateSpaceForm
      {...props}
      onDone={() => setOpen(false)}
      onCancel={() => setOpen(false)}
    />
  );
}

/**
 * A labelled form field: the label's text, then the input and its messages.
 */
export function FormField(props: {
  label: string;
  children: React.ReactNode;
}): React.ReactElement {
  return (
    <label className="smstudio-Form-field">
      <span>{props.label}</span>
      {props.children}
    </label>
  );
}

/**
 * The server's message beside the field it names (`null`: the whole form).
 */
export function FieldError(props: {
  error: IFieldError | null;
  field: string | null;
}): React.ReactElement | null {
  if (!props.error || props.error.field !== props.field) {
    return null;
  }
  return (
    <span
      className="smstudio-Form-error"
      role="alert"
      data-smstudio-field-error={props.field ?? 'form'}
    >
      {props.error.message}
    </span>
  );
}

/**
 * The user names in a comma- or space-separated list.
 */
export function splitMembers(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map(member => member.trim())
    .filter(member => member);
}

/**
 * Private or shared, and with whom (members only once shared).
 */
export function SharingFields(props: {
  sharing: 'private' | 'shared';
  members: string;
  trans: TranslationBundle;
  onSharing: (sharing: 'private' | 'shared') => void;
  onMembers: (members: string) => void;
  errorOf: (field: 'sharing' | 'members') => React.ReactNode;
}): React.ReactElement {
  const { trans } = props;
  return (
    <>
      <FormField label={trans.__('Sharing')}>
        <select
          className="smstudio-Select"
          name="sharing"
          value={props.sharing}
          onChange={event =>
            props.onSharing(event.target.value as 'private' | 'shared')
          }
        >
          <option value="private">{trans.__('Private: only me')}</option>
          <option value="shared">{trans.__('Shared with members')}</option>
        </select>
        {props.errorOf('sharing')}
      </FormField>
      {props.sharing === 'shared' && (
        <FormField label={trans.__('Members (user names, comma-separated)')}>
          <input
            className="smstudio-Input"
            name="members"
            value={props.members}
            onChange={event => props.onMembers(event.target.value)}
          />
          {props.errorOf('members')}
        </FormField>
      )}
    </>
  );
}

/**
 * A create form field that the server may name in an error's `field`.
 */
type FormField = (typeof CREATE_FIELDS)[number];

/**
 * The form field an error is about: `body.name`, `name` or `members.0`
 * all name a field of the form.
 */
export function formFieldOf(field: string | null): FormField | null {
  return fieldOf(field, CREATE_FIELDS) as FormField | null;
}

/**
 * The request body the form's values make.
 */
export function makeCreateBody(values: {
  name: string;
  profile: string;
  storageGb: string;
  idleMinutes?: string;
  image: string;
  lifecycleConfigs: string[];
  sharing: 'private' | 'shared';
  members: string;
}): ISpaceCreate {
  const storage = values.storageGb.trim();
  const idle = (values.idleMinutes ?? '').trim();
  return {
    name: values.name.trim(),
    profile: values.profile || null,
    storage_gb: storage ? Number(storage) : null,
    ...(idle ? { idle_timeout_minutes: Number(idle) } : {}),
    image: values.image.trim() || null,
    lifecycle_configs: values.lifecycleConfigs,
    sharing: values.sharing,
    members: values.sharing === 'shared' ? splitMembers(values.members) : [],
    start: true
  };
}

/**
 * The form that creates (and starts) a space.
 */
export function CreateSpaceForm(
  props: ISpacesProps & {
    onDone: (name?: string) => void;
    onCancel: () => void;
    /**
     * The administrator's idle timeout bounds, shown beside the field.
     */
    idleBounds?: IIdleBounds | null;
  }
): React.ReactElement {
  const { catalog, trans, env } = props;
  const profiles = useProfiles(catalog);
  const [configs, setConfigs] = React.useState<ILifecycleConfig[] | null>(null);
  const [name, setName] = React.useState('');
  const [profile, setProfile] = React.useState('');
  const [storageGb, setStorageGb] = React.useState('');
  const [idleMinutes, setIdleMinutes] = React.useState('');
  const [image, setImage] = React.useState('');
  const [lifecycleConfigs, setLifecycleConfigs] = React.useState<string[]>([]);
  const [sharing, setSharing] = React.useState<'private' | 'shared'>('private');
  const [members, setMembers] = React.useState('');
  const [errors, setErrors] = React.useState<
    Partial<Record<FormField, string>>
  >({});
  const [formError, setFormError] = React.useState<string | null>(null);
  const [saving, setSaving] = React.useState(false);

  React.useEffect(() => {
    let live = true;
    catalog
      .lifecycleConfigs()
      .then(items => live && setConfigs(items))
      .catch(() => live && setConfigs([]));
    return () => {
      live = false;
    };
  }, [catalog]);

  const chosenProfile = profile || profiles?.default_profile || '';

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    const problem = checkSpaceName(name.trim());
    if (problem) {
      setErrors({
        name:
          problem === 'empty'
            ? trans.__('Give the space a name.')
            : problem === 'too-long'
              ? trans.__('Use at most 63 characters.')
              : trans.__(
                  'Use letters, digits and hyphens only, starting and ending with a letter or digit.'
                )
      });
      return;
    }
    setErrors({});
    setFormError(null);
    setSaving(true);
    try {
      const space = await createSpace(
        makeCreateBody({
          name,
          profile: chosenProfile,
          storageGb,
          idleMinutes,
          image,
          lifecycleConfigs,
          sharing,
          members
        })
      );
      env.notify(
        trans.__('Space “%1” created; it is starting.', space.name),
        'info'
      );
      props.onDone(space.name);
      await props.refresh().catch(() => undefined);
    } catch (reason) {
      const error = fieldErrorOf(reason, trans);
      const field = formFieldOf(error.field);
      if (field) {
        setErrors({ [field]: error.message });
      } else {
        setFormError(error.message);
      }
    } finally {
      setSaving(false);
    }
  };

  const fieldError = (field: FormField) => (
    <FieldError
      error={errors[field] ? { field, message: errors[field]! } : null}
      field={field}
    />
  );

  return (
    <form
      className="smstudio-Form"
      data-smstudio-create-space=""
      aria-label={trans.__('New space')}
      onSubmit={event => void submit(event)}
    >
      <h3 className="smstudio-Form-title">{trans.__('New space')}</h3>
      <FormField label={trans.__('Name')}>
        <input
          className="smstudio-Input"
          name="name"
          value={name}
          autoFocus
          placeholder={trans.__('e.g. research')}
          aria-invalid={!!errors.name}
          onChange={event => {
            setName(event.target.value);
            setErrors({ ...errors, name: undefined });
          }}
        />
        <span className="smstudio-Form-hint">
          {trans.__('Letters, digits and hyphens; at most 63.')}
        </span>
        {fieldError('name')}
      </FormField>
      <FormField label={trans.__('Compute')}>
        <select
          className="smstudio-Select"
          name="profile"
          value={chosenProfile}
          disabled={!profiles}
          onChange={event => setProfile(event.target.value)}
        >
          {(profiles?.items ?? []).map(p => (
            <option key={p.name} value={p.name}>
              {profileLabel(p)}
            </option>
          ))}
        </select>
        {fieldError('profile')}
      </FormField>
      <WholeNumberField
        label={trans.__('Storage (GB)')}
        name="storage_gb"
        min={1}
        value={storageGb}
        placeholder={trans.__('default')}
        onChange={setStorageGb}
      >
        {fieldError('storage_gb')}
      </WholeNumberField>
      <WholeNumberField
        label={trans.__('Stop when idle for (minutes)')}
        name="idle_timeout_minutes"
        min={0}
        value={idleMinutes}
        placeholder={trans.__('administrator default')}
        onChange={setIdleMinutes}
      >
        {props.idleBounds && (
          <span className="smstudio-Form-hint" data-smstudio-idle-bounds="">
            {idleBoundsText(props.idleBounds, trans)}
          </span>
        )}
        {fieldError('idle_timeout_minutes')}
      </WholeNumberField>
      <FormField label={trans.__('Image (optional)')}>
        <input
          className="smstudio-Input"
          name="image"
          value={image}
          placeholder={trans.__('the profile’s image')}
          onChange={event => setImage(event.target.value)}
        />
        {fieldError('image')}
      </FormField>
      <fieldset className="smstudio-Form-field smstudio-Form-group">
        <legend>{trans.__('Lifecycle configurations')}</legend>
        {configs === null ? (
          <span className="smstudio-Form-hint">{trans.__('Loading…')}</span>
        ) : configs.length === 0 ? (
          <span className="smstudio-Form-hint">
            {trans.__('You have no lifecycle configurations.')}
          </span>
        ) : (
          configs.map(config => (
            <label key={config.name} className="smstudio-Form-check">
              <input
                type="checkbox"
                name="lifecycle_configs"
                value={config.name}
                checked={lifecycleConfigs.includes(config.name)}
                onChange={event =>
                  setLifecycleConfigs(
                    event.target.checked
                      ? [...lifecycleConfigs, config.name]
                      : lifecycleConfigs.filter(n => n !== config.name)
                  )
                }
              />
              {config.name}{' '}
              <span className="smstudio-Form-hint">({config.type})</span>
            </label>
          ))
        )}
        {fieldError('lifecycle_configs')}
      </fieldset>
      <SharingFields
        sharing={sharing}
        members={members}
        trans={trans}
        onSharing={setSharing}
        onMembers={setMembers}
        errorOf={fieldError}
      />
      {formError && (
        <p className="smstudio-Form-error" role="alert">
          {formError}
        </p>
      )}
      <div className="smstudio-Form-buttons">
        <button
          type="button"
          className="smstudio-Button"
          onClick={props.onCancel}
        >
          {trans.__('Cancel')}
        </button>
        <button
          type="submit"
          className="smstudio-Button smstudio-mod-accept"
          disabled={saving}
        >
          {saving ? trans.__('Creating…') : trans.__('Create and start')}
        </button>
      </div>
    </form>
  );
}
