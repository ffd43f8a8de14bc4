var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddLanePolicySnapshot();
builder.AddPluginTokenCheck();
builder.AddLaneMessaging("fabrix-core-events");
builder.AddDecisionAudit();
builder.AddCanonicalEvents();
builder.AddWebhookDelivery();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapCanonicalEvents();

app.Run();
