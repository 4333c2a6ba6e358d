import { ActivityReporter } from '../idle/activity';
import { affects, saveAffected } from '../idle/documents';

describe('ActivityReporter', () => {
  it('sends at most one ping per interval, only on user events', async () => {
    let now = 1_000_000;
    const sent: Array<string | null> = [];
    const reporter = new ActivityReporter({
      send: async kernelId => {
        sent.push(kernelId);
      },
      kernelId: () => 'k1',
      minIntervalMs: 60_000,
      now: () => now
    });
    const target = new EventTarget();
    reporter.attach(target);
    target.dispatchEvent(new Event('keydown'));
    target.dispatchEvent(new Event('pointerdown'));
    now += 30_000;
    target.dispatchEvent(new Event('keydown'));
    expect(sent).toEqual(['k1']);
    now += 31_000;
    target.dispatchEvent(new Event('pointerdown'));
    expect(sent).toEqual(['k1', 'k1']);
    reporter.dispose();
    now += 120_000;
    target.dispatchEvent(new Event('keydown'));
    expect(sent).toHaveLength(2);
  });
});

function doc(
  path: string,
  dirty: boolean,
  kernel?: { id: string; name: string }
) {
  const saved: string[] = [];
  return {
    saved,
    context: {
      path,
      model: { dirty },
      save: async () => {
        saved.push(path);
      },
      sessionContext: { session: kernel ? { kernel } : null }
    }
  };
}

describe('saveAffected', () => {
  it('saves the dirty documents of the kernel or space being stopped', async () => {
    const a = doc('a.ipynb', true, { id: 'k1', name: 'smstudio-lab' });
    const b = doc('b.ipynb', true, { id: 'k2', name: 'python3' });
    const c = doc('c.ipynb', false, { id: 'k1', name: 'smstudio-lab' });
    const widgets = [a, b, c].map(d => ({ context: d.context }));

    expect(affects({ kind: 'kernel', id: 'k1' }, a.context)).toBe(true);
    expect(affects({ kind: 'space', id: 'lab' }, b.context)).toBe(false);

    expect(await saveAffected({ kind: 'kernel', id: 'k1' }, widgets)).toEqual([
      'a.ipynb'
    ]);
    expect(await saveAffected({ kind: 'space', id: 'lab' }, widgets)).toEqual([
      'a.ipynb'
    ]);
    expect(
      await saveAffected({ kind: 'server', id: 'server' }, widgets)
    ).toEqual(['a.ipynb', 'b.ipynb']);
    expect(c.saved).toEqual([]);
  });
});
