import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import * as path from 'path';

/**
 * Screenshots a person can look at (git-ignored).
 */
const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');
const NAME = 'calltest';

const TRAIN_AND_DEPLOY = [
  'import joblib, tarfile',
  'from sklearn.datasets import load_iris',
  'from sklearn.ensemble import RandomForestClassifier',
  'X, y = load_iris(return_X_y=True)',
  'joblib.dump(RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y), "model.joblib")',
  'archive = tarfile.open("model.tar.gz", "w:gz")',
  'archive.add("model.joblib")',
  'archive.close()',
  'from jupyter_smstudio.sdk.model import Model',
  `predictor = Model(model_data="model.tar.gz", instance_type="local").deploy(endpoint_name="${NAME}", workers=1)`,
  'print("deployed", predictor.predict([[5.1, 3.5, 1.4, 0.2]]))'
].join('\n');

async function screenshots(
  page: IJupyterLabPageFixture,
  name: string
): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-light.png`) });
  await page.theme.setDarkTheme();
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-dark.png`) });
  await page.theme.setLightTheme();
}

test.describe('Calling an endpoint from the UI', () => {
  test.setTimeout(300_000);

  // Model servers outlive the Jupyter server by design: never leave one behind.
  test.afterEach(async ({ request }) => {
    await request.delete(`/smstudio/api/endpoints/${NAME}`);
  });

  test('copy the boto3 snippet, run it, create a key, reload, delete', async ({
    page,
    request
  }) => {
    // Deploy from a notebook; the Lab tells when the endpoint is in service.
    // Not the default "idle test" kernel, culled after 20 s of quiet.
    await page.notebook.createNew('call.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', TRAIN_AND_DEPLOY);
    await page.notebook.runCell(0);
    await expect(page.locator('.jp-OutputArea-output').last()).toContainText(
      'deployed [0]',
      { timeout: 120_000 }
    );
    const toast = page.getByText(`Endpoint ${NAME} is in service.`);
    await expect(toast.first()).toBeVisible({ timeout: 30_000 });

    // The notification's Open button opens the endpoint's page.
    await page
      .locator('.Toastify__toast')
      .filter({ hasText: `Endpoint ${NAME}` })
      .getByRole('button', { name: 'Open' })
      .click();
    const detail = page.locator(`[data-smstudio-endpoint="${NAME}"]`);
    await expect(detail).toBeVisible();

    // How to call it: URL and snippets with the endpoint's name and type.
    const call = detail.locator('[data-smstudio-call]');
    await expect(call.locator('[data-smstudio-url="runtime"]')).toContainText(
      `/smstudio/runtime/endpoints/${NAME}/invocations`
    );
    const tabs = call.getByRole('tab');
    await expect(tabs).toHaveText(['boto3', 'SageMaker SDK', 'curl']);
    await expect(tabs.first()).toHaveAttribute('aria-selected', 'true');
    const snippet = call.locator('[data-smstudio-snippet="boto3"]');
    await expect(snippet).toContainText(`EndpointName="${NAME}"`);
    await expect(snippet).toContainText('ContentType="text/csv"');
    await call.getByRole('button', { name: 'Copy the boto3 snippet' }).click();
    await expect(
      call.getByRole('button', { name: 'Copy the boto3 snippet' })
    ).toHaveText('Copied');
    const code = (await snippet.textContent()) ?? '';

    // Arrow keys move between the snippets.
    await tabs.first().focus();
    await page.keyboard.press('ArrowRight');
    await expect(tabs.nth(1)).toHaveAttribute('aria-selected', 'true');
    await expect(call.locator('[data-smstudio-snippet="sdk"]')).toContainText(
      'serializer=CSVSerializer()'
    );
    await screenshots(page, 'endpoint-call');

    // The copied boto3 code runs as it is in a notebook kernel (pasted as a
    // new cell: typing it would trip the editor's auto-indent and brackets).
    await page.getByRole('tab', { name: 'call.ipynb' }).click();
    await page.evaluate(async source => {
      const panel = window.jupyterapp.shell.currentWidget as any;
      const notebook = panel.content;
      const index = notebook.model.sharedModel.cells.length;
      notebook.model.sharedModel.insertCell(index, {
        cell_type: 'code',
        source
      });
      notebook.activeCellIndex = index;
      await window.jupyterapp.commands.execute('notebook:run-cell');
    }, code);
    await expect(page.locator('.jp-OutputArea-output').last()).toHaveText(
      /^\s*\[0\]\s*$/,
      { timeout: 60_000 }
    );

    // The access keys page opens from its command (restored below too).
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('smstudio:open-access-keys')
    );
    await expect(page.getByRole('tab', { name: 'Access keys' })).toBeVisible();

    // Create an access key: the secret is shown once.
    await page.getByRole('tab', { name: `Endpoint ${NAME}` }).click();
    await detail.locator('[data-smstudio-create-key]').click();
    const ask = page.locator('.jp-Dialog');
    await ask.locator('input').fill('galata');
    await ask.getByRole('button', { name: 'Create' }).click();
    const secret = page.locator('.jp-Dialog [data-smstudio-key-secret]');
    await expect(secret).not.toBeEmpty();
    await expect(page.locator('.jp-Dialog')).toContainText(
      'you won’t see it again'
    );
    await screenshots(page, 'access-key-created');
    const keyId =
      (await page.locator('.jp-Dialog [data-smstudio-key-id]').textContent()) ??
      '';
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await expect(
      detail.locator(`[data-smstudio-key="${keyId}"]`)
    ).toContainText('galata');

    // Traffic over time counts the calls.
    await detail.locator('[data-smstudio-range="24h"]').click();
    await expect(
      detail.locator('[data-smstudio-traffic-summary]')
    ).toContainText('in the last 24 hours');
    await expect(
      detail.locator('[data-smstudio-traffic-summary]')
    ).not.toContainText('0 calls,');
    await screenshots(page, 'endpoint-page');

    // A reload brings the SM Studio tabs back.
    // Not waiting for the Launcher: the restored layout has SM Studio's tabs.
    await page.reload({ waitForIsReady: false });
    await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
    await expect(
      page.getByRole('tab', { name: `Endpoint ${NAME}` })
    ).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('tab', { name: 'Access keys' })).toBeVisible();
    await page.getByRole('tab', { name: `Endpoint ${NAME}` }).click();
    await expect(detail).toBeVisible();

    // Delete asks first; Cancel keeps the endpoint.
    await detail.locator('[data-smstudio-delete]').click();
    const confirm = page.locator('.jp-Dialog');
    await expect(confirm).toContainText(`Delete endpoint ${NAME}?`);
    await screenshots(page, 'endpoint-delete-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(detail).toBeVisible();
    await detail.locator('[data-smstudio-delete]').click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Delete endpoint' })
      .click();
    await expect(detail).toHaveCount(0);
    const gone = await request.get(`/smstudio/api/endpoints/${NAME}`);
    expect(gone.status()).toBe(404);
    await request.delete(`/smstudio/api/access-keys/${keyId}`);
  });
});
