var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddRegistryErrors();
builder.AddRegistryRateLimiting();
builder.AddRegistryRequests();
builder.AddRegistryPersistence();
builder.AddRegistryAudit();
builder.AddRegistryOutbox();
builder.AddRegistryPolicy();
builder.AddRegistryPlugins();
builder.AddRegistryHealth();
builder.AddRegistryTokens();
builder.AddRegistryRegistration();
builder.AddRegistryAdministration();
builder.AddRegistryServiceIdentity();
builder.AddRegistryWebhooks();
builder.AddRegistryEvents();

var app = builder.Build();

app.UseRegistryErrors();
app.UseRegistryRateLimiting();
app.UseRegistryRequests();
app.MapDefaultEndpoints();
app.MapRegistryTokens();
app.MapRegistryRegistration();
app.MapRegistryAdministration();
app.MapRegistryAudit();
app.MapRegistryPolicy();
app.MapRegistryServiceIdentity();
app.MapRegistryWebhooks();
app.MapRegistryEvents();

app.Run();
