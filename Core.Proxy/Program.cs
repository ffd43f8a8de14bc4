var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddLanePolicySnapshot();
builder.AddPluginTokenCheck();
builder.AddLaneMessaging("fabrix-core-proxy");
builder.AddDecisionAudit();
builder.AddEgressProxy();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseEgressProxy();

app.Run();
