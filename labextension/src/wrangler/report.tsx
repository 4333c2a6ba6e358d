/**
 * The insights report view.
 */
import * as React from 'react';

import type { IColumnProfile, IReport, ITargetAnalysis } from '../api';
import { BarChart, formatNumber, Heatmap, Histogram } from './charts';
import { useTrans } from './trans';

/**
 * Human-readable bytes.
 */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

export function ReportView(props: { report: IReport }): React.ReactElement {
  const trans = useTrans();
  const { report } = props;
  const { table } = report;
  return (
    <div className="smstudio-Report" data-smstudio-report="">
      <section className="smstudio-Report-summary">
        <Stat label={trans.__('Rows')} value={formatNumber(table.rows)} />
        <Stat label={trans.__('Columns')} value={formatNumber(table.columns)} />
        <Stat
          label={trans.__('Duplicate rows')}
          value={formatNumber(table.duplicate_rows)}
        />
        <Stat
          label={trans.__('Missing cells')}
          value={formatNumber(table.missing_cells)}
        />
        <Stat
          label={trans.__('Memory')}
          value={formatBytes(table.memory_bytes)}
        />
      </section>
      <p className="smstudio-Report-note">
        {trans.__(
          'Statistics use the full data. Correlations and models use %1.',
          report.sample
        )}
      </p>

      <h3>{trans.__('Alerts (%1)', report.alerts.length)}</h3>
      {report.alerts.length === 0 ? (
        <p className="smstudio-Report-note">{trans.__('No problems found.')}</p>
      ) : (
        <ul className="smstudio-Report-alerts">
          {report.alerts.map((alert, i) => (
            <li
              key={i}
              className="smstudio-Report-alert"
              data-severity={alert.severity}
            >
              <span className="smstudio-Report-alertKind">
                {alert.kind.replace(/_/g, ' ')}
              </span>
              {alert.column && (
                <span className="smstudio-Report-alertColumn">
                  {alert.column}
                </span>
              )}
              <span>{alert.message}</span>
            </li>
          ))}
        </ul>
      )}

      {report.target && <TargetView target={report.target} />}

      <h3>{trans.__('Columns')}</h3>
      <div className="smstudio-Report-columns">
        {report.columns.map(column => (
          <ColumnCard key={column.name} column={column} />
        ))}
      </div>

      {report.correlations.length > 0 && (
        <>
          <h3>{trans.__('Correlations')}</h3>
          <p className="smstudio-Report-note">
            {trans.__(
              "Pearson for numbers, Cramér's V for categories; darker is stronger, the warning colour is negative."
            )}
          </p>
          <Heatmap
            correlations={report.correlations}
            label={trans.__('Correlation heatmap')}
          />
        </>
      )}
    </div>
  );
}

function Stat(props: { label: string; value: string }): React.ReactElement {
  return (
    <div className="smstudio-Report-stat">
      <span className="smstudio-Report-statValue">{props.value}</span>
      <span className="smstudio-Report-statLabel">{props.label}</span>
    </div>
  );
}

function ColumnCard(props: { column: IColumnProfile }): React.ReactElement {
  const trans = useTrans();
  const c = props.column;
  const rows: [string, unknown][] = [
    [trans.__('Type'), c.type],
    [
      trans.__('Missing'),
      `${formatNumber(c.missing)} (${formatNumber(c.missing_pct)}%)`
    ],
    [trans.__('Distinct'), c.distinct]
  ];
  if (c.kind === 'numeric') {
    rows.push(
      [trans.__('Min'), c.min],
      [trans.__('Max'), c.max],
      [trans.__('Mean'), c.mean],
      [trans.__('Std'), c.std],
      [trans.__('Median'), c.quantiles['0.5'] ?? c.quantiles['50%']],
      [trans.__('Outliers'), c.outliers]
    );
  } else if (c.kind === 'temporal') {
    rows.push([trans.__('Min'), c.min], [trans.__('Max'), c.max]);
  } else if (c.mean_length !== undefined && c.mean_length !== null) {
    rows.push([trans.__('Mean length'), c.mean_length]);
  }
  return (
    <div className="smstudio-Report-column" data-column={c.name}>
      <h4>
        {c.name} <span className="smstudio-Report-kind">{c.kind}</span>
      </h4>
      <table className="smstudio-Report-stats">
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th>{label}</th>
              <td>{formatNumber(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {c.histogram.length > 0 ? (
        <Histogram bins={c.histogram} label={`Histogram of ${c.name}`} />
      ) : (
        <BarChart
          label={`Most frequent values of ${c.name}`}
          items={c.top_values.slice(0, 8).map(t => ({
            label: t.value === null ? trans.__('(missing)') : String(t.value),
            value: t.count
          }))}
        />
      )}
    </div>
  );
}

function TargetView(props: { target: ITargetAnalysis }): React.ReactElement {
  const trans = useTrans();
  const t = props.target;
  const model = t.quick_model;
  return (
    <section className="smstudio-Report-target" data-smstudio-target="">
      <h3>{trans.__('Target: %1 (%2)', t.column, t.problem)}</h3>
      {t.error && <p className="smstudio-Wrangler-fieldError">{t.error}</p>}
      <div className="smstudio-Report-columns">
        <div className="smstudio-Report-column">
          <h4>
            {t.problem === 'classification'
              ? trans.__('Class balance')
              : trans.__('Distribution')}
          </h4>
          {t.imbalance_ratio !== null && (
            <p className="smstudio-Report-note">
              {trans.__(
                'Largest class / smallest class: %1',
                formatNumber(t.imbalance_ratio)
              )}
            </p>
          )}
          {t.classes.length > 0 ? (
            <BarChart
              label={trans.__('Class balance')}
              items={t.classes.map(c => ({
                label: String(c.value),
                value: c.count
              }))}
            />
          ) : (
            <Histogram
              bins={t.histogram}
              label={trans.__('Target histogram')}
            />
          )}
        </div>
        {t.feature_power.length > 0 && (
          <div className="smstudio-Report-column">
            <h4>
              {trans.__('How well each column predicts the target alone')}
            </h4>
            <BarChart
              label={trans.__('Feature power')}
              width={260}
              items={t.feature_power.slice(0, 12).map(f => ({
                label: f.leakage ? trans.__('%1 (leak?)', f.column) : f.column,
                value: f.score,
                flag: f.leakage
              }))}
            />
            {t.feature_power.some(f => f.leakage) && (
              <p className="smstudio-Report-note">
                {trans.__(
                  'Marked columns predict the target almost perfectly: check that they are not computed from it.'
                )}
              </p>
            )}
          </div>
        )}
        {model && (
          <div className="smstudio-Report-column" data-smstudio-model="">
            <h4>{trans.__('Quick model: %1', model.model)}</h4>
            <p className="smstudio-Report-note">
              {trans.__(
                'Trained on %1 rows, tested on %2.',
                formatNumber(model.train_rows),
                formatNumber(model.test_rows)
              )}
            </p>
            <table className="smstudio-Report-stats">
              <tbody>
                {Object.entries(model.metrics).map(([name, value]) => (
                  <tr key={name}>
                    <th>{name}</th>
                    <td>{formatNumber(value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <BarChart
              label={trans.__('Feature importance')}
              width={260}
              items={Object.entries(model.feature_importance)
                .sort((a, b) => b[1] - a[1])
                .slice(0, 12)
                .map(([label, value]) => ({ label, value }))}
            />
          </div>
        )}
      </div>
    </section>
  );
}
