#!/usr/bin/env node
'use strict';
// gRPC interop peer server on @grpc/grpc-js: grpc.testing.TestService (for Tally's interop client) and
// tally.bench.v1.Echo (for the RPC benchmark). Prints "READY <port>" once it listens; stops on SIGINT/SIGTERM,
// and with --exit-on-stdin-close also when its stdin closes (so a parent process that dies takes it along).
//
//   node server.js [--port 0] [--host 127.0.0.1] [--exit-on-stdin-close]
//                  [--cert server.crt --key server.key [--client-ca ca.crt]]   TLS (createSsl), mutual TLS
const fs = require('node:fs');
const parseArgs = require('./args');
const { grpc, testing, bench } = require('./protos');

const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';
const MAX_PAYLOAD = 8 * 1024 * 1024;

function payload(size) {
  if (size < 0 || size > MAX_PAYLOAD) {
    const err = new Error(`Payload size ${size} is outside 0..${MAX_PAYLOAD} bytes.`);
    err.code = grpc.status.INVALID_ARGUMENT;
    throw err;
  }
  return { type: 'COMPRESSABLE', body: Buffer.alloc(size) };
}

/** Sends x-grpc-test-echo-initial back as a header now; returns the trailers to end the call with. */
function echoMetadata(call) {
  const initial = call.metadata.get(ECHO_INITIAL);
  if (initial.length) {
    const headers = new grpc.Metadata();
    headers.set(ECHO_INITIAL, initial[0]);
    call.sendMetadata(headers);
  }
  const trailers = new grpc.Metadata();
  const trailing = call.metadata.get(ECHO_TRAILING);
  if (trailing.length) trailers.set(ECHO_TRAILING, trailing[0]);
  return trailers;
}

/** The status a request asks for, as a grpc-js error object, or null for OK. */
function requestedStatus(responseStatus, trailers) {
  if (!responseStatus || !responseStatus.code) return null;
  return { code: responseStatus.code, details: responseStatus.message, metadata: trailers };
}

// grpc-js removes grpc-encoding from the metadata handlers see. To check expect_compressed, an interceptor copies
// the call's request encoding (grpc-js keeps it as `incomingEncoding` on its innermost call) into this key.
const REQUEST_ENCODING = 'x-interop-request-encoding';

function requestEncodingInterceptor(methodDescriptor, call) {
  return new grpc.ServerInterceptingCall(call, {
    start(next) {
      next({
        onReceiveMetadata(metadata, mdNext) {
          metadata.set(REQUEST_ENCODING, String(call.incomingEncoding ?? 'unknown'));
          mdNext(metadata);
        },
      });
    },
  });
}

/** An INVALID_ARGUMENT error when the request asks to be checked for compression and was not compressed. */
function compressionError(call, expectCompressed, trailers) {
  if (!expectCompressed || !expectCompressed.value) return null;
  const encoding = call.metadata.get(REQUEST_ENCODING)[0];
  if (encoding === 'gzip') return null;
  return {
    code: grpc.status.INVALID_ARGUMENT,
    details: `expect_compressed is set but the request was not compressed (encoding: ${encoding})`,
    metadata: trailers,
  };
}

const delay = (us) => new Promise((resolve) => setTimeout(resolve, Math.ceil(us / 1000)));

async function respond(call, request) {
  for (const p of request.response_parameters) {
    if (p.interval_us > 0) await delay(p.interval_us);
    if (call.cancelled) return;
    call.write({ payload: payload(p.size) });
  }
}

const testService = {
  EmptyCall(call, callback) {
    callback(null, {});
  },

  UnaryCall(call, callback) {
    const trailers = echoMetadata(call);
    try {
      const error = compressionError(call, call.request.expect_compressed, trailers)
        ?? requestedStatus(call.request.response_status, trailers);
      if (error) return callback(error);
      callback(null, { payload: payload(call.request.response_size) }, trailers);
    } catch (err) {
      callback({ code: err.code ?? grpc.status.INTERNAL, details: err.message, metadata: trailers });
    }
  },

  CacheableUnaryCall(call, callback) {
    testService.UnaryCall(call, callback);
  },

  async StreamingOutputCall(call) {
    const trailers = echoMetadata(call);
    try {
      await respond(call, call.request);
      const error = requestedStatus(call.request.response_status, trailers);
      if (error) call.emit('error', error); else call.end(trailers);
    } catch (err) {
      call.emit('error', { code: err.code ?? grpc.status.INTERNAL, details: err.message, metadata: trailers });
    }
  },

  StreamingInputCall(call, callback) {
    const trailers = echoMetadata(call);
    let total = 0;
    let error = null;
    call.on('data', (request) => {
      error ??= compressionError(call, request.expect_compressed, trailers);
      total += request.payload ? request.payload.body.length : 0;
    });
    call.on('end', () => (error ? callback(error) : callback(null, { aggregated_payload_size: total }, trailers)));
    call.on('error', () => {});
  },

  FullDuplexCall(call) {
    const trailers = echoMetadata(call);
    let chain = Promise.resolve();
    let failed = false;
    const fail = (error) => { if (!failed) { failed = true; call.emit('error', error); } };
    call.on('data', (request) => {
      chain = chain.then(async () => {
        if (failed) return;
        const error = requestedStatus(request.response_status, trailers);
        if (error) return fail(error);
        await respond(call, request);
      }).catch((err) => fail({ code: err.code ?? grpc.status.INTERNAL, details: err.message, metadata: trailers }));
    });
    call.on('end', () => { chain.then(() => { if (!failed && !call.cancelled) call.end(trailers); }); });
    call.on('error', () => {});
  },

  HalfDuplexCall(call) {
    const trailers = echoMetadata(call);
    const requests = [];
    call.on('data', (request) => requests.push(request));
    call.on('end', async () => {
      try {
        for (const request of requests) {
          const error = requestedStatus(request.response_status, trailers);
          if (error) return call.emit('error', error);
          await respond(call, request);
        }
        call.end(trailers);
      } catch (err) {
        call.emit('error', { code: err.code ?? grpc.status.INTERNAL, details: err.message, metadata: trailers });
      }
    });
    call.on('error', () => {});
  },
  // UnimplementedCall is left out on purpose: grpc-js answers UNIMPLEMENTED.
};

const echoService = {
  Unary(call, callback) {
    callback(null, { payload: call.request.payload, tag: call.request.tag });
  },
};

/**
 * Cleartext (h2c) unless --cert/--key are given: then TLS with that certificate; with --client-ca, client certificates
 * issued by that CA are required (mutual TLS).
 */
function serverCredentials(args) {
  if (args.cert === undefined && args.key === undefined) {
    if (args['client-ca'] !== undefined) throw new Error('--client-ca needs --cert and --key (it is for TLS)');
    return grpc.ServerCredentials.createInsecure();
  }
  if (args.cert === undefined || args.key === undefined) throw new Error('give --cert and --key together');
  const clientCa = args['client-ca'] === undefined ? null : fs.readFileSync(String(args['client-ca']));
  const keyPair = { private_key: fs.readFileSync(String(args.key)), cert_chain: fs.readFileSync(String(args.cert)) };
  return grpc.ServerCredentials.createSsl(clientCa, [keyPair], clientCa !== null);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const host = typeof args.host === 'string' ? args.host : '127.0.0.1';
  const port = args.port === undefined ? 0 : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535 (got ${args.port})`);

  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024, interceptors: [requestEncodingInterceptor] });
  server.addService(testing().TestService.service, testService);
  server.addService(bench().Echo.service, echoService);
  server.bindAsync(`${host}:${port}`, serverCredentials(args), (err, bound) => {
    if (err) {
      console.error(`server.js: cannot listen on ${host}:${port}: ${err.message}`);
      process.exit(1);
    }
    console.log(`READY ${bound}`);
  });
  const stop = () => {
    setTimeout(() => { server.forceShutdown(); process.exit(0); }, 2000).unref();
    server.tryShutdown(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (args['exit-on-stdin-close']) {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}

try {
  main();
} catch (err) {
  console.error(`server.js: ${err.message}`);
  process.exit(2);
}
