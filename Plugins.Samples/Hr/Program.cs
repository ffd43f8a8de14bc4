using Fabrix.Plugins.Samples.Hr.Employees;
using Fabrix.Plugins.Sdk;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddFabrixPlugin();
builder.AddFabrixCallerContext();
builder.AddFabrixEvents();
builder.AddEmployees();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseFabrixCallerContext();
app.MapDefaultEndpoints();
app.MapFabrixPlugin();
app.MapEmployees();

app.Run();
