"""Users' S3 buckets on a real engine (embedded SeaweedFS or an external S3)."""
