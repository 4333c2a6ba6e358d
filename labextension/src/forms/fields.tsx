/**
 * The inputs of the create forms: a label, the input, its help and the
 * server's message for it beside it (`aria-describedby`, `aria-invalid`).
 */
import type { Contents } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { pickPath } from './browse';
import type { PickMode } from './browse';
import type { IFormErrors, IPair } from './logic';

let counter = 0;

function useId(key: string): string {
  const ref = React.useRef('');
  if (!ref.current) {
    ref.current = `smstudio-field-${key.replace(/[^\w-]/g, '_')}-${++counter}`;
  }
  return ref.current;
}

/**
 * What every field gets.
 */
export interface IFieldProps {
  /**
   * The form key (also `data-smstudio-field`, for tests).
   */
  field: string;
  label: string;
  help?: string;
  error?: string;
  required?: boolean;
}

/**
 * A field's frame: label, input (from `children(id, describedBy)`), help and
 * error.
 */
export function FieldFrame(
  props: IFieldProps & {
    children: (id: string, describedBy: string) => React.ReactNode;
  }
): React.ReactElement {
  const id = useId(props.field);
  const describedBy = [
    props.help ? `${id}-help` : '',
    props.error ? `${id}-error` : ''
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div
      className={
        props.error ? 'smstudio-Field smstudio-mod-invalid' : 'smstudio-Field'
      }
      data-smstudio-field={props.field}
    >
      <label htmlFor={id}>
        {props.label}
        {props.required && <span aria-hidden="true"> *</span>}
      </label>
      <div className="smstudio-Field-input">
        {props.children(id, describedBy)}
        {props.error && (
          <p
            id={`${id}-error`}
            className="smstudio-Field-error"
            role="alert"
            data-smstudio-field-error=""
          >
            {props.error}
          </p>
        )}
        {props.help && (
          <p id={`${id}-help`} className="smstudio-Field-help">
            {props.help}
          </p>
        )}
      </div>
    </div>
  );
}

/**
 * A one-line text or number input.
 */
export function TextField(
  props: IFieldProps & {
    value: string;
    onChange: (value: string) => void;
    type?: 'text' | 'number';
    placeholder?: string;
    min?: number;
    max?: number;
    step?: string;
    /**
     * Values to offer while typing (e.g. the models there are).
     */
    suggestions?: ReadonlyArray<string>;
  }
): React.ReactElement {
  return (
    <FieldFrame {...props}>
      {(id, describedBy) => (
        <>
          <input
            list={props.suggestions ? `${id}-list` : undefined}
            id={id}
            className="jp-mod-styled"
            type={props.type ?? 'text'}
            value={props.value}
            placeholder={props.placeholder}
            min={props.min}
            max={props.max}
            step={props.step}
            required={props.required}
            aria-invalid={!!props.error}
            aria-describedby={describedBy || undefined}
            onChange={event => props.onChange(event.target.value)}
          />
          {props.suggestions && (
            <datalist id={`${id}-list`}>
              {props.suggestions.map(value => (
                <option key={value} value={value} />
              ))}
            </datalist>
          )}
        </>
      )}
    </FieldFrame>
  );
}

/**
 * A list of choices (`[value, label]`).
 */
export function SelectField(
  props: IFieldProps & {
    value: string;
    onChange: (value: string) => void;
    choices: ReadonlyArray<[string, string]>;
  }
): React.ReactElement {
  return (
    <FieldFrame {...props}>
      {(id, describedBy) => (
        <select
          id={id}
          className="jp-mod-styled"
          value={props.value}
          aria-invalid={!!props.error}
          aria-describedby={describedBy || undefined}
          onChange={event => props.onChange(event.target.value)}
        >
          {props.choices.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}

/**
 * What "Browse…" needs.
 */
export interface IBrowseContext {
  contents: Contents.IManager | null;
  trans: TranslationBundle;
}

function BrowseButton(props: {
  browse: IBrowseContext;
  mode: PickMode;
  value: string;
  label: string;
  onChange: (value: string) => void;
}): React.ReactElement | null {
  const { contents, trans } = props.browse;
  if (!contents) {
    return null;
  }
  return (
    <button
      type="button"
      className="jp-mod-styled"
      aria-label={trans.__('Browse for %1', props.label)}
      onClick={() =>
        void pickPath(contents, props.mode, props.value, trans).then(path => {
          if (path !== null) {
            props.onChange(path);
          }
        })
      }
    >
      {trans.__('Browse…')}
    </button>
  );
}

/**
 * A path in the file browser's tree (or an `s3://` URL), with "Browse…".
 */
export function PathField(
  props: IFieldProps & {
    value: string;
    onChange: (value: string) => void;
    mode: PickMode;
    browse: IBrowseContext;
    placeholder?: string;
    /**
     * What a path chosen with "Browse…" does (default: `onChange`).
     */
    onPick?: (path: string) => void;
  }
): React.ReactElement {
  return (
    <FieldFrame {...props}>
      {(id, describedBy) => (
        <span className="smstudio-Field-row">
          <input
            id={id}
            className="jp-mod-styled"
            value={props.value}
            placeholder={props.placeholder}
            required={props.required}
            aria-invalid={!!props.error}
            aria-describedby={describedBy || undefined}
            onChange={event => props.onChange(event.target.value)}
          />
          <BrowseButton
            browse={props.browse}
            mode={props.mode}
            value={props.value}
            label={props.label}
            onChange={props.onPick ?? props.onChange}
          />
        </span>
      )}
    </FieldFrame>
  );
}

/**
 * Key/value rows (hyperparameters, channels, metric definitions, inputs).
 */
export function PairsField(
  props: IFieldProps & {
    value: IPair[];
    onChange: (value: IPair[]) => void;
    keyLabel: string;
    valueLabel: string;
    addLabel: string;
    trans: TranslationBundle;
    /**
     * Values are paths: each row gets "Browse…".
     */
    browse?: IBrowseContext;
    mode?: PickMode;
  }
): React.ReactElement {
  const rows = props.value;
  const set = (index: number, row: IPair): void =>
    props.onChange(rows.map((old, i) => (i === index ? row : old)));
  return (
    <FieldFrame {...props}>
      {(id, describedBy) => (
        <div
          id={id}
          className="smstudio-Pairs"
          role="group"
          aria-describedby={describedBy || undefined}
        >
          {rows.map((row, index) => (
            <span className="smstudio-Field-row" key={index}>
              <input
                className="jp-mod-styled"
                aria-label={`${props.keyLabel} ${index + 1}`}
                placeholder={props.keyLabel}
                value={row.key}
                onChange={event =>
                  set(index, { ...row, key: event.target.value })
                }
              />
              <input
                className="jp-mod-styled"
                aria-label={`${props.valueLabel} ${index + 1}`}
                placeholder={props.valueLabel}
                value={row.value}
                onChange={event =>
                  set(index, { ...row, value: event.target.value })
                }
              />
              {props.browse && (
                <BrowseButton
                  browse={props.browse}
                  mode={props.mode ?? 'file'}
                  value={row.value}
                  label={`${props.valueLabel} ${index + 1}`}
                  onChange={value => set(index, { ...row, value })}
                />
              )}
              <button
                type="button"
                className="jp-mod-styled"
                aria-label={props.trans.__('Remove row %1', index + 1)}
                title={props.trans.__('Remove %1', row.key || props.keyLabel)}
                onClick={() =>
                  props.onChange(rows.filter((_, i) => i !== index))
                }
              >
                ×
              </button>
            </span>
          ))}
          <button
            type="button"
            className="jp-mod-styled smstudio-Pairs-add"
            onClick={() => props.onChange([...rows, { key: '', value: '' }])}
          >
            {props.addLabel}
          </button>
        </div>
      )}
    </FieldFrame>
  );
}

/**
 * A form's frame: title, the fields, the form-wide error and Submit.
 */
export function FormShell(props: {
  title: string;
  intro?: string;
  kind: string;
  errors: IFormErrors;
  busy: boolean;
  submitLabel: string;
  onSubmit: () => void;
  trans: TranslationBundle;
  children: React.ReactNode;
}): React.ReactElement {
  return (
    <form
      className="smstudio-Form"
      data-smstudio-form={props.kind}
      aria-label={props.title}
      noValidate
      onSubmit={event => {
        event.preventDefault();
        props.onSubmit();
      }}
    >
      <h2>{props.title}</h2>
      {props.intro && <p className="smstudio-Form-intro">{props.intro}</p>}
      {props.children}
      {props.errors.form && (
        <p
          className="smstudio-Error-message"
          role="alert"
          data-smstudio-form-error=""
        >
          {props.errors.form}
        </p>
      )}
      <div className="smstudio-Form-actions">
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={props.busy}
        >
          {props.busy ? props.trans.__('Submitting…') : props.submitLabel}
        </button>
      </div>
    </form>
  );
}
