/**
 * Access keys in the Lab: create one (its secret is shown once), list them,
 * delete one after a confirmation. Keys sign calls to the SigV4 runtime route
 * (boto3, the SageMaker SDK) from outside Jupyter.
 */
import {
  Dialog,
  InputDialog,
  MainAreaWidget,
  ReactWidget,
  showDialog
} from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { createAccessKey, deleteAccessKey, listAccessKeys } from '../api';
import type { IAccessKey, INewAccessKey } from '../api';
import { CopyableTerm } from '../components/copy';

/**
 * The body of the "key created" dialog: id and secret with copy buttons, and
 * a plain warning that the secret is never shown again.
 */
export function NewKeyBody(props: {
  created: INewAccessKey;
  trans: TranslationBundle;
}): React.ReactElement {
  const { created, trans } = props;
  return (
    <div className="smstudio-NewKey" data-smstudio-new-key="">
      <p className="smstudio-NewKey-warning" role="alert">
        {trans.__(
          'Copy the secret now: you won’t see it again. If you lose it, delete this key and create another.'
        )}
      </p>
      <dl>
        <CopyableTerm
          term={trans.__('Access key id')}
          text={created.access_key_id}
          label={trans.__('Copy the access key id')}
          data={{ 'data-smstudio-key-id': '' }}
          trans={trans}
        />
        <CopyableTerm
          term={trans.__('Secret access key')}
          text={created.secret_access_key}
          label={trans.__('Copy the secret access key')}
          data={{ 'data-smstudio-key-secret': '' }}
          trans={trans}
        />
      </dl>
      <p>
        {trans.__(
          'Use them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY with boto3 or the SageMaker SDK.'
        )}
      </p>
    </div>
  );
}

/**
 * Ask for a description, create the key and show its secret once.
 *
 * @returns The new key, or null when the user cancelled.
 */
export async function createKeyWithDialog(
  trans: TranslationBundle
): Promise<INewAccessKey | null> {
  const answer = await InputDialog.getText({
    title: trans.__('Create an access key'),
    label: trans.__('What is it for? (shown in the list)'),
    placeholder: trans.__('e.g. my laptop'),
    okLabel: trans.__('Create')
  });
  if (!answer.button.accept) {
    return null;
  }
  const created = await createAccessKey(
    (answer.value ?? '').trim() || trans.__('Created in the Lab')
  );
  await showDialog({
    title: trans.__('Access key created'),
    body: <NewKeyBody created={created} trans={trans} />,
    buttons: [Dialog.okButton({ label: trans.__('I have copied it') })]
  });
  return created;
}

/**
 * Ask before deleting a key: programs using it stop working.
 */
export async function confirmDeleteKey(
  key: IAccessKey,
  trans: TranslationBundle
): Promise<boolean> {
  const result = await showDialog({
    title: trans.__('Delete access key %1?', key.access_key_id),
    body: trans.__(
      'Programs that sign their calls with this key (“%1”) will be refused.',
      key.description
    ),
    buttons: [
      Dialog.cancelButton(),
      Dialog.warnButton({ label: trans.__('Delete') })
    ]
  });
  return result.button.accept;
}

function when(ms: number | null | undefined): string {
  return ms ? new Date(ms).toLocaleString() : '–';
}

/**
 * The list of the user's access keys, with Create and Delete.
 */
export function AccessKeys(props: {
  trans: TranslationBundle;
}): React.ReactElement {
  const { trans } = props;
  const [keys, setKeys] = React.useState<IAccessKey[] | null>(null);
  const [error, setError] = React.useState('');
  const reload = React.useCallback(async () => {
    try {
      setKeys(await listAccessKeys({ poll: true }));
      setError('');
    } catch (e) {
      setError(String(e));
    }
  }, []);
  React.useEffect(() => {
    void reload();
  }, [reload]);
  const run = (action: () => Promise<unknown>): void => {
    action()
      .then(() => reload())
      .catch(e => setError(String(e)));
  };
  return (
    <section
      className="smstudio-AccessKeys"
      aria-labelledby="smstudio-access-keys-title"
      data-smstudio-access-keys=""
    >
      <h3 id="smstudio-access-keys-title">{trans.__('Access keys')}</h3>
      <p className="smstudio-Hint">
        {trans.__(
          'Programs outside Jupyter sign their calls with an access key (SigV4), as with AWS.'
        )}
      </p>
      <button
        type="button"
        className="jp-mod-styled jp-mod-accept"
        data-smstudio-create-key=""
        onClick={() => run(() => createKeyWithDialog(trans))}
      >
        {trans.__('Create access key')}
      </button>
      {error && (
        <p className="smstudio-Error-message" role="alert">
          {error}
        </p>
      )}
      {keys && keys.length === 0 && <p>{trans.__('No access keys yet.')}</p>}
      {keys && keys.length > 0 && (
        <table className="smstudio-AccessKeys-table">
          <thead>
            <tr>
              <th scope="col">{trans.__('Key id')}</th>
              <th scope="col">{trans.__('Description')}</th>
              <th scope="col">{trans.__('Created')}</th>
              <th scope="col">{trans.__('Last used')}</th>
              <th scope="col">
                <span className="smstudio-VisuallyHidden">
                  {trans.__('Actions')}
                </span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map(key => (
              <tr key={key.access_key_id} data-smstudio-key={key.access_key_id}>
                <td>
                  <code>{key.access_key_id}</code>
                </td>
                <td>{key.description}</td>
                <td>{when(key.created_ms)}</td>
                <td>{when(key.last_used_ms)}</td>
                <td>
                  <button
                    type="button"
                    className="jp-mod-styled jp-mod-warn"
                    aria-label={trans.__(
                      'Delete access key %1',
                      key.access_key_id
                    )}
                    onClick={() =>
                      run(async () => {
                        if (await confirmDeleteKey(key, trans)) {
                          await deleteAccessKey(key.access_key_id);
                        }
                      })
                    }
                  >
                    {trans.__('Delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/**
 * The id of the access keys page in the main area.
 */
export const KEYS_WIDGET_ID = 'smstudio-access-keys';

/**
 * The access keys page for the main area.
 */
export function createKeysPage(
  trans: TranslationBundle
): MainAreaWidget<ReactWidget> {
  const widget = new MainAreaWidget({
    content: ReactWidget.create(<AccessKeys trans={trans} />)
  });
  widget.id = KEYS_WIDGET_ID;
  widget.title.label = trans.__('Access keys');
  widget.title.closable = true;
  widget.content.addClass('smstudio-Page');
  return widget;
}
