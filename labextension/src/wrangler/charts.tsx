/**
 * Simple SVG charts of the insights report (theme colours from CSS classes).
 */
import * as React from 'react';

import type { IBin, ICorrelation } from '../api';

/**
 * Short text for a number.
 */
export function formatNumber(value: unknown): string {
  if (typeof value !== 'number') {
    return value === null || value === undefined ? '–' : String(value);
  }
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value)) {
    return value.toLocaleString();
  }
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 0.001 || abs >= 1e6)) {
    return value.toExponential(2);
  }
  return value.toLocaleString(undefined, { maximumFractionDigits: 3 });
}

/**
 * Bar heights (0–1) for counts.
 */
export function scaleCounts(counts: number[]): number[] {
  const max = Math.max(0, ...counts);
  return counts.map(count => (max > 0 ? count / max : 0));
}

/**
 * A histogram of a numeric column.
 */
export function Histogram(props: {
  bins: IBin[];
  label: string;
  width?: number;
  height?: number;
}): React.ReactElement | null {
  const { bins, label } = props;
  const width = props.width ?? 220;
  const height = props.height ?? 64;
  if (bins.length === 0) {
    return null;
  }
  const heights = scaleCounts(bins.map(b => b.count));
  const barWidth = width / bins.length;
  return (
    <figure className="smstudio-Chart">
      <svg
        width={width}
        height={height + 14}
        role="img"
        aria-label={label}
        className="smstudio-Chart-svg"
      >
        {bins.map((bin, i) => {
          const h = Math.max(heights[i] * height, bin.count > 0 ? 1 : 0);
          return (
            <rect
              key={i}
              className="smstudio-Chart-bar"
              x={i * barWidth + 0.5}
              y={height - h}
              width={Math.max(barWidth - 1, 1)}
              height={h}
            >
              <title>{`${formatNumber(bin.start)} – ${formatNumber(bin.end)}: ${bin.count}`}</title>
            </rect>
          );
        })}
        <text x={0} y={height + 12} className="smstudio-Chart-axis">
          {formatNumber(bins[0].start)}
        </text>
        <text
          x={width}
          y={height + 12}
          textAnchor="end"
          className="smstudio-Chart-axis"
        >
          {formatNumber(bins[bins.length - 1].end)}
        </text>
      </svg>
    </figure>
  );
}

/**
 * Horizontal bars: top values, class balance, feature power.
 */
export function BarChart(props: {
  items: { label: string; value: number; flag?: boolean }[];
  label: string;
  width?: number;
  format?: (value: number) => string;
}): React.ReactElement | null {
  const { items, label } = props;
  const width = props.width ?? 220;
  const format = props.format ?? formatNumber;
  if (items.length === 0) {
    return null;
  }
  const rowHeight = 16;
  const labelWidth = Math.round(width * 0.4);
  const barSpace = width - labelWidth - 44;
  const scaled = scaleCounts(items.map(item => Math.abs(item.value)));
  return (
    <figure className="smstudio-Chart">
      <svg
        width={width}
        height={items.length * rowHeight}
        role="img"
        aria-label={label}
        className="smstudio-Chart-svg"
      >
        {items.map((item, i) => (
          <g key={i} transform={`translate(0, ${i * rowHeight})`}>
            <text x={0} y={12} className="smstudio-Chart-label">
              {truncate(item.label, 16)}
              <title>{item.label}</title>
            </text>
            <rect
              className={
                item.flag
                  ? 'smstudio-Chart-bar is-flagged'
                  : 'smstudio-Chart-bar'
              }
              x={labelWidth}
              y={3}
              width={Math.max(scaled[i] * barSpace, 1)}
              height={rowHeight - 6}
            />
            <text
              x={labelWidth + scaled[i] * barSpace + 4}
              y={12}
              className="smstudio-Chart-value"
            >
              {format(item.value)}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

function truncate(text: string, length: number): string {
  return text.length > length ? text.slice(0, length - 1) + '…' : text;
}

/**
 * The correlation matrix of the columns that appear in `correlations`.
 */
export function correlationMatrix(correlations: ICorrelation[]): {
  names: string[];
  values: Map<string, number>;
} {
  const names: string[] = [];
  const values = new Map<string, number>();
  for (const c of correlations) {
    for (const name of [c.a, c.b]) {
      if (!names.includes(name)) {
        names.push(name);
      }
    }
    values.set(`${c.a}\u0000${c.b}`, c.value);
    values.set(`${c.b}\u0000${c.a}`, c.value);
  }
  return { names, values };
}

/**
 * A correlation heatmap: a grid of squares, stronger is more opaque.
 */
export function Heatmap(props: {
  correlations: ICorrelation[];
  label: string;
}): React.ReactElement | null {
  const { names, values } = correlationMatrix(props.correlations);
  if (names.length === 0) {
    return null;
  }
  const cell = 22;
  const margin = 90;
  const size = margin + names.length * cell;
  return (
    <figure className="smstudio-Chart smstudio-Heatmap">
      <svg
        width={size + 60}
        height={size}
        role="img"
        aria-label={props.label}
        className="smstudio-Chart-svg"
      >
        {names.map((name, i) => (
          <text
            key={`row-${name}`}
            x={margin - 4}
            y={margin + i * cell + 15}
            textAnchor="end"
            className="smstudio-Chart-label"
          >
            {truncate(name, 12)}
          </text>
        ))}
        {names.map((name, j) => (
          <text
            key={`col-${name}`}
            transform={`translate(${margin + j * cell + 15}, ${margin - 4}) rotate(-60)`}
            className="smstudio-Chart-label"
          >
            {truncate(name, 12)}
          </text>
        ))}
        {names.map((a, i) =>
          names.map((b, j) => {
            const value = i === j ? 1 : values.get(`${a}\u0000${b}`);
            return (
              <rect
                key={`${i}-${j}`}
                x={margin + j * cell}
                y={margin + i * cell}
                width={cell - 2}
                height={cell - 2}
                className={
                  value === undefined
                    ? 'smstudio-Heatmap-empty'
                    : value < 0
                      ? 'smstudio-Heatmap-negative'
                      : 'smstudio-Heatmap-positive'
                }
                fillOpacity={
                  value === undefined ? 1 : 0.15 + 0.85 * Math.abs(value)
                }
              >
                <title>
                  {value === undefined
                    ? `${a} / ${b}: not computed`
                    : `${a} / ${b}: ${value.toFixed(2)}`}
                </title>
              </rect>
            );
          })
        )}
      </svg>
    </figure>
  );
}
