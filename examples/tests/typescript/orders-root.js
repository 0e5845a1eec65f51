// The protobufjs root of the TypeScript protobuf test, for the workflow sandbox: interop.v1 from
// examples/proto/interop/v1/orders.proto (which protobuf.js, the driver, turned into orders.json
// beside this file) and the Temporal API's temporal.api.common.v1.WorkflowExecution as
// @temporalio/proto ships it.
//
// The root is built with the protobufjs that @temporalio/common's protobuf converters use (8.x,
// installed under it): they check that messages are of their own `Type` class, and
// @temporalio/proto's own root is built with the top-level protobufjs (7.x).
'use strict';

let protobuf;
try {
  protobuf = require('@temporalio/common/node_modules/protobufjs/light');
} catch (err) {
  protobuf = require('protobufjs/light');
}
const { patchProtobufRoot } = require('@temporalio/common/lib/protobufs');
const temporal = require('@temporalio/proto/protos/json-module');

const orders = require('./orders.json').nested;
const root = new protobuf.Root();
// interop.v1, and the well-known types it uses (google.protobuf.Timestamp, Duration).
root.addJSON({ interop: orders.interop, google: orders.google });
root.addJSON({
  temporal: {
    nested: {
      api: {
        nested: {
          common: {
            nested: {
              v1: {
                nested: {
                  WorkflowExecution: temporal
                    .lookupType('temporal.api.common.v1.WorkflowExecution')
                    .toJSON(),
                },
              },
            },
          },
        },
      },
    },
  },
});
module.exports = patchProtobufRoot(root);
