using System.CommandLine;
using System.Globalization;
using Fabrix.Cli.Lanes;
using Fabrix.Cli.Plugins;
using Fabrix.Contracts.Events.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spectre.Console;

namespace Fabrix.Cli.Events;

/// <summary>
/// <c>fabrix events …</c>: the Canonical lane's administration on a running registry (issue 11 section 5), through the
/// registry's <c>EventsAdmin</c> (the registry checks every role and audits; these commands only ask).
/// <c>types</c> (who may and who did publish and receive each type), <c>tail</c> (recent publishes' metadata;
/// <c>--follow</c> polls the registry), <c>subscriptions</c> (consumer lag), <c>dlq list|show|replay</c> and
/// <c>replay PLUGIN TYPE --from-sequence|--from-time</c>. Every command has <c>--json</c> (proto field names).
/// </summary>
internal static class EventCommands
{
    private static readonly TimeSpan s_minimumInterval = TimeSpan.FromMilliseconds(500);

    public static Command Build(CliContext context)
    {
        var options = new RegistryOptions();
        var events = new Command("events", "The Canonical lane (Core.Events): event types, a tail of publishes, subscriptions, dead letters and replays.");
        var dlq = new Command("dlq", "Dead letters: events a subscriber did not settle after its last delivery.");
        foreach (var command in new[] { DeadLetterList(context, options), DeadLetterShow(context, options), DeadLetterReplay(context, options) })
        {
            options.AddTo(command);
            dlq.Subcommands.Add(command);
        }

        foreach (var command in new[] { Types(context, options), Tail(context, options), Subscriptions(context, options), Replay(context, options) })
        {
            options.AddTo(command);
            events.Subcommands.Add(command);
        }

        events.Subcommands.Add(dlq);
        return events;
    }

    private static Command Types(CliContext context, RegistryOptions options)
    {
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("types", "List the canonical event types: classification, who may publish and subscribe, who did in the last 24 hours.") { json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var types = await client.ListEventTypesAsync(new ListEventTypesRequest(), headers, PolicyAdminCall.Deadline(context), cancellationToken);
            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(PolicyAdminCall.Json(types));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("TYPE", "CLASSIFICATION", "MAY PUBLISH", "PUBLISHED (24 H)", "MAY SUBSCRIBE", "RECEIVED (24 H)");
            foreach (var type in types.Types_)
            {
                table.AddRow(new Text(type.Name), new Text(type.Classification), new Text(List(type.MayPublish)), new Text(List(type.DidPublish)),
                    new Text(List(type.MaySubscribe)), new Text(List(type.DidReceive)));
            }

            context.CreateConsole().Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Tail(CliContext context, RegistryOptions options)
    {
        var json = PolicyAdminCall.JsonOption();
        json.Description = "Print one JSON object (proto field names) per event and line.";
        var limit = new Option<int>("--limit") { Description = "How many recent events to show first (1-500).", DefaultValueFactory = _ => 20 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep polling the registry for new publishes until interrupted." };
        var interval = new Option<double>("--interval") { Description = "Seconds between polls with --follow (at least 0.5).", DefaultValueFactory = _ => 2 };
        var command = new Command("tail", "Show recent publishes (metadata from the audited publish decisions; never payloads).") { limit, follow, interval, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var every = TimeSpan.FromSeconds(parseResult.GetValue(interval));
            if (every < s_minimumInterval)
            {
                throw new CliFailureException("--interval must be at least 0.5 seconds.", ExitCodes.UsageOrIo);
            }

            var after = 0L;
            var request = new ListRecentEventsRequest { Limit = parseResult.GetValue(limit) };
            using var timer = new PeriodicTimer(every, context.Time);
            do
            {
                var recent = await client.ListRecentEventsAsync(request, headers, PolicyAdminCall.Deadline(context), cancellationToken);
                foreach (var evt in recent.Events)
                {
                    after = Math.Max(after, evt.Sequence);
                    await context.Out.WriteLineAsync(parseResult.GetValue(json)
                        ? PolicyAdminCall.Json(evt)
                        : string.Create(CultureInfo.InvariantCulture,
                            $"{PluginText.Time(evt.At)}  {evt.EventType,-22} {evt.Classification,-12} {evt.Publisher,-24} {evt.EventId}{(evt.Duplicate ? "  (duplicate)" : string.Empty)}"));
                }

                request = new ListRecentEventsRequest { AfterSequence = after, Limit = 500 };
            }
            while (parseResult.GetValue(follow) && await timer.WaitForNextTickAsync(cancellationToken));

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Subscriptions(CliContext context, RegistryOptions options)
    {
        var plugin = new Option<string?>("--plugin") { Description = "Only this plugin's subscriptions." };
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("subscriptions", "List each (plugin, type) subscription's durable consumer: lag (pending), unsettled, acknowledged sequence.") { plugin, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var listed = await client.ListSubscriptionsAsync(new ListSubscriptionsRequest { PluginId = parseResult.GetValue(plugin) ?? string.Empty },
                headers, PolicyAdminCall.Deadline(context), cancellationToken);
            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(PolicyAdminCall.Json(listed));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("PLUGIN", "TYPE", "PENDING (LAG)", "UNSETTLED", "REDELIVERED", "ACKED SEQ", "LAST DELIVERY");
            foreach (var s in listed.Subscriptions)
            {
                table.AddRow(new Text(s.PluginId), new Text(s.EventType), new Text(Number(s.Pending)), new Text(Number(s.Unsettled)),
                    new Text(Number(s.Redelivered)), new Text(Number(s.AcknowledgedSequence)), new Text(PluginText.Time(s.LastDeliveredAt)));
            }

            context.CreateConsole().Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command DeadLetterList(CliContext context, RegistryOptions options)
    {
        var plugin = new Option<string?>("--plugin") { Description = "Only this subscriber's dead letters." };
        var type = new Option<string?>("--type") { Description = "Only this event type (e.g. UserCreated)." };
        var after = new Option<ulong>("--after") { Description = "Only dead letters after this sequence (paging)." };
        var limit = new Option<int>("--limit") { Description = "At most this many (1-500).", DefaultValueFactory = _ => 100 };
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("list", "List dead letters, oldest first (metadata only).") { plugin, type, after, limit, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var listed = await client.ListDeadLettersAsync(new ListDeadLettersRequest
            {
                PluginId = parseResult.GetValue(plugin) ?? string.Empty,
                EventType = parseResult.GetValue(type) ?? string.Empty,
                AfterSequence = parseResult.GetValue(after),
                Limit = parseResult.GetValue(limit),
            }, headers, PolicyAdminCall.Deadline(context), cancellationToken);
            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(PolicyAdminCall.Json(listed));
                return ExitCodes.Ok;
            }

            if (listed.DeadLetters.Count == 0)
            {
                await context.Out.WriteLineAsync("No dead letters.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("SEQ", "SUBSCRIBER", "TYPE", "CLASSIFICATION", "EVENT", "DELIVERIES", "AT", "REASON");
            foreach (var d in listed.DeadLetters)
            {
                table.AddRow(new Text(Number(d.Sequence)), new Text(d.PluginId), new Text(d.EventType), new Text(d.Classification), new Text(d.EventId),
                    new Text(Number(d.Deliveries)), new Text(PluginText.Time(d.DeadLetteredAt)), new Text(d.Reason));
            }

            context.CreateConsole().Write(table);
            if (listed.Truncated)
            {
                await context.Out.WriteLineAsync($"More follow: --after {listed.DeadLetters[^1].Sequence}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command DeadLetterShow(CliContext context, RegistryOptions options)
    {
        var sequence = SequenceArgument();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("show", "Show one dead letter; its payload only for the admin role (and that view is audited).") { sequence, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var shown = await client.GetDeadLetterAsync(new GetDeadLetterRequest { Sequence = parseResult.GetRequiredValue(sequence) },
                headers, PolicyAdminCall.Deadline(context), cancellationToken);
            if (parseResult.GetValue(json))
            {
                await context.Out.WriteLineAsync(PolicyAdminCall.Json(shown));
                return ExitCodes.Ok;
            }

            var d = shown.DeadLetter;
            await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Dead letter {d.Sequence}: {d.EventType} ({d.Classification}) {d.EventId} from {d.Source} for {d.PluginId}, {d.Deliveries} deliveries, at {PluginText.Time(d.DeadLetteredAt)}"));
            await context.Out.WriteLineAsync($"Reason: {d.Reason}");
            await context.Out.WriteLineAsync(shown.PayloadWithheld ? "Payload: withheld (only the admin role may see payloads)." : shown.EventJson);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command DeadLetterReplay(CliContext context, RegistryOptions options)
    {
        var sequence = SequenceArgument();
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("replay", "Redeliver a dead letter to its subscriber only, then remove it. Needs admin or plugin_manager.") { sequence, reason, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var replayed = await client.ReplayDeadLetterAsync(new ReplayDeadLetterRequest
            {
                Sequence = parseResult.GetRequiredValue(sequence),
                Reason = parseResult.GetValue(reason) ?? string.Empty,
            }, headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await context.Out.WriteLineAsync(parseResult.GetValue(json)
                ? PolicyAdminCall.Json(replayed)
                : $"Dead letter {parseResult.GetRequiredValue(sequence)} ({replayed.EventId}) is redelivered to {replayed.PluginId}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Replay(CliContext context, RegistryOptions options)
    {
        var plugin = PluginCommands.IdArgument();
        var type = new Argument<string>("type") { Description = "The event type, e.g. UserCreated." };
        var fromSequence = new Option<ulong?>("--from-sequence") { Description = "Redeliver every stored event of the type from this stream sequence on." };
        var fromTime = new Option<DateTimeOffset?>("--from-time") { Description = "Redeliver every stored event of the type from this time on (ISO 8601)." };
        var reason = PolicyAdminCall.ReasonOption();
        var json = PolicyAdminCall.JsonOption();
        var command = new Command("replay", "Restart a plugin's subscription to a type from a sequence or a time. Needs admin or plugin_manager.")
        {
            plugin, type, fromSequence, fromTime, reason, json,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, options, parseResult, async (client, headers) =>
        {
            var request = new ReplaySubscriptionRequest
            {
                PluginId = parseResult.GetRequiredValue(plugin),
                EventType = parseResult.GetRequiredValue(type),
                Reason = parseResult.GetValue(reason) ?? string.Empty,
            };
            switch (parseResult.GetValue(fromSequence), parseResult.GetValue(fromTime))
            {
                case ({ } from, null):
                    request.FromSequence = from;
                    break;
                case (null, { } time):
                    request.FromTime = Timestamp.FromDateTimeOffset(time);
                    break;
                default:
                    throw new CliFailureException("Give exactly one of --from-sequence and --from-time.", ExitCodes.UsageOrIo);
            }

            var replayed = await client.ReplaySubscriptionAsync(request, headers, PolicyAdminCall.Deadline(context), cancellationToken);
            await context.Out.WriteLineAsync(parseResult.GetValue(json)
                ? PolicyAdminCall.Json(replayed)
                : string.Create(CultureInfo.InvariantCulture, $"{request.PluginId} receives {request.EventType} again from there: {replayed.Pending} stored events to deliver."));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Argument<ulong> SequenceArgument() => new("sequence") { Description = "The dead letter's sequence (from 'fabrix events dlq list')." };

    private static string List(IEnumerable<string> values) => values.Any() ? string.Join(", ", values) : "-";

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static Task<int> RunAsync(CliContext context, RegistryOptions options, ParseResult parseResult,
        Func<EventsAdmin.EventsAdminClient, Metadata, Task<int>> call) =>
        Lanes.PolicyAdminCall.RunAsync(context, options, parseResult, channel => new EventsAdmin.EventsAdminClient(channel), call);
}
