"""Records of a batch transform: split, filter, pack into requests, join, assemble."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from .jsonpath import JsonPathError, Selector, apply


class RecordError(Exception):
    """A record could not be processed; ``record`` is its 1-based number in the file."""

    def __init__(self, record: int, message: str, count: int = 1) -> None:
        where = f"record {record}" if count == 1 else f"records {record}-{record + count - 1}"
        super().__init__(f"{where}: {message}")
        self.record = record


def is_csv(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "text/csv"


def parse_record(data: bytes, content_type: str) -> Any:
    text = data.decode("utf-8")
    if is_csv(content_type):
        return next(csv.reader([text]), [])
    return json.loads(text)


def render_record(value: Any, content_type: str) -> bytes:
    if is_csv(content_type):
        if not isinstance(value, list):
            value = [value]
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(value)
        return out.getvalue().encode()
    return json.dumps(value, separators=(",", ":")).encode()


def filter_record(selector: Selector, data: bytes, content_type: str, number: int) -> bytes:
    try:
        return render_record(apply(selector, parse_record(data, content_type)), content_type)
    except (JsonPathError, ValueError, IndexError, UnicodeDecodeError) as err:
        raise RecordError(number, f"InputFilter: {err}") from None


def split_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.rstrip(b"\r") for line in lines]


@dataclass(frozen=True)
class Batch:
    first: int  # 1-based number of its first record
    count: int
    body: bytes


def pack(records: list[bytes], max_bytes: int, multi: bool) -> list[Batch]:
    """SingleRecord: one request per record. MultiRecord: as many as fit in ``max_bytes``."""
    batches: list[Batch] = []
    start, size = 0, 0
    for i, record in enumerate(records):
        if len(record) > max_bytes:
            raise RecordError(i + 1, f"{len(record)} bytes is over MaxPayloadInMB")
        if not multi:
            batches.append(Batch(i + 1, 1, record))
            continue
        if i > start and size + len(record) + 1 > max_bytes:
            batches.append(Batch(start + 1, i - start, b"\n".join(records[start:i])))
            start, size = i, 0
        size += len(record) + 1
    if multi and start < len(records):
        batches.append(Batch(start + 1, len(records) - start, b"\n".join(records[start:])))
    return batches


def pack_lines(data: bytes, max_bytes: int, pieces: int) -> list[Batch]:
    """MultiRecord without filters: cut the file at line ends, never copying record by record.

    Batches stay under ``max_bytes`` and, for large files, aim at ``pieces`` batches so
    that every concurrent transform has work until the end (a smaller payload than the
    maximum is allowed: MaxPayloadInMB is a limit, not a size).
    """
    if data and not data.endswith(b"\n"):
        data += b"\n"
    size = max(1, min(max_bytes, -(-len(data) // max(1, pieces))))
    batches: list[Batch] = []
    start, record = 0, 1
    while start < len(data):
        end = data.rfind(b"\n", start, start + size + 1)
        if end < start or start + size >= len(data):
            end = data.find(b"\n", start) if start + size < len(data) else len(data) - 1
            if end - start + 1 > max_bytes:
                raise RecordError(record, f"{end - start} bytes is over MaxPayloadInMB")
        body = data[start : end + 1]
        count = body.count(b"\n")
        batches.append(Batch(record, count, body))
        record += count
        start = end + 1
    return batches


def split_output(body: bytes, accept: str, count: int, first: int) -> list[bytes]:
    """One output per input record (needed to join or filter per record)."""
    if count == 1:
        return [body.rstrip(b"\n")]
    if accept.split(";")[0].strip().lower() == "application/json":
        try:
            values = json.loads(body)
        except ValueError as err:
            raise RecordError(first, f"the model's JSON output is invalid: {err}") from None
        if isinstance(values, list) and len(values) == count:
            return [json.dumps(v, separators=(",", ":")).encode() for v in values]
    else:
        lines = split_lines(body)
        if len(lines) == count:
            return lines
    raise RecordError(
        first,
        f"the model answered a batch of {count} records with a different "
        "number of outputs; JoinSource/OutputFilter need one per record",
    )


def join(input_record: bytes, output: bytes, content_type: str, accept: str) -> Any:
    """JoinSource=Input: CSV appends output columns; JSON adds SageMakerOutput."""
    out_value = parse_record(output, accept) if output else ""
    if is_csv(content_type):
        fields = parse_record(input_record, content_type)
        return fields + (out_value if isinstance(out_value, list) else [out_value])
    value = json.loads(input_record)
    if isinstance(value, dict):
        return {**value, "SageMakerOutput": out_value}
    return {"SageMakerInput": value, "SageMakerOutput": out_value}
