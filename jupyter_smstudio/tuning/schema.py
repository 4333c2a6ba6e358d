"""The ``tuning_jobs`` table and its migrations.

A tuning job's trials are training jobs (``training_jobs``) and trials of its Optuna
study (Optuna's own storage); this row holds the request and the tuning job's state.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table, Text

from ..store.metadata import metadata
from ..store.migrations import Migration

tuning_jobs = Table(
    "tuning_jobs",
    metadata,
    Column("owner", String(255), primary_key=True),
    Column("name", String(63), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("strategy", String(16), nullable=False),
    Column("spec", Text, nullable=False),
    Column("failure_reason", Text),
    Column("created_ms", BigInteger, nullable=False),
    Column("modified_ms", BigInteger, nullable=False),
    Column("ended_ms", BigInteger),
)

MIGRATIONS = (
    Migration(
        "tuning",
        1,
        "hyperparameter tuning jobs",
        (
            """
            CREATE TABLE tuning_jobs (
                owner VARCHAR(255) NOT NULL,
                name VARCHAR(63) NOT NULL,
                status VARCHAR(16) NOT NULL,
                strategy VARCHAR(16) NOT NULL,
                spec TEXT NOT NULL,
                failure_reason TEXT,
                created_ms BIGINT NOT NULL,
                modified_ms BIGINT NOT NULL,
                ended_ms BIGINT,
                PRIMARY KEY (owner, name)
            )
            """,
            "CREATE INDEX ix_tuning_jobs_created ON tuning_jobs (created_ms)",
            "CREATE INDEX ix_tuning_jobs_status ON tuning_jobs (status)",
        ),
    ),
)
