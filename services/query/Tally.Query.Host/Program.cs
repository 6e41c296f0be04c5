using Tally.Hosting;
using Tally.Messaging;
using Tally.Query;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddQueryService();
builder.Services.AddTallyBus(builder.Configuration);

var app = builder.Build();
app.MapServiceDefaults();
app.MapQueryService();
await app.RunAsync();
