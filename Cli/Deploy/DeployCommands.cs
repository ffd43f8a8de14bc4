using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Fabrix.Cli.Manifests;
using Fabrix.Contracts.Manifests;

namespace Fabrix.Cli.Deploy;

/// <summary>
/// <c>fabrix deploy plugin &lt;manifest&gt; [--namespace NS] [--image IMAGE] [--port N] [--database-cidr CIDR] [--output FILE]</c>
/// (issue 8 section 4): offline; writes the plugin's Kubernetes objects as YAML to stdout or a file.
/// </summary>
internal static partial class DeployCommands
{
    public static Command Build(CliContext context)
    {
        var manifest = new Argument<string>("manifest") { Description = "The plugin's manifest (JSON)." };
        var ns = new Option<string>("--namespace", "-n")
        {
            Description = "Kubernetes namespace of the plugin.",
            DefaultValueFactory = _ => PluginWorkload.DefaultNamespace,
        };
        var image = new Option<string?>("--image") { Description = "Container image (default fabrix/plugin-<id>:<version>)." };
        var port = new Option<int?>("--port") { Description = "Port the plugin serves on (default: the manifest's health_check.port, else 8080)." };
        var databaseCidr = new Option<string?>("--database-cidr") { Description = "Address range of the plugin's own PostgreSQL server; allows egress to it on 5432 and nothing else." };
        var output = new Option<string?>("--output", "-o") { Description = "Write the YAML to this file instead of stdout." };

        var plugin = new Command("plugin", "Write a plugin's Deployment, Service and NetworkPolicy (YAML) from its manifest. Exit code 0: written; 1: invalid manifest; 2: unreadable input, bad option or unwritable output.")
        {
            manifest,
            ns,
            image,
            port,
            databaseCidr,
            output,
        };
        plugin.SetAction((parseResult, cancellationToken) => PluginAsync(
            context,
            parseResult.GetValue(manifest)!,
            new PluginWorkloadOptions(parseResult.GetValue(ns)!, parseResult.GetValue(image), parseResult.GetValue(port), parseResult.GetValue(databaseCidr)),
            parseResult.GetValue(output),
            cancellationToken));

        return new Command("deploy", "Generate Kubernetes objects for Fabrix (see deploy/README.md).") { plugin };
    }

    private static async Task<int> PluginAsync(CliContext context, string path, PluginWorkloadOptions options, string? output, CancellationToken cancellationToken)
    {
        if (OptionProblem(options) is { } problem)
        {
            await context.Error.WriteLineAsync("fabrix: " + problem);
            return ExitCodes.UsageOrIo;
        }

        var report = await ManifestFile.ValidateAsync(path, context.CurrentDirectory, cancellationToken);
        foreach (var issue in report.Errors)
        {
            await context.Error.WriteLineAsync($"error   {issue.Path}: {issue.Message}");
        }

        if (report.Unreadable)
        {
            return ExitCodes.UsageOrIo;
        }

        if (!report.Valid)
        {
            await context.Error.WriteLineAsync($"fabrix: {path} is not a valid manifest; nothing written.");
            return ExitCodes.Refused;
        }

        foreach (var issue in report.Warnings)
        {
            await context.Error.WriteLineAsync($"warning {issue.Path}: {issue.Message}");
        }

        var plugin = ManifestValidator.Validate(report.Text!).Manifest!;
        var yaml = PluginWorkload.ToYaml(plugin, options);
        if (output is null)
        {
            await context.Out.WriteAsync(yaml);
        }
        else
        {
            try
            {
                await File.WriteAllTextAsync(Path.Combine(context.CurrentDirectory, output), yaml, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                await context.Error.WriteLineAsync($"fabrix: cannot write {output}: {ex.Message}");
                return ExitCodes.UsageOrIo;
            }

            await context.Error.WriteLineAsync($"Wrote {output}: Deployment, Service and NetworkPolicy '{plugin.Id}' in namespace {options.Namespace}.");
        }

        await WriteNotesAsync(context.Error, plugin, options);
        return ExitCodes.Ok;
    }

    /// <summary>Notes go to stderr so that stdout stays a YAML stream (<c>fabrix deploy plugin m.json | kubectl apply -f -</c>).</summary>
    private static async Task WriteNotesAsync(TextWriter error, PluginManifest plugin, PluginWorkloadOptions options)
    {
        if (plugin.Resources?.MemoryLimit is null || plugin.Resources?.CpuLimit is null)
        {
            await error.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"note: the manifest declares no resources.memory_limit or cpu_limit; using {PluginWorkload.DefaultMemoryLimitMb} MB and {PluginWorkload.DefaultCpuLimit} cores where missing."));
        }

        await error.WriteLineAsync($"The pod reads its registration credential from the Secret {PluginWorkload.SecretName(plugin)} (key {PluginWorkload.CredentialKey}). Create it from the credential shown at install, saved to a file (keeps it out of shell history; $(...) drops the trailing newline):");
        await error.WriteLineAsync($"  kubectl -n {options.Namespace} create secret generic {PluginWorkload.SecretName(plugin)} --from-literal={PluginWorkload.CredentialKey}=\"$(cat {plugin.Id}.credential)\"");
    }

    private static string? OptionProblem(PluginWorkloadOptions options)
    {
        if (!DnsLabel().IsMatch(options.Namespace))
        {
            return $"--namespace '{options.Namespace}' is not a Kubernetes namespace name (lower-case letters, digits and '-', at most 63).";
        }

        if (options.Image is { } image && (image.Length == 0 || image.Any(char.IsWhiteSpace)))
        {
            return "--image must be a non-empty image reference without spaces.";
        }

        if (options.Port is < 1 or > 65535)
        {
            return $"--port {options.Port} is not a TCP port (1-65535).";
        }

        if (options.DatabaseCidr is { } cidr && !IPNetwork.TryParse(cidr, out _))
        {
            return $"--database-cidr '{cidr}' is not an address range such as 10.20.0.0/16 or 10.20.0.5/32.";
        }

        return null;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
