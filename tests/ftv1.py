"""Decode an `extensions.ftv1` trace with protobuf itself, from the fields of Apollo's reports.proto
(`Trace`, `Trace.Node`, `Trace.Error`) declared here: the subgraph's hand-written encoding is checked
against the real wire format, not against itself."""

from __future__ import annotations

import base64
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2

_F = descriptor_pb2.FieldDescriptorProto


def _message(file: Any, name: str, fields: list[tuple[str, int, int, int, str]]) -> None:
    message = file.message_type.add(name=name)
    for field_name, number, kind, label, type_name in fields:
        message.field.add(name=field_name, number=number, type=kind, label=label, type_name=type_name or None)


def _trace_class() -> Any:
    file = descriptor_pb2.FileDescriptorProto(name="ftv1_test.proto", package="ftv1", syntax="proto3")
    file.dependency.append("google/protobuf/timestamp.proto")
    one, many = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED
    _message(file, "Location", [("line", 1, _F.TYPE_UINT32, one, ""), ("column", 2, _F.TYPE_UINT32, one, "")])
    _message(
        file,
        "Error",
        [
            ("message", 1, _F.TYPE_STRING, one, ""),
            ("location", 2, _F.TYPE_MESSAGE, many, ".ftv1.Location"),
            ("json", 4, _F.TYPE_STRING, one, ""),
        ],
    )
    _message(
        file,
        "Node",
        [
            ("response_name", 1, _F.TYPE_STRING, one, ""),
            ("index", 2, _F.TYPE_UINT32, one, ""),
            ("type", 3, _F.TYPE_STRING, one, ""),
            ("parent_type", 13, _F.TYPE_STRING, one, ""),
            ("start_time", 8, _F.TYPE_UINT64, one, ""),
            ("end_time", 9, _F.TYPE_UINT64, one, ""),
            ("error", 11, _F.TYPE_MESSAGE, many, ".ftv1.Error"),
            ("child", 12, _F.TYPE_MESSAGE, many, ".ftv1.Node"),
        ],
    )
    _message(
        file,
        "Trace",
        [
            ("start_time", 4, _F.TYPE_MESSAGE, one, ".google.protobuf.Timestamp"),
            ("end_time", 3, _F.TYPE_MESSAGE, one, ".google.protobuf.Timestamp"),
            ("duration_ns", 11, _F.TYPE_UINT64, one, ""),
            ("root", 14, _F.TYPE_MESSAGE, one, ".ftv1.Node"),
        ],
    )
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("ftv1.Trace"))


Trace = _trace_class()


def decode(ftv1: str) -> Any:
    trace = Trace()
    trace.ParseFromString(base64.b64decode(ftv1))
    return trace
