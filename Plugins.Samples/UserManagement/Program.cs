using Fabrix.Plugins.Samples.UserManagement.Errors;
using Fabrix.Plugins.Samples.UserManagement.UserProfiles;
using Fabrix.Plugins.Sdk;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddFabrixPlugin();
builder.AddFabrixTokenAuthentication();
builder.AddUserProfiles();

var app = builder.Build();

app.UseProblemDetailsForErrors();
app.MapDefaultEndpoints();
app.MapFabrixPlugin();
app.MapUserProfiles();

app.Run();
