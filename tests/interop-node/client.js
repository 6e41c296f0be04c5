#!/usr/bin/env node
'use strict';
// gRPC interop test client on @grpc/grpc-js: runs the interop test cases against a TestService server and
// prints one line per case, "PASS <case>" or "FAIL <case>: <reason>". Exit code 1 when any case fails.
//
//   node client.js --server 127.0.0.1:7450 [--case large_unary]... [--list]
//                  [--ca ca.crt [--cert client.crt --key client.key]]   TLS (grpc.credentials.createSsl), mutual TLS
const assert = require('node:assert/strict');
const fs = require('node:fs');
const parseArgs = require('./args');
const { grpc, testing } = require('./protos');

const REQUEST_SIZES = [27182, 8, 1828, 45904];
const RESPONSE_SIZES = [31415, 9, 2653, 58979];
const SPECIAL_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \u{1F608}\t\n';
const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';
const CASE_TIMEOUT_MS = 30000;
const GZIP = 2; // grpc-js compressionAlgorithms.gzip

const payload = (size) => ({ type: 'COMPRESSABLE', body: Buffer.alloc(size) });

function checkPayload(p, size) {
  assert.ok(p, 'the response has no payload');
  assert.equal(p.body.length, size, `payload is ${p.body.length} bytes, expected ${size}`);
  assert.ok(p.body.every((b) => b === 0), 'payload bytes are not all zero');
}

/** A unary call as a promise of { response, headers, trailers }, or a rejection with the grpc-js error. */
function unary(client, method, request, metadata = new grpc.Metadata(), options = {}) {
  return new Promise((resolve, reject) => {
    let headers = null;
    let outcome = null;
    const call = client[method](request, metadata, options, (err, response) => { outcome = { err, response }; });
    call.on('metadata', (m) => { headers = m; });
    call.on('status', (status) => {
      // grpc-js calls the callback before it emits 'status'.
      if (outcome.err) reject(outcome.err);
      else resolve({ response: outcome.response, headers, trailers: status.metadata });
    });
  });
}

/** Collects a stream: resolves { responses, headers, status } or rejects with the error (carrying .responses). */
function collect(call, onData = () => {}) {
  return new Promise((resolve, reject) => {
    const responses = [];
    let headers = null;
    let error = null;
    call.on('metadata', (m) => { headers = m; });
    call.on('data', (d) => { responses.push(d); onData(d, responses.length); });
    call.on('error', (e) => { error = e; });
    call.on('status', (status) => {
      if (error) { error.responses = responses; reject(error); } else resolve({ responses, headers, status });
    });
  });
}

async function expectError(promise, code, what) {
  try {
    await promise;
  } catch (err) {
    assert.equal(err.code, code, `${what}: status ${grpc.status[err.code] ?? err.code} (${err.details}), expected ${grpc.status[code]}`);
    return err;
  }
  assert.fail(`${what}: the call succeeded but ${grpc.status[code]} was expected`);
}

const largeRequest = () => ({ response_size: 314159, payload: payload(271828) });

const cases = {
  async empty_unary({ client }) {
    const { response } = await unary(client, 'EmptyCall', {});
    assert.deepEqual(response, {});
  },

  async large_unary({ client }) {
    const { response } = await unary(client, 'UnaryCall', largeRequest());
    checkPayload(response.payload, 314159);
  },

  async client_compressed_unary({ client, compressedClient }) {
    await expectError(unary(client, 'UnaryCall', { ...largeRequest(), expect_compressed: { value: true } }),
      grpc.status.INVALID_ARGUMENT, 'uncompressed request that expects compression');
    const compressed = await unary(compressedClient, 'UnaryCall', { ...largeRequest(), expect_compressed: { value: true } });
    checkPayload(compressed.response.payload, 314159);
    const plain = await unary(client, 'UnaryCall', { ...largeRequest(), expect_compressed: { value: false } });
    checkPayload(plain.response.payload, 314159);
  },

  async server_compressed_unary({ client }) {
    for (const value of [true, false]) {
      const { response } = await unary(client, 'UnaryCall', { ...largeRequest(), response_compressed: { value } });
      checkPayload(response.payload, 314159);
    }
  },

  async client_streaming({ client }) {
    const result = new Promise((resolve, reject) => {
      const call = client.StreamingInputCall((err, response) => (err ? reject(err) : resolve(response)));
      for (const size of REQUEST_SIZES) call.write({ payload: payload(size) });
      call.end();
    });
    assert.equal((await result).aggregated_payload_size, 74922);
  },

  async server_streaming({ client }) {
    const call = client.StreamingOutputCall({ response_parameters: RESPONSE_SIZES.map((size) => ({ size })) });
    const { responses } = await collect(call);
    assert.deepEqual(responses.map((r) => r.payload.body.length), RESPONSE_SIZES);
  },

  async ping_pong({ client }) {
    const call = client.FullDuplexCall();
    let i = 0;
    const next = () => call.write({ response_parameters: [{ size: RESPONSE_SIZES[i] }], payload: payload(REQUEST_SIZES[i]) });
    const done = collect(call, (response, count) => {
      checkPayload(response.payload, RESPONSE_SIZES[count - 1]);
      if (++i < REQUEST_SIZES.length) next(); else call.end();
    });
    next();
    const { responses } = await done;
    assert.equal(responses.length, REQUEST_SIZES.length);
  },

  async empty_stream({ client }) {
    const call = client.FullDuplexCall();
    const done = collect(call);
    call.end();
    const { responses, status } = await done;
    assert.equal(responses.length, 0);
    assert.equal(status.code, grpc.status.OK);
  },

  async cancel_after_begin({ client }) {
    const result = new Promise((resolve, reject) => {
      const call = client.StreamingInputCall((err, response) => (err ? reject(err) : resolve(response)));
      call.cancel();
    });
    await expectError(result, grpc.status.CANCELLED, 'StreamingInputCall cancelled before any message');
  },

  async cancel_after_first_response({ client }) {
    const call = client.FullDuplexCall();
    const done = collect(call, (response) => {
      checkPayload(response.payload, 31415);
      call.cancel();
    });
    call.write({ response_parameters: [{ size: 31415 }], payload: payload(27182) });
    const err = await expectError(done, grpc.status.CANCELLED, 'FullDuplexCall cancelled after the first response');
    assert.equal(err.responses.length, 1);
  },

  async timeout_on_sleeping_server({ client }) {
    const call = client.FullDuplexCall({ deadline: Date.now() + 1 });
    const done = collect(call);
    call.write({ payload: payload(27182) });
    await expectError(done, grpc.status.DEADLINE_EXCEEDED, 'FullDuplexCall with a 1 ms deadline');
  },

  async custom_metadata({ client }) {
    const metadata = () => {
      const m = new grpc.Metadata();
      m.set(ECHO_INITIAL, 'test_initial_metadata_value');
      m.set(ECHO_TRAILING, Buffer.from([0xab, 0xab, 0xab]));
      return m;
    };
    const check = (headers, trailers, where) => {
      assert.deepEqual(headers?.get(ECHO_INITIAL), ['test_initial_metadata_value'], `${where}: echoed initial metadata`);
      assert.deepEqual(trailers?.get(ECHO_TRAILING), [Buffer.from([0xab, 0xab, 0xab])], `${where}: echoed trailing metadata`);
    };
    const u = await unary(client, 'UnaryCall', largeRequest(), metadata());
    checkPayload(u.response.payload, 314159);
    check(u.headers, u.trailers, 'UnaryCall');

    const call = client.FullDuplexCall(metadata());
    const done = collect(call);
    call.write({ response_parameters: [{ size: 314159 }], payload: payload(271828) });
    call.end();
    const { responses, headers, status } = await done;
    assert.equal(responses.length, 1);
    checkPayload(responses[0].payload, 314159);
    check(headers, status.metadata, 'FullDuplexCall');
  },

  async status_code_and_message({ client }) {
    const response_status = { code: 2, message: 'test status message' };
    const u = await expectError(unary(client, 'UnaryCall', { response_status }), grpc.status.UNKNOWN, 'UnaryCall');
    assert.equal(u.details, response_status.message);
    const call = client.FullDuplexCall();
    const done = collect(call);
    call.write({ response_status });
    call.end();
    const d = await expectError(done, grpc.status.UNKNOWN, 'FullDuplexCall');
    assert.equal(d.details, response_status.message);
  },

  async special_status_message({ client }) {
    const err = await expectError(unary(client, 'UnaryCall', { response_status: { code: 2, message: SPECIAL_MESSAGE } }),
      grpc.status.UNKNOWN, 'UnaryCall');
    assert.equal(err.details, SPECIAL_MESSAGE);
  },

  async unimplemented_method({ client }) {
    await expectError(unary(client, 'UnimplementedCall', {}), grpc.status.UNIMPLEMENTED, 'TestService/UnimplementedCall');
  },

  async unimplemented_service({ unimplementedClient }) {
    await expectError(unary(unimplementedClient, 'UnimplementedCall', {}), grpc.status.UNIMPLEMENTED, 'UnimplementedService/UnimplementedCall');
  },
};

/** Cleartext (h2c) unless --ca is given: then TLS trusting that CA, presenting --cert/--key when given (mutual TLS). */
function channelCredentials(args) {
  if (args.ca === undefined) {
    if (args.cert !== undefined || args.key !== undefined) throw new Error('--cert and --key need --ca (they are for TLS)');
    return grpc.credentials.createInsecure();
  }
  if ((args.cert === undefined) !== (args.key === undefined)) throw new Error('give --cert and --key together');
  const read = (name) => (args[name] === undefined ? null : fs.readFileSync(String(args[name])));
  return grpc.credentials.createSsl(read('ca'), read('key'), read('cert'));
}

function withTimeout(promise, ms, name) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${name} did not finish within ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ['case']);
  if (args.list) { console.log(Object.keys(cases).join('\n')); return 0; }
  if (typeof args.server !== 'string') throw new Error('--server HOST:PORT is required');
  const selected = (args.case ?? Object.keys(cases)).flatMap((c) => String(c).split(','));
  const unknown = selected.filter((c) => !(c in cases));
  if (unknown.length) throw new Error(`unknown case(s) ${unknown.join(', ')}; known: ${Object.keys(cases).join(', ')}`);

  const pkg = testing();
  const credentials = channelCredentials(args);
  const clients = {
    client: new pkg.TestService(args.server, credentials),
    compressedClient: new pkg.TestService(args.server, credentials, { 'grpc.default_compression_algorithm': GZIP }),
    unimplementedClient: new pkg.UnimplementedService(args.server, credentials),
  };
  let failed = 0;
  for (const name of selected) {
    try {
      await withTimeout(cases[name](clients), CASE_TIMEOUT_MS, name);
      console.log(`PASS ${name}`);
    } catch (err) {
      failed++;
      console.log(`FAIL ${name}: ${err.message.replace(/\s+/g, ' ')}`);
    }
  }
  Object.values(clients).forEach((c) => c.close());
  console.log(failed ? `interop client (grpc-js): ${failed} of ${selected.length} cases failed` : `interop client (grpc-js): all ${selected.length} cases passed`);
  return failed ? 1 : 0;
}

// Exit explicitly: grpc-js can keep a closed channel's connection referenced after a call that was cancelled
// before it started (cancel_after_begin), which would keep the process alive.
main().then((code) => process.exit(code), (err) => {
  console.error(`client.js: ${err.message}`);
  process.exit(2);
});
