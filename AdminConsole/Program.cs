using Fabrix.AdminConsole.Authentication;
using Fabrix.AdminConsole.Components;
using Fabrix.AdminConsole.Registry;
using MudBlazor.Services;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddConsoleAuthentication();
builder.AddRegistryClient();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapConsole();

app.Run();
