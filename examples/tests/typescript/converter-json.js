// The TypeScript SDK's protobuf converter as it comes: messages go as json/protobuf.
'use strict';

const { DefaultPayloadConverterWithProtobufs } = require('@temporalio/common/lib/protobufs');

module.exports.payloadConverter = new DefaultPayloadConverterWithProtobufs({
  protobufRoot: require('./orders-root'),
});
