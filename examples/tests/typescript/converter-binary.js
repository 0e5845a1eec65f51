// The TypeScript SDK's protobuf converters with binary/protobuf before json/protobuf.
'use strict';

const {
  CompositePayloadConverter,
  UndefinedPayloadConverter,
  BinaryPayloadConverter,
  JsonPayloadConverter,
} = require('@temporalio/common');
const {
  ProtobufBinaryPayloadConverter,
  ProtobufJsonPayloadConverter,
} = require('@temporalio/common/lib/protobufs');

const root = require('./orders-root');
module.exports.payloadConverter = new CompositePayloadConverter(
  new UndefinedPayloadConverter(),
  new BinaryPayloadConverter(),
  new ProtobufBinaryPayloadConverter(root),
  new ProtobufJsonPayloadConverter(root),
  new JsonPayloadConverter(),
);
