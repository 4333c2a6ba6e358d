import { endpointsSection } from '../endpoints';
import { describeTraffic, formatMs, sampleBody } from '../endpoints/format';
import { trans } from './helpers';

describe('endpoint figures', () => {
  it('formats latencies and traffic', () => {
    expect(formatMs(null)).toBe('–');
    expect(formatMs(3.14159)).toBe('3.14 ms');
    expect(formatMs(42.4)).toBe('42 ms');
    expect(describeTraffic(null)).toBe('no traffic');
    expect(
      describeTraffic({
        window_minutes: 5,
        invocations: 12,
        errors: 2,
        model_errors: 1,
        p50_ms: 2.5,
        p99_ms: 9.75
      })
    ).toBe('12 calls, 2 errors · p50 2.50 ms · p99 9.75 ms');
  });

  it('offers a sample body per content type', () => {
    expect(sampleBody('text/csv')).toContain(',');
    expect(JSON.parse(sampleBody('application/json'))).toHaveLength(1);
  });

  it('lists endpoints with traffic and opens their detail', () => {
    const opened: string[] = [];
    const section = endpointsSection(trans, name => opened.push(name));
    const endpoint = {
      name: 'churn',
      status: 'InService',
      metrics: {
        window_minutes: 5,
        invocations: 3,
        errors: 0,
        model_errors: 0,
        p50_ms: 1,
        p99_ms: 2
      }
    };
    expect(section.describe?.(endpoint)).toBe(
      '3 calls · p50 1.00 ms · p99 2.00 ms'
    );
    section.open?.(endpoint);
    expect(opened).toEqual(['churn']);
  });
});
