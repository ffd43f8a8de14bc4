using System.CommandLine;
using Fabrix.Cli.Plugins;
using Fabrix.Contracts.Policy.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Fabrix.Cli.Lanes;

/// <summary>
/// How the lane control commands (<c>fabrix lanes</c>, <c>fabrix gateway grants|limits</c>) call the registry's
/// <c>PolicyAdmin</c> service: the same address, identity and failure mapping as every registry command
/// (<see cref="RegistryOptions"/>, <see cref="RpcFailure"/>), and <c>--json</c> as the wire message with its proto field names.
/// </summary>
internal static class PolicyAdminCall
{
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(30);

    private static readonly JsonFormatter s_json = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true).WithFormatDefaultValues(true));

    public static Option<bool> JsonOption() => new("--json") { Description = "Print the registry's answer as JSON (proto field names) instead of a table." };

    public static Option<string?> ReasonOption() => new("--reason") { Description = "Why; required by the registry and recorded in the audit log." };

    public static DateTime Deadline(CliContext context) => context.Time.GetUtcNow().UtcDateTime + s_callTimeout;

    public static string Json(IMessage message) => s_json.Format(message);

    public static Task<int> RunAsync(CliContext context, RegistryOptions options, ParseResult parseResult,
        Func<PolicyAdmin.PolicyAdminClient, Metadata, Task<int>> call) =>
        RunAsync(context, options, parseResult, channel => new PolicyAdmin.PolicyAdminClient(channel), call);

    /// <summary>
    /// Resolves the registry and the administrator token like every registry command, calls <paramref name="call"/>
    /// with a <typeparamref name="TClient"/> on that registry (PolicyAdmin, EventsAdmin, WebhooksAdmin) and the bearer
    /// metadata, and maps failures the same way for all of them.
    /// </summary>
    public static async Task<int> RunAsync<TClient>(CliContext context, RegistryOptions options, ParseResult parseResult,
        Func<Grpc.Net.Client.GrpcChannel, TClient> client, Func<TClient, Metadata, Task<int>> call)
    {
        Uri? address = null;
        try
        {
            address = RegistryAddress.Resolve(context, parseResult.GetValue(options.Registry));
            var token = AdminCredentials.ResolveBearerToken(context, parseResult.GetValue(options.Token), parseResult.GetValue(options.DevKey),
                parseResult.GetValue(options.User), parseResult.GetValue(options.Roles));
            using var channel = context.OpenChannel(address);
            return await call(client(channel), new Metadata { { "authorization", "Bearer " + token } });
        }
        catch (RpcException ex)
        {
            var failure = RpcFailure.From(ex, address!);
            await context.Error.WriteLineAsync("fabrix: " + failure.Message);
            return failure.ExitCode;
        }
        catch (CliFailureException ex)
        {
            await context.Error.WriteLineAsync("fabrix: " + ex.Message);
            return ex.ExitCode;
        }
    }
}
