'use strict';
// Asks Tally's QueryService one question with @grpc/grpc-js, as a newsroom tool written for Node would, and prints
// each answer as one line of JSON (proto-loader's object form: enum names, int64 as strings, defaults filled in).
//   node ask.js --server 127.0.0.1:7400 --question "How many people did ICE remove in fiscal year 2024?"
//               [--times 2] [--skip-cache] [--token KEY]      (--skip-cache: the first call computes, later ones may hit)
// Exit code 1, with the status and message, when a call fails.
const parseArgs = require('./args');
const { grpc, query } = require('./protos');

function ask(client, request, metadata) {
  return new Promise((resolve, reject) => {
    client.Ask(request, metadata, { deadline: Date.now() + 30_000 }, (err, response) => (err ? reject(err) : resolve(response)));
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args.server !== 'string' || typeof args.question !== 'string') throw new Error('--server HOST:PORT and --question TEXT are required');
  const client = new (query().QueryService)(args.server, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (typeof args.token === 'string') metadata.set('authorization', `Bearer ${args.token}`);
  const times = Number(args.times ?? 1);
  for (let i = 0; i < times; i++) {
    const answer = await ask(client, { question: args.question, skip_cache: args['skip-cache'] === true && i === 0 }, metadata);
    console.log(JSON.stringify(answer));
  }
  client.close();
}

main().then(() => process.exit(0), (err) => {
  console.error(err.code !== undefined ? `ask failed: ${grpc.status[err.code] ?? err.code}: ${err.details}` : `ask failed: ${err.stack ?? err}`);
  process.exit(1);
});
