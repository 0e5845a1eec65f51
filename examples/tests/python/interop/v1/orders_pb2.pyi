import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Priority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRIORITY_UNSPECIFIED: _ClassVar[Priority]
    PRIORITY_STANDARD: _ClassVar[Priority]
    PRIORITY_EXPRESS: _ClassVar[Priority]
PRIORITY_UNSPECIFIED: Priority
PRIORITY_STANDARD: Priority
PRIORITY_EXPRESS: Priority

class Order(_message.Message):
    __slots__ = ("order_id", "items", "quantity", "placed_at", "ship_within", "priority")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    SHIP_WITHIN_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    items: _containers.RepeatedScalarFieldContainer[str]
    quantity: int
    placed_at: _timestamp_pb2.Timestamp
    ship_within: _duration_pb2.Duration
    priority: Priority
    def __init__(self, order_id: _Optional[str] = ..., items: _Optional[_Iterable[str]] = ..., quantity: _Optional[int] = ..., placed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ship_within: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., priority: _Optional[_Union[Priority, str]] = ...) -> None: ...

class Receipt(_message.Message):
    __slots__ = ("order_id", "total_items", "ship_by", "priority")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ITEMS_FIELD_NUMBER: _ClassVar[int]
    SHIP_BY_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    total_items: int
    ship_by: _timestamp_pb2.Timestamp
    priority: Priority
    def __init__(self, order_id: _Optional[str] = ..., total_items: _Optional[int] = ..., ship_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., priority: _Optional[_Union[Priority, str]] = ...) -> None: ...
