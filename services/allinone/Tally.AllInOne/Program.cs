using Tally.AllInOne;

// The embedded default: `make run`. See AllInOneHost for what it composes.
var app = AllInOneHost.Build(args);
await app.RunAsync();
