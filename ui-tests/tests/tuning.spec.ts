import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

/**
 * Screenshots a person can look at (git-ignored).
 */
const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');

/**
 * A tuning job from a cell: the loss is (alpha - 0.3)^2, so the best trial is
 * the one whose alpha is nearest 0.3.
 */
const SCRIPT = [
  '%%tune --name galata-tune --objective loss --metric loss=loss=([0-9.]+) ' +
    '--range alpha=0.0:1.0 --max-jobs 3 --parallel 1 --strategy Random',
  'import argparse',
  'parser = argparse.ArgumentParser()',
  "parser.add_argument('--alpha', type=float)",
  'args, _ = parser.parse_known_args()',
  "print(f'loss={(args.alpha - 0.3) ** 2:.6f}', flush=True)"
].join('\n');

test.describe('Tuning jobs', () => {
  test.setTimeout(240_000);

  test('a %%tune cell makes a tuning job whose page shows its trials', async ({
    page
  }) => {
    await page.notebook.createNew('tune.ipynb');
    await page.notebook.setCell(0, 'code', '%load_ext jupyter_smstudio');
    await page.notebook.runCell(0, true);
    await page.notebook.addCell('code', SCRIPT);
    await page.notebook.runCell(1, true);
    const output = page.locator('.jp-Cell').nth(1).locator('.jp-OutputArea');
    await expect(output).toContainText('Completed', { timeout: 180_000 });

    // The sidebar's Tuning jobs section lists it; it opens the tuning page.
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('smstudio:open-tuning-job', {
        name: 'galata-tune'
      })
    );
    const detail = page.locator('[data-smstudio-job="galata-tune"]');
    await expect(detail).toBeVisible();
    const rows = detail.locator('[data-smstudio-trial]');
    await expect(rows).toHaveCount(3);
    await expect(detail.locator('[data-smstudio-best-line]')).toHaveCount(1);
    await expect(detail.locator('[data-smstudio-axis="alpha"]')).toHaveCount(1);
    const best = detail.locator('[data-smstudio-best]');
    await expect(best).toBeVisible();
    await expect(best.locator('[data-smstudio-action="deploy"]')).toBeEnabled();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'tuning-job.png') });

    // A trial's row opens its training job.
    const trial = await rows.first().getAttribute('data-smstudio-trial');
    await rows.first().press('Enter');
    await expect(
      page.locator(`[data-smstudio-job="${trial}"][data-smstudio-job-kind="training"]`)
    ).toBeVisible();
  });
});
