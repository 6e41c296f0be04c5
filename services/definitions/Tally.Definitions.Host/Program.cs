using Tally.Hosting;
using Tally.Messaging;
using Tally.Definitions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddDefinitionsService();
builder.Services.AddTallyBus(builder.Configuration);

var app = builder.Build();
app.MapServiceDefaults();
app.MapDefinitionsService();
await app.RunAsync();
