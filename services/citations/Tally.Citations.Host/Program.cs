using Tally.Hosting;
using Tally.Messaging;
using Tally.Citations;

// Content root = the build output, so appsettings.json is found whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddCitationsService();
builder.Services.AddTallyBus(builder.Configuration);

var app = builder.Build();
app.MapServiceDefaults();
app.MapCitationsService();
await app.RunAsync();
