/**
 * An endpoint's invocations and latency over the last hour or day: small SVG
 * charts with axes, labels and units (theme colours only).
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { getEndpointMetrics } from '../api';
import type { IMetricsPoint, IMetricsSeries, MetricsRange } from '../api';
import { usePolling } from './poll';

const W = 560;
const H = 150;
const PAD = { left: 48, right: 12, top: 10, bottom: 26 };

const POLL_MS = 10_000;

/**
 * A "round" top of the y axis at or above `max` (1, 2, 5 × 10^n).
 */
export function niceMax(max: number): number {
  if (!(max > 0)) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= max) {
      return step * power;
    }
  }
  return 10 * power;
}

function timeLabel(ms: number, range: MetricsRange): string {
  const date = new Date(ms);
  return range === '1h'
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString([], {
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit'
      });
}

interface ISeriesLine {
  label: string;
  colour: string;
  values: (number | null)[];
  kind: 'bar' | 'line';
}

/**
 * One chart: a y axis in `unit`, time on the x axis, bars or lines.
 */
function Chart(props: {
  title: string;
  unit: string;
  points: IMetricsPoint[];
  range: MetricsRange;
  series: ISeriesLine[];
}): React.ReactElement {
  const { points, series } = props;
  const n = Math.max(points.length, 1);
  const values = series.flatMap(s =>
    s.values.filter((v): v is number => v !== null)
  );
  const top = niceMax(Math.max(0, ...values));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number): number => PAD.left + (i + 0.5) * (plotW / n);
  const y = (v: number): number => PAD.top + plotH - (v / top) * plotH;
  const ticks = [0, top / 2, top];
  const labelled = [0, Math.floor((n - 1) / 2), n - 1];
  return (
    <figure className="smstudio-Chart">
      <figcaption>
        {props.title}{' '}
        <span className="smstudio-Chart-legend">
          {series.map(s => (
            <span key={s.label} style={{ color: s.colour }}>
              ■ {s.label}{' '}
            </span>
          ))}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={props.title}
        className="smstudio-Chart-svg"
      >
        {ticks.map(t => (
          <g key={t}>
            <line
              x1={PAD.left}
              x2={W - PAD.right}
              y1={y(t)}
              y2={y(t)}
              className="smstudio-Chart-grid"
            />
            <text
              x={PAD.left - 4}
              y={y(t) + 4}
              textAnchor="end"
              className="smstudio-Chart-tick"
            >
              {Number.isInteger(t) ? t : t.toFixed(1)}
            </text>
          </g>
        ))}
        <text
          x={10}
          y={PAD.top + plotH / 2}
          className="smstudio-Chart-tick"
          textAnchor="middle"
          transform={`rotate(-90 10 ${PAD.top + plotH / 2})`}
        >
          {props.unit}
        </text>
        {points.length > 0 &&
          labelled.map(i => (
            <text
              key={i}
              x={x(i)}
              y={H - 8}
              textAnchor={i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle'}
              className="smstudio-Chart-tick"
            >
              {timeLabel(points[i].start_ms, props.range)}
            </text>
          ))}
        {series.map(s =>
          s.kind === 'bar' ? (
            <g key={s.label} fill={s.colour}>
              {s.values.map((v, i) =>
                v ? (
                  <rect
                    key={i}
                    x={x(i) - (plotW / n) * 0.4}
                    width={(plotW / n) * 0.8}
                    y={y(v)}
                    height={PAD.top + plotH - y(v)}
                  >
                    <title>
                      {`${timeLabel(points[i].start_ms, props.range)}: ${v} ${props.unit}`}
                    </title>
                  </rect>
                ) : null
              )}
            </g>
          ) : (
            <polyline
              key={s.label}
              fill="none"
              stroke={s.colour}
              strokeWidth={2}
              points={s.values
                .map((v, i) => (v === null ? null : `${x(i)},${y(v)}`))
                .filter(p => p !== null)
                .join(' ')}
            />
          )
        )}
      </svg>
    </figure>
  );
}

/**
 * The traffic charts with their 1 h / 24 h selector.
 */
export function TrafficCharts(props: {
  name: string;
  trans: TranslationBundle;
}): React.ReactElement {
  const { name, trans } = props;
  const [range, setRange] = React.useState<MetricsRange>('1h');
  const [data, setData] = React.useState<IMetricsSeries | null>(null);
  const [error, setError] = React.useState('');
  usePolling(
    async live => {
      try {
        const series = await getEndpointMetrics(name, range, { poll: true });
        if (live()) {
          setData(series);
          setError('');
        }
      } catch (e) {
        if (live()) {
          setError(String(e));
        }
      }
    },
    POLL_MS,
    [name, range]
  );
  const points = data?.points ?? [];
  const calls = points.reduce((sum, p) => sum + p.invocations, 0);
  const errors = points.reduce((sum, p) => sum + p.errors, 0);
  const step = (data?.step_seconds ?? 60) / 60;
  const line = (
    label: string,
    colour: string,
    value: (p: IMetricsPoint) => number | null,
    kind: ISeriesLine['kind']
  ): ISeriesLine => ({
    label,
    colour,
    values: points.map(value),
    kind
  });
  const ranges: [MetricsRange, string][] = [
    ['1h', trans.__('1 h')],
    ['24h', trans.__('24 h')]
  ];
  return (
    <section className="smstudio-EndpointCharts" data-smstudio-charts="">
      <h3>{trans.__('Traffic over time')}</h3>
      <div
        role="group"
        aria-label={trans.__('Time range')}
        className="smstudio-Segmented"
      >
        {ranges.map(([value, label]) => (
          <button
            key={value}
            type="button"
            className={
              value === range ? 'jp-mod-styled jp-mod-accept' : 'jp-mod-styled'
            }
            aria-pressed={value === range}
            data-smstudio-range={value}
            onClick={() => setRange(value)}
          >
            {label}
          </button>
        ))}
      </div>
      <p className="smstudio-Hint" data-smstudio-traffic-summary="">
        {range === '1h'
          ? trans.__('%1 calls, %2 errors in the last hour', calls, errors)
          : trans.__('%1 calls, %2 errors in the last 24 hours', calls, errors)}
        {' · '}
        {trans.__('one point every %1 min', step)}
      </p>
      {error && <p className="smstudio-Error-message">{error}</p>}
      <Chart
        title={trans.__('Invocations per %1 min', step)}
        unit={trans.__('calls')}
        points={points}
        range={range}
        series={[
          line(
            trans.__('calls'),
            'var(--jp-brand-color1)',
            p => p.invocations,
            'bar'
          ),
          line(
            trans.__('errors'),
            'var(--jp-error-color1)',
            p => p.errors,
            'bar'
          )
        ]}
      />
      <Chart
        title={trans.__('Latency')}
        unit={trans.__('ms')}
        points={points}
        range={range}
        series={[
          line(
            trans.__('mean'),
            'var(--jp-brand-color1)',
            p => p.mean_ms,
            'line'
          ),
          line(trans.__('p99'), 'var(--jp-warn-color1)', p => p.p99_ms, 'line')
        ]}
      />
    </section>
  );
}
