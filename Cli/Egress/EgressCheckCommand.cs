using System.CommandLine;
using System.Net;
using System.Text.Json;
using Fabrix.Core.Lanes.Egress;
using Spectre.Console;

namespace Fabrix.Cli.Egress;

/// <summary>
/// <c>fabrix egress check [--allow-domain P]... [--deny-domain P]... [--resolve HOST=IP]... [--report] [--json] TARGET...</c>
/// (issue 12 section 3): the Proxy lane's own decision (<see cref="EgressDecider"/>), offline. Without
/// <c>--allow-domain</c> only addresses are checked. Exit code 0 when every target is allowed, 1 when any is refused,
/// 2 for bad arguments.
/// </summary>
internal static class EgressCheckCommand
{
    public static Command Build(CliContext context)
    {
        var targets = new Argument<string[]>("target")
        {
            Description = "host[:port], [v6]:port, or an http(s) URL.",
            Arity = ArgumentArity.OneOrMore,
        };
        var allow = new Option<string[]>("--allow-domain")
        {
            Description = "An allowlist entry, as in a manifest's allowed_domains: a host name or *.suffix (subdomains, not the apex). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var deny = new Option<string[]>("--deny-domain")
        {
            Description = "A global deny-list entry (same syntax). Repeatable.",
        };
        var resolve = new Option<string[]>("--resolve")
        {
            Description = "HOST=IP: answer HOST with IP instead of asking the system resolver (repeat to give a host several addresses).",
        };
        var report = new Option<bool>("--report") { Description = "Report mode: an allowlist refusal is allowed and marked; addresses are still enforced." };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {target, allowed, reason, addresses}." };

        var check = new Command("check", "Decide offline whether the Proxy lane would let a plugin reach each target.")
        {
            targets, allow, deny, resolve, report, json,
        };
        check.SetAction((parseResult, cancellationToken) => CheckAsync(
            context,
            parseResult.GetValue(targets) ?? [],
            parseResult.GetValue(allow),
            parseResult.GetValue(deny) ?? [],
            parseResult.GetValue(resolve) ?? [],
            parseResult.GetValue(report),
            parseResult.GetValue(json),
            cancellationToken));
        return check;
    }

    private static async Task<int> CheckAsync(CliContext context, string[] targets, string[]? allow, string[] deny, string[] resolve, bool report, bool asJson,
        CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var allowPatterns = allow is { Length: > 0 } ? Patterns(allow, "--allow-domain", problems) : null;
        var denyPatterns = Patterns(deny, "--deny-domain", problems);
        var pinned = PinnedResolver.Parse(resolve, problems);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await context.Error.WriteLineAsync(problem);
            }

            return ExitCodes.UsageOrIo;
        }

        var rules = new EgressRules(allowPatterns, denyPatterns, report);
        var results = new List<EgressCheckResult>(targets.Length);
        foreach (var text in targets)
        {
            if (!EgressTarget.TryParse(text, 443, out var target, out var reason))
            {
                results.Add(new EgressCheckResult(text, false, reason, []));
                continue;
            }

            var decision = await EgressDecider.DecideAsync(target, rules, pinned, cancellationToken);
            results.Add(new EgressCheckResult(text, decision.Allowed, decision.Reason, [.. decision.Addresses.Select(a => a.Address.ToString())]));
        }

        if (asJson)
        {
            await context.Out.WriteLineAsync(JsonSerializer.Serialize<IReadOnlyList<EgressCheckResult>>(results, EgressCheckJsonContext.Default.IReadOnlyListEgressCheckResult));
        }
        else
        {
            Render(context.CreateConsole(), results);
        }

        return results.TrueForAll(r => r.Allowed) ? ExitCodes.Ok : ExitCodes.Refused;
    }

    private static DomainPattern[] Patterns(string[] values, string option, List<string> problems)
    {
        var patterns = new List<DomainPattern>(values.Length);
        foreach (var value in values)
        {
            if (DomainPattern.Parse(value) is { } pattern)
            {
                patterns.Add(pattern);
            }
            else
            {
                problems.Add($"{option} '{value}': not a host name or *.suffix pattern.");
            }
        }

        return [.. patterns];
    }

    private static void Render(IAnsiConsole console, List<EgressCheckResult> results)
    {
        var table = new Table().AddColumns("target", "decision", "reason", "addresses");
        foreach (var result in results)
        {
            table.AddRow(
                Markup.Escape(result.Target),
                result.Allowed ? "[green]allowed[/]" : "[red]refused[/]",
                Markup.Escape(result.Reason),
                Markup.Escape(string.Join(", ", result.Addresses)));
        }

        console.Write(table);
    }

    /// <summary>Answers pinned names from <c>--resolve</c> and asks the system resolver for the rest.</summary>
    private sealed class PinnedResolver(Dictionary<string, List<IPAddress>> pinned) : IEgressResolver
    {
        private readonly SystemEgressResolver _system = new();

        public static PinnedResolver Parse(string[] entries, List<string> problems)
        {
            var pinned = new Dictionary<string, List<IPAddress>>(StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                var separator = entry.IndexOf('=', StringComparison.Ordinal);
                var host = separator > 0 ? HostName.Normalize(entry[..separator]) : null;
                if (host is null || !IPAddress.TryParse(entry.AsSpan(separator + 1), out var address) || entry[(separator + 1)..].Contains('%', StringComparison.Ordinal))
                {
                    problems.Add($"--resolve '{entry}': expected HOST=IP, e.g. api.example.com=93.184.216.34.");
                    continue;
                }

                if (!pinned.TryGetValue(host, out var addresses))
                {
                    pinned[host] = addresses = [];
                }

                addresses.Add(address);
            }

            return new PinnedResolver(pinned);
        }

        public async ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken) =>
            pinned.TryGetValue(host, out var addresses) ? addresses : await _system.ResolveAsync(host, cancellationToken);
    }
}
