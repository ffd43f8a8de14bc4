using Fabrix.Plugins.Samples.Notifications.Sending;
using Fabrix.Plugins.Sdk;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddFabrixPlugin();
builder.AddFabrixCallerContext();
builder.AddNotifications();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseFabrixCallerContext();
app.MapDefaultEndpoints();
app.MapFabrixPlugin();
app.MapNotifications();

app.Run();
