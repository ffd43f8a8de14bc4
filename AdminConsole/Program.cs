using Fabrix.AdminConsole.Authentication;
using Fabrix.AdminConsole.Components;
using Fabrix.AdminConsole.Registry;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddConsoleAuthentication();
builder.AddRegistryClient();
builder.AddConsoleComponents();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapConsole();

app.Run();
