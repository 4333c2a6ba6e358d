import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

/**
 * Screenshots a person can look at (git-ignored).
 */
const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');

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
  'predictor = Model(model_data="model.tar.gz", instance_type="local").deploy(endpoint_name="iris", workers=1)',
  'print("deployed", predictor.predict([[5.1, 3.5, 1.4, 0.2]]))'
].join('\n');

test.describe('Endpoints', () => {
  test.setTimeout(180_000);

  // Model servers outlive the Jupyter server by design: never leave one behind.
  test.afterEach(async ({ request }) => {
    await request.delete('/smstudio/api/endpoints/iris');
  });

  test('deploy a trained model, invoke it from the console, delete it', async ({
    page
  }) => {
    // Train and deploy from a notebook, as a user would.
    await page.notebook.createNew('deploy.ipynb');
    await page.notebook.setCell(0, 'code', TRAIN_AND_DEPLOY);
    await page.notebook.runCell(0);
    await expect(page.locator('.jp-OutputArea-output').last()).toContainText(
      'deployed [0]',
      { timeout: 120_000 }
    );

    await page.sidebar.openTab('smstudio-sidebar');
    const item = page.locator(
      '[data-smstudio-section="endpoints"] [data-smstudio-item="iris"]'
    );
    await page.getByTitle('Refresh Endpoints').click();
    await expect(item).toBeVisible({ timeout: 30_000 });
    await expect(item.locator('.smstudio-Item-status')).toHaveText(
      'InService',
      { timeout: 30_000 }
    );
    await item.click();

    const detail = page.locator('[data-smstudio-endpoint="iris"]');
    await expect(detail).toBeVisible();
    await detail
      .locator('[data-smstudio-body]')
      .fill('5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3');
    await detail.locator('[data-smstudio-invoke]').click();
    const result = detail.locator('[data-smstudio-result]');
    await expect(result.locator('[data-smstudio-response]')).toHaveText(
      '[0, 2]'
    );
    await expect(result).toContainText('OK 200');
    await expect(result).toContainText('ms round trip');
    await expect(detail.locator('[data-smstudio-logs]')).toContainText(
      'Model server ready'
    );
    await expect(detail.locator('[data-smstudio-invocations]')).not.toHaveText(
      '0',
      { timeout: 10_000 }
    );
    await detail.screenshot({ path: path.join(SCREENSHOTS, 'endpoint.png') });

    // Bad input is a 400 with the parse error; the endpoint keeps serving.
    await detail.locator('[data-smstudio-body]').fill('5.1,abc,1.4,0.2');
    await detail.locator('[data-smstudio-invoke]').click();
    await expect(result).toContainText('Error 400');
    await expect(result.locator('[data-smstudio-response]')).toContainText(
      'is not a number'
    );
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'endpoint-error.png')
    });

    await detail.locator('[data-smstudio-delete]').click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Delete endpoint' })
      .click();
    await expect(detail).toHaveCount(0);
    await expect(item).toHaveCount(0, { timeout: 30_000 });
  });
});
