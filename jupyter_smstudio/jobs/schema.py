"""The ``training_jobs`` and ``training_metrics`` tables and their migrations.

``training_jobs`` holds every job the one runner runs; ``kind`` tells training
jobs from processing and transform jobs (they share queue, limits and one name space).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Integer, String, Table, Text

from ..store.metadata import metadata
from ..store.migrations import Migration

training_jobs = Table(
    "training_jobs",
    metadata,
    Column("owner", String(255), primary_key=True),
    Column("name", String(63), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("secondary_status", String(32), nullable=False),
    Column("status_message", Text, nullable=False),
    Column("backend", String(16), nullable=False),
    Column("instance_type", String(64), nullable=False),
    Column("instance_count", Integer, nullable=False),
    Column("spec", Text, nullable=False),
    Column("transitions", Text, nullable=False),
    Column("final_metrics", Text, nullable=False),
    Column("failure_reason", Text),
    Column("run", Text),
    Column("metrics_cursor", BigInteger, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("modified_ms", BigInteger, nullable=False),
    Column("started_ms", BigInteger),
    Column("ended_ms", BigInteger),
)

training_metrics = Table(
    "training_metrics",
    metadata,
    Column("owner", String(255), primary_key=True),
    Column("job", String(63), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("timestamp_ms", BigInteger, nullable=False),
    Column("value", Float, nullable=False),
)

MIGRATIONS = (
    Migration(
        "training",
        1,
        "training jobs and their metric time series",
        (
            """
            CREATE TABLE training_jobs (
                owner VARCHAR(255) NOT NULL,
                name VARCHAR(63) NOT NULL,
                status VARCHAR(16) NOT NULL,
                secondary_status VARCHAR(32) NOT NULL,
                status_message TEXT NOT NULL DEFAULT '',
                backend VARCHAR(16) NOT NULL,
                instance_type VARCHAR(64) NOT NULL,
                instance_count INTEGER NOT NULL,
                spec TEXT NOT NULL,
                transitions TEXT NOT NULL,
                final_metrics TEXT NOT NULL DEFAULT '[]',
                failure_reason TEXT,
                run TEXT,
                metrics_cursor BIGINT NOT NULL DEFAULT 0,
                created_ms BIGINT NOT NULL,
                modified_ms BIGINT NOT NULL,
                started_ms BIGINT,
                ended_ms BIGINT,
                PRIMARY KEY (owner, name)
            )
            """,
            "CREATE INDEX ix_training_jobs_owner_created ON training_jobs (owner, created_ms)",
            "CREATE INDEX ix_training_jobs_status ON training_jobs (status)",
            """
            CREATE TABLE training_metrics (
                owner VARCHAR(255) NOT NULL,
                job VARCHAR(63) NOT NULL,
                name VARCHAR(255) NOT NULL,
                seq BIGINT NOT NULL,
                timestamp_ms BIGINT NOT NULL,
                value DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (owner, job, name, seq)
            )
            """,
        ),
    ),
    Migration(
        "training",
        2,
        "processing jobs run by the same runner: a kind per job",
        (
            "ALTER TABLE training_jobs ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'training'",
            "CREATE INDEX ix_training_jobs_owner_kind_created ON training_jobs "
            "(owner, kind, created_ms)",
        ),
    ),
    Migration(
        "training",
        3,
        "batch transform jobs run by the same runner: their rows move here",
        (
            # Every transform whose name no training or processing job has (they now share
            # one name space); the others stay readable in hosting_transform_jobs. The
            # document becomes the spec (the kind describes it as it was). One that ran
            # during the upgrade was followed by the old code only: it ends Failed.
            """
            INSERT INTO training_jobs (
                owner, name, kind, status, secondary_status, status_message, backend,
                instance_type, instance_count, spec, transitions, final_metrics,
                failure_reason, metrics_cursor, created_ms, modified_ms, ended_ms
            )
            SELECT t.owner, t.name, 'transform',
                CASE WHEN RAN THEN 'Failed' ELSE t.status END,
                CASE WHEN RAN THEN 'Failed' ELSE t.status END,
                '', 'local', '', 1, t.doc, '[]', '[]',
                CASE WHEN RAN THEN 'The server was upgraded while this transform ran; '
                    || 'its end was not recorded. Run it again.' ELSE NULL END,
                0, t.created_ms, t.modified_ms,
                CASE WHEN RAN THEN t.modified_ms ELSE NULL END
            FROM hosting_transform_jobs t
            WHERE NOT EXISTS (
                SELECT 1 FROM training_jobs j WHERE j.owner = t.owner AND j.name = t.name
            )
            """.replace("RAN", "t.status IN ('InProgress', 'Stopping')"),
            "DELETE FROM hosting_transform_jobs WHERE EXISTS (SELECT 1 FROM training_jobs j "
            "WHERE j.owner = hosting_transform_jobs.owner "
            "AND j.name = hosting_transform_jobs.name AND j.kind = 'transform')",
        ),
    ),
    Migration(
        "training",
        4,
        "lists sorted by modified (sort_by=modified) read an index, not every job",
        (
            "CREATE INDEX ix_training_jobs_owner_kind_modified ON training_jobs "
            "(owner, kind, modified_ms, name)",
        ),
    ),
)
