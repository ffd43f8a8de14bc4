using System.CommandLine;
using System.Globalization;
using Fabrix.Cli.Lanes;
using Fabrix.Cli.Plugins;
using Fabrix.Contracts.Events.V1;
using Grpc.Core;
using Spectre.Console;

namespace Fabrix.Cli.Webhooks;

/// <summary>
/// Outbound webhook administration on a running registry (issue 11 section 4): <c>fabrix webhooks list</c>,
/// <c>add URL [--type T]... [--description D]</c> (prints the secret, once), <c>remove ID</c>, <c>rotate ID</c> (prints the
/// new secret, once), <c>enable ID</c>, <c>disable ID</c>, <c>deliveries ID [--limit N]</c>, <c>retry ID EVENT_ID</c> and
/// <c>replay ID --since TIME</c>.
/// Changes take <c>--reason</c>. The registry checks every role (admin or plugin_manager change, any administrator role
/// reads) and audits every change; these commands only ask. <c>--json</c> prints the registry's answer (proto field names).
/// </summary>
internal static class WebhookAdminCommands
{
    public static IEnumerable<Command> Build(CliContext context, RegistryOptions options) =>
        [List(context, options), Add(context, options), Remove(context, options), Rotate(context, options), Enabled(context, options, true),
            Enabled(context, options, false), Deliveries(context, options), Retry(context, options), Replay(context, options)];

    private static Argument<string> IdArgument() => new("id") { Description = "The endpoint id (wh_…)." };

    private static Command List(CliContext context, RegistryOptions options)
    {
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("list", "List the webhook endpoints (never their secrets).") { json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var listed = await client.ListWebhookEndpointsAsync(new ListWebhookEndpointsRequest(), headers, PolicyAdminCall.Deadline(context), cancellationToken);
            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(PolicyAdminCall.Json(listed));
                return ExitCodes.Ok;
            }

            var console = context.CreateConsole();
            if (listed.Endpoints.Count == 0)
            {
                console.WriteLine("No webhook endpoints.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("ID", "URL", "TYPES", "STATE", "FAILING SINCE", "DESCRIPTION");
            foreach (var endpoint in listed.Endpoints)
            {
                table.AddRow(new Text(endpoint.Id), new Text(endpoint.Url), new Text(Types(endpoint)), new Text(State(endpoint)),
                    new Text(endpoint.FailingSince is null ? "-" : PluginText.Time(endpoint.FailingSince)), new Text(endpoint.Description));
            }

            console.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Add(CliContext context, RegistryOptions options)
    {
        var url = new Argument<string>("url") { Description = "Where to POST deliveries: https, a public address." };
        var types = new Option<string[]>("--type") { Description = "A canonical event type to deliver (repeatable; none: every type).", AllowMultipleArgumentsPerToken = true };
        var description = new Option<string?>("--description") { Description = "What the endpoint is for." };
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("add", "Register a webhook endpoint; prints its signing secret, once.") { url, types, description, reason, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new AddWebhookEndpointRequest
            {
                Url = parseResult.GetRequiredValue(url),
                Description = parseResult.GetValue(description) ?? string.Empty,
                Reason = parseResult.GetValue(reason) ?? string.Empty,
            };
            request.EventTypes.Add(parseResult.GetValue(types) ?? []);
            var added = await client.AddWebhookEndpointAsync(request, headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await WriteSecretAsync(context, parseResult.GetValue(json), added, "added");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Rotate(CliContext context, RegistryOptions options)
    {
        var id = IdArgument();
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("rotate", "Give an endpoint a new signing secret (printed once); the previous one keeps signing for the overlap window.") { id, reason, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var rotated = await client.RotateWebhookSecretAsync(new RotateWebhookSecretRequest
            {
                Id = parseResult.GetRequiredValue(id), Reason = parseResult.GetValue(reason) ?? string.Empty,
            }, headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await WriteSecretAsync(context, parseResult.GetValue(json), rotated, "rotated");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Remove(CliContext context, RegistryOptions options)
    {
        var id = IdArgument();
        var reason = PolicyAdminCall.ReasonOption();
        var command = new Command("remove", "Remove a webhook endpoint: nothing more is delivered to it.") { id, reason };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var endpoint = parseResult.GetRequiredValue(id);
            await client.RemoveWebhookEndpointAsync(new RemoveWebhookEndpointRequest { Id = endpoint, Reason = parseResult.GetValue(reason) ?? string.Empty },
                headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await context.Out.WriteLineAsync($"{endpoint} removed.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Enabled(CliContext context, RegistryOptions options, bool enable)
    {
        var id = IdArgument();
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command(enable ? "enable" : "disable",
            enable ? "Enable a webhook endpoint (deliveries resume with new events)." : "Disable a webhook endpoint (nothing is delivered or queued for it).") { id, reason, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new SetWebhookEndpointEnabledRequest { Id = parseResult.GetRequiredValue(id), Reason = parseResult.GetValue(reason) ?? string.Empty };
            var endpoint = enable
                ? await client.EnableWebhookEndpointAsync(request, headers, PolicyAdminCall.Deadline(context), cancellationToken)
                : await client.DisableWebhookEndpointAsync(request, headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await (parseResult.GetValue(json)
                ? context.Out.WriteLineAsync(PolicyAdminCall.Json(endpoint))
                : context.Out.WriteLineAsync($"{endpoint.Id} is {State(endpoint)}."));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Deliveries(CliContext context, RegistryOptions options)
    {
        var id = IdArgument();
        var limit = new Option<int>("--limit") { Description = "How many attempts, newest first (1-500).", DefaultValueFactory = _ => 50 };
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("deliveries", "Show an endpoint's delivery log: attempts, status, duration and the response snippet.") { id, limit, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var log = await client.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { Id = parseResult.GetRequiredValue(id), Limit = parseResult.GetValue(limit) },
                headers, PolicyAdminCall.Deadline(context), cancellationToken);
            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(PolicyAdminCall.Json(log));
                return ExitCodes.Ok;
            }

            var console = context.CreateConsole();
            if (log.Deliveries.Count == 0)
            {
                console.WriteLine("No deliveries yet.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("AT", "EVENT", "ATTEMPT", "STATUS", "RESULT", "MS", "RESPONSE");
            foreach (var delivery in log.Deliveries)
            {
                table.AddRow(new Text(PluginText.Time(delivery.At)), new Text(delivery.EventId),
                    new Text(delivery.Attempt == 0 ? "manual" : (delivery.Replay ? "replay " : string.Empty) + delivery.Attempt.ToString(CultureInfo.InvariantCulture)),
                    new Text(delivery.Status == 0 ? "-" : delivery.Status.ToString(CultureInfo.InvariantCulture)),
                    new Text(delivery.Succeeded ? "delivered" : delivery.ReasonCode),
                    new Text(delivery.DurationMs.ToString("0.#", CultureInfo.InvariantCulture)), new Text(delivery.Response));
            }

            console.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Retry(CliContext context, RegistryOptions options)
    {
        var id = IdArgument();
        var eventId = new Argument<string>("event-id") { Description = "The event to deliver again (from the delivery log)." };
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("retry", "Deliver one event to an endpoint again, now (one attempt).") { id, eventId, reason, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var result = await client.RetryWebhookDeliveryAsync(new RetryWebhookDeliveryRequest
            {
                Id = parseResult.GetRequiredValue(id), EventId = parseResult.GetRequiredValue(eventId), Reason = parseResult.GetValue(reason) ?? string.Empty,
            }, headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await (parseResult.GetValue(json)
                ? context.Out.WriteLineAsync(PolicyAdminCall.Json(result))
                : context.Out.WriteLineAsync(result.Succeeded
                    ? $"Delivered (HTTP {result.Status})."
                    : $"Not delivered: {(result.Status == 0 ? "no response" : "HTTP " + result.Status.ToString(CultureInfo.InvariantCulture))} {result.Response}".TrimEnd()));
            return result.Succeeded ? ExitCodes.Ok : ExitCodes.Refused;
        }));
        return command;
    }

    private static Command Replay(CliContext context, RegistryOptions options)
    {
        var id = IdArgument();
        var since = new Option<string>("--since")
        {
            Description = "Deliver again every event of the endpoint's types since this time: ISO 8601 with offset (2026-12-06T08:00:00Z) or back from now (90m, 6h, 2d).",
        };
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("replay",
            "Deliver an endpoint's events since a time again (signed as usual, same webhook-id so receivers dedupe); bounded by the events stream's retention.")
            { id, since, reason, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var (start, problem) = WebhookReplayStart.Parse(parseResult.GetValue(since), context.Time.GetUtcNow());
            if (problem is not null)
            {
                throw new CliFailureException(problem, ExitCodes.UsageOrIo);
            }

            var endpoint = parseResult.GetRequiredValue(id);
            var replayed = await client.ReplayWebhookEndpointAsync(new ReplayWebhookEndpointRequest
            {
                Id = endpoint, Since = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start), Reason = parseResult.GetValue(reason) ?? string.Empty,
            }, headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await (parseResult.GetValue(json)
                ? context.Out.WriteLineAsync(PolicyAdminCall.Json(replayed))
                : context.Out.WriteLineAsync(replayed.Events == 0
                    ? string.Create(CultureInfo.InvariantCulture, $"Nothing to replay: no event of {endpoint}'s types since {start:O}.")
                    : string.Create(CultureInfo.InvariantCulture,
                        $"Replaying {replayed.Events} event(s) since {start:O} to {endpoint} (up to stream sequence {replayed.LastSequence}); follow them with `fabrix webhooks deliveries {endpoint}`.")));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task WriteSecretAsync(CliContext context, bool json, WebhookEndpointWithSecret answer, string what)
    {
        if (json)
        {
            await context.Out.WriteLineAsync(PolicyAdminCall.Json(answer));
            return;
        }

        await context.Out.WriteLineAsync($"{answer.Endpoint.Id} {what}: {answer.Endpoint.Url} ({Types(answer.Endpoint)}).");
        await context.Out.WriteLineAsync($"Signing secret (shown once, store it now): {answer.Secret}");
    }

    private static string Types(WebhookEndpoint endpoint) =>
        endpoint.EventTypes.Count == 0 ? "every type" : string.Join(", ", endpoint.EventTypes.Select(t => t.Replace("fabrix.canonical.v1.", string.Empty, StringComparison.Ordinal)));

    private static string State(WebhookEndpoint endpoint) => endpoint.Enabled ? "enabled" : $"disabled ({endpoint.DisabledReason})";

    private static Task<int> RunAsync(CliContext context, RegistryOptions options, ParseResult parseResult,
        Func<WebhooksAdmin.WebhooksAdminClient, Metadata, Task<int>> call) =>
        Lanes.PolicyAdminCall.RunAsync(context, options, parseResult, channel => new WebhooksAdmin.WebhooksAdminClient(channel), call);
}
