using Fabrix.Plugins.Samples.InternetReceiver;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddSingleton<ReceivedRequests>();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapReceiver();

app.Run();
