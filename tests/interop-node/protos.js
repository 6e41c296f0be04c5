'use strict';
// Loads the protos both the client and the server use, from the repository (no copies here):
//   protos/grpc/testing/test.proto           grpc.testing.TestService, UnimplementedService
//   bench/Tally.Bench/Protos/.../echo.proto  tally.bench.v1.Echo (the RPC benchmark)
//   protos/tally/query/v1/query.proto        tally.query.v1.QueryService (ask.js: Tally's own API from Node)
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const repoRoot = path.resolve(__dirname, '..', '..');
const loadOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

function load(root, file) {
  const definition = protoLoader.loadSync(file, { ...loadOptions, includeDirs: [root] });
  return grpc.loadPackageDefinition(definition);
}

module.exports = {
  grpc,
  testing: () => load(path.join(repoRoot, 'protos'), 'grpc/testing/test.proto').grpc.testing,
  bench: () => load(path.join(repoRoot, 'bench', 'Tally.Bench', 'Protos'), 'tally/bench/v1/echo.proto').tally.bench.v1,
  query: () => load(path.join(repoRoot, 'protos'), 'tally/query/v1/query.proto').tally.query.v1,
};
