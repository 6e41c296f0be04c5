using Tally.Hosting;
using Tally.Messaging;
using Tally.Citations;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddCitationsService();
builder.Services.AddTallyBus(builder.Configuration);

var app = builder.Build();
app.MapServiceDefaults();
app.MapCitationsService();
await app.RunAsync();
