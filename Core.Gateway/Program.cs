var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddLanePolicySnapshot();
builder.AddPluginTokenCheck();
builder.AddLaneMessaging("fabrix-core-gateway");
builder.AddDecisionAudit();
builder.AddGatewayForwarding();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapGatewayForwarding();

app.Run();
