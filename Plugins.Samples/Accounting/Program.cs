using Fabrix.Plugins.Samples.Accounting.AccountOpening;
using Fabrix.Plugins.Samples.Accounting.Accounts;
using Fabrix.Plugins.Sdk;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddFabrixPlugin();
builder.AddFabrixCallerContext();
builder.AddAccounts();
builder.AddAccountOpening();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseFabrixCallerContext();
app.MapDefaultEndpoints();
app.MapFabrixPlugin();
app.MapAccounts();
app.MapAccountOpening();

app.Run();
