/**
 * The `/smstudio/api/idle` report (see `jupyter_smstudio/idle/models.py`).
 */
export interface IPendingShutdown {
  kind: 'kernel' | 'space' | 'server';
  id: string;
  space?: string | null;
  at_ms: number;
  in_seconds: number;
}

/**
 * What the idle report says about the policy.
 */
export interface IIdlePolicy {
  enabled: boolean;
  check_interval_seconds: number;
  warning_minutes: number;
}

/**
 * The parts of the idle report the frontend uses.
 */
export interface IIdleReport {
  policy: IIdlePolicy;
  pending: IPendingShutdown[];
}

/**
 * What the server answers to a keep-alive.
 */
export interface IKeepAliveResult {
  kind: 'kernel' | 'space' | 'server';
  id: string;
  until_ms: number;
}
