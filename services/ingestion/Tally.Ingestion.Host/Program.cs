using Tally.Hosting;
using Tally.Messaging;
using Tally.Ingestion;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIngestionService();
builder.Services.AddTallyBus(builder.Configuration);

var app = builder.Build();
app.MapServiceDefaults();
app.MapIngestionService();
await app.RunAsync();
