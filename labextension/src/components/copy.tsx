import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

/**
 * A button that copies `text` to the clipboard and says so for a moment.
 */
export function CopyButton(props: {
  text: string;
  /**
   * What is copied, for screen readers ("Copy the boto3 snippet").
   */
  label: string;
  trans: TranslationBundle;
}): React.ReactElement {
  const [copied, setCopied] = React.useState(false);
  React.useEffect(() => {
    if (!copied) {
      return;
    }
    const timer = window.setTimeout(() => setCopied(false), 2000);
    return () => window.clearTimeout(timer);
  }, [copied]);
  return (
    <button
      type="button"
      className="jp-mod-styled smstudio-CopyButton"
      aria-label={props.label}
      title={props.label}
      data-smstudio-copy=""
      onClick={() => {
        Clipboard.copyToSystem(props.text);
        setCopied(true);
      }}
    >
      {copied ? props.trans.__('Copied') : props.trans.__('Copy')}
    </button>
  );
}

/**
 * Code with its copy button.
 */
export function CopyableCode(props: {
  code: string;
  label: string;
  id: string;
  trans: TranslationBundle;
}): React.ReactElement {
  return (
    <div className="smstudio-Copyable">
      <CopyButton text={props.code} label={props.label} trans={props.trans} />
      <pre className="smstudio-Copyable-code" data-smstudio-snippet={props.id}>
        {props.code}
      </pre>
    </div>
  );
}

/**
 * A term of a description list and its value as code, with a copy button.
 * `data` marks the code element (e.g. `{ 'data-smstudio-url': 'rest' }`).
 */
export function CopyableTerm(props: {
  term: string;
  text: string;
  label: string;
  data: Record<string, string>;
  trans: TranslationBundle;
}): React.ReactElement {
  return (
    <>
      <dt>{props.term}</dt>
      <dd>
        <code {...props.data}>{props.text}</code>{' '}
        <CopyButton text={props.text} label={props.label} trans={props.trans} />
      </dd>
    </>
  );
}
