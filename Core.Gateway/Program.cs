var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddLanePolicySnapshot();
builder.AddPluginTokenCheck();
builder.AddGatewayMessaging();
builder.AddDecisionAudit();
builder.AddGatewayForwarding();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapGatewayForwarding();

app.Run();
