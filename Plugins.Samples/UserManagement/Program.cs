using Fabrix.Plugins.Samples.UserManagement.Errors;
using Fabrix.Plugins.Samples.UserManagement.UserDirectory;
using Fabrix.Plugins.Samples.UserManagement.UserProfiles;
using Fabrix.Plugins.Sdk;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddFabrixPlugin();
builder.AddFabrixCallerContext();
builder.AddUserProfiles();
builder.AddUserDirectory();
builder.AddUserCreatedSubscription();

var app = builder.Build();

app.UseProblemDetailsForErrors();
app.UseFabrixCallerContext();
app.MapDefaultEndpoints();
app.MapFabrixPlugin();
app.MapUserProfiles();
app.MapUserDirectory();
app.MapUserCreatedSubscription();

app.Run();
