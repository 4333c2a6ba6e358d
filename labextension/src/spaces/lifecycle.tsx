/**
 * The lifecycle configurations page: list, view, create from a template in
 * a shell-highlighting editor with the 16,384-character counter.
 */
import type { CodeEditor, IEditorServices } from '@jupyterlab/codeeditor';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  createLifecycleConfig,
  deleteLifecycleConfig,
  listLifecycleConfigs,
  listLifecycleTemplates
} from '../api';
import type {
  ILifecycleConfig,
  ILifecycleTemplate,
  LifecycleConfigType
} from '../api';
import { formatTime } from '../components/listsection';
import { toApiError } from '../model/polling';
import { FieldError, FormField } from './components';
import { fieldErrorOf, MAX_SCRIPT_CHARS, scriptCounter } from './fields';
import type { IFieldError } from './fields';

/**
 * Makes the code editor (JupyterLab's CodeMirror); a textarea without one.
 */
export interface IScriptEditorFactory {
  (options: {
    host: HTMLElement;
    value: string;
    onChange: (value: string) => void;
  }): { setValue(value: string): void; dispose(): void };
}

/**
 * A factory over JupyterLab's editor services, with shell highlighting.
 */
export function editorFactory(
  services: IEditorServices,
  makeModel: (mimeType: string) => CodeEditor.IModel
): IScriptEditorFactory {
  return ({ host, value, onChange }) => {
    const mimeType =
      services.mimeTypeService.getMimeTypeByFilePath('script.sh');
    const model = makeModel(mimeType);
    model.sharedModel.setSource(value);
    const editor = services.factoryService.newInlineEditor({
      host,
      model,
      config: { lineNumbers: true }
    });
    const changed = () => onChange(model.sharedModel.getSource());
    model.sharedModel.changed.connect(changed);
    return {
      setValue: text => {
        if (model.sharedModel.getSource() !== text) {
          model.sharedModel.setSource(text);
        }
      },
      dispose: () => {
        model.sharedModel.changed.disconnect(changed);
        editor.dispose();
        model.dispose();
      }
    };
  };
}

/**
 * The script field: the code editor, or a textarea.
 */
function ScriptField(props: {
  value: string;
  onChange: (value: string) => void;
  factory?: IScriptEditorFactory;
  label: string;
}): React.ReactElement {
  const host = React.useRef<HTMLDivElement>(null);
  const editor = React.useRef<ReturnType<IScriptEditorFactory> | null>(null);
  const onChange = React.useRef(props.onChange);
  onChange.current = props.onChange;
  React.useEffect(() => {
    if (!props.factory || !host.current) {
      return;
    }
    editor.current = props.factory({
      host: host.current,
      value: props.value,
      onChange: value => onChange.current(value)
    });
    return () => {
      editor.current?.dispose();
      editor.current = null;
    };
  }, [props.factory]);
  React.useEffect(() => {
    editor.current?.setValue(props.value);
  }, [props.value]);
  if (!props.factory) {
    return (
      <textarea
        className="smstudio-Input smstudio-Script-text"
        name="content"
        aria-label={props.label}
        spellCheck={false}
        rows={16}
        value={props.value}
        onChange={event => props.onChange(event.target.value)}
      />
    );
  }
  return (
    <div
      ref={host}
      className="smstudio-Script-editor"
      role="group"
      aria-label={props.label}
      data-smstudio-script-editor=""
    />
  );
}

/**
 * The form that writes a configuration.
 */
export function LifecycleConfigForm(props: {
  trans: TranslationBundle;
  templates: ILifecycleTemplate[];
  factory?: IScriptEditorFactory;
  onCreated: (config: ILifecycleConfig) => void;
}): React.ReactElement {
  const { trans } = props;
  const [name, setName] = React.useState('');
  const [type, setType] = React.useState<LifecycleConfigType>('on-start');
  const [content, setContent] = React.useState('#!/bin/bash\nset -eu\n');
  const [template, setTemplate] = React.useState('');
  const [error, setError] = React.useState<IFieldError | null>(null);
  const [saving, setSaving] = React.useState(false);
  const counter = scriptCounter(content);

  const useTemplate = (chosen: string) => {
    setTemplate(chosen);
    const found = props.templates.find(t => t.name === chosen);
    if (found) {
      setContent(found.content);
      setType(found.type);
      if (!name) {
        setName(found.name);
      }
    }
  };
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const config = await createLifecycleConfig({
        name: name.trim(),
        type,
        content
      });
      props.onCreated(config);
      setName('');
      setTemplate('');
    } catch (reason) {
      setError(fieldErrorOf(reason, trans));
    } finally {
      setSaving(false);
    }
  };
  const errorOf = (field: string | null) => (
    <FieldError error={error} field={field} />
  );

  return (
    <form
      className="smstudio-Form smstudio-LifecycleForm"
      aria-label={trans.__('New lifecycle configuration')}
      data-smstudio-lifecycle-form=""
      onSubmit={event => void submit(event)}
    >
      <h2>{trans.__('New lifecycle configuration')}</h2>
      <FormField label={trans.__('Start from a ready script')}>
        <select
          className="smstudio-Select"
          name="template"
          value={template}
          onChange={event => useTemplate(event.target.value)}
        >
          <option value="">{trans.__('(empty script)')}</option>
          {props.templates.map(t => (
            <option key={t.name} value={t.name} title={t.description}>
              {t.name} ({t.type}): {t.description}
            </option>
          ))}
        </select>
      </FormField>
      <FormField label={trans.__('Name')}>
        <input
          className="smstudio-Input"
          name="name"
          value={name}
          placeholder={trans.__('e.g. install-packages')}
          onChange={event => setName(event.target.value)}
        />
        {errorOf('name')}
      </FormField>
      <FormField label={trans.__('Type')}>
        <select
          className="smstudio-Select"
          name="type"
          value={type}
          onChange={event => setType(event.target.value as LifecycleConfigType)}
        >
          <option value="on-start">
            {trans.__('on-start: runs at each start of the space')}
          </option>
          <option value="on-create">
            {trans.__('on-create: runs once, at the first start')}
          </option>
        </select>
        {errorOf('type')}
      </FormField>
      <div className="smstudio-Form-field">
        <span>{trans.__('Script')}</span>
        <ScriptField
          value={content}
          onChange={setContent}
          factory={props.factory}
          label={trans.__('Script')}
        />
        <span
          className={`smstudio-Form-hint${counter.over ? ' smstudio-mod-error' : ''}`}
          aria-live="polite"
          data-smstudio-script-counter=""
        >
          {trans.__('%1 characters', counter.text)}
          {counter.over ? ` — ${trans.__('%1 too many', -counter.left)}` : ''}
        </span>
        {errorOf('content')}
      </div>
      {errorOf(null)}
      <div className="smstudio-Form-buttons">
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={saving || counter.over || !name.trim()}
        >
          {saving ? trans.__('Creating…') : trans.__('Create')}
        </button>
      </div>
    </form>
  );
}

/**
 * The page: the user's configurations and the form.
 */
export function LifecycleConfigsPage(props: {
  trans: TranslationBundle;
  factory?: IScriptEditorFactory;
  confirm: (title: string, body: string) => Promise<boolean>;
}): React.ReactElement {
  const { trans } = props;
  const [configs, setConfigs] = React.useState<ILifecycleConfig[] | null>(null);
  const [templates, setTemplates] = React.useState<ILifecycleTemplate[]>([]);
  const [shown, setShown] = React.useState<string | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const reload = React.useCallback(() => {
    listLifecycleConfigs({ limit: 100 })
      .then(page => setConfigs(page.items))
      .catch(reason => setError(toApiError(reason).message));
  }, []);
  React.useEffect(() => {
    reload();
    listLifecycleTemplates()
      .then(setTemplates)
      .catch(() => setTemplates([]));
  }, []);
  const remove = async (name: string) => {
    if (
      !(await props.confirm(
        trans.__('Delete “%1”?', name),
        trans.__('Spaces that use it must be changed first.')
      ))
    ) {
      return;
    }
    try {
      await deleteLifecycleConfig(name);
    } catch (reason) {
      setError(toApiError(reason).message);
    }
    reload();
  };
  return (
    <div className="smstudio-SpacePage" data-smstudio-lifecycle-page="">
      <h1>{trans.__('Lifecycle configurations')}</h1>
      <p className="smstudio-Form-hint">
        {trans.__(
          'Shell scripts a space runs in its files when it starts (on-start) or the first time (on-create), at most %1 characters. Attach them on a space’s page; each start’s output is in the space’s lifecycle log.',
          MAX_SCRIPT_CHARS.toLocaleString('en-US')
        )}
      </p>
      {error && (
        <p className="smstudio-Form-error" role="alert">
          {error}
        </p>
      )}
      {configs === null ? (
        <p>{trans.__('Loading…')}</p>
      ) : configs.length === 0 ? (
        <p className="smstudio-Form-hint">
          {trans.__('You have no lifecycle configurations yet.')}
        </p>
      ) : (
        <ul className="smstudio-SpacePage-list" data-smstudio-lifecycle-list="">
          {configs.map(config => (
            <li key={config.name} data-smstudio-lifecycle-config={config.name}>
              <button
                className="smstudio-Link"
                aria-expanded={shown === config.name}
                onClick={() =>
                  setShown(shown === config.name ? null : config.name)
                }
              >
                {config.name}
              </button>{' '}
              <span className="smstudio-Form-hint">
                {config.type} · {formatTime(config.created_ms)}
              </span>{' '}
              <button
                className="jp-mod-styled jp-mod-warn"
                onClick={() => void remove(config.name)}
              >
                {trans.__('Delete')}
              </button>
              {shown === config.name && (
                <pre className="smstudio-LifecycleLog-text">
                  {config.content}
                </pre>
              )}
            </li>
          ))}
        </ul>
      )}
      <LifecycleConfigForm
        trans={trans}
        templates={templates}
        factory={props.factory}
        onCreated={() => reload()}
      />
    </div>
  );
}
