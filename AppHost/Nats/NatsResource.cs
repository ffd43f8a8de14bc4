using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Processes;

namespace Fabrix.AppHost.Nats;

/// <summary>
/// nats-server with JetStream, its file store under <c>.fabrix/NAME/</c>, on 127.0.0.1 only, and core-only (issue 7
/// section 7): no anonymous access, one user per core service that references it (named after the service, with a
/// generated password in <c>.fabrix/NAME/users/USER.password</c>, 0600) plus <see cref="OperatorUser"/> for the person
/// running the AppHost. The server reads a configuration file written at every start (<c>.fabrix/NAME/nats.conf</c>,
/// 0600). Ready when a client connection receives the server's <c>INFO</c> line. Stopped with SIGTERM (nats-server
/// shuts down cleanly on it).
/// </summary>
internal sealed class NatsResource : IResource
{
    /// <summary>A user for the operator's own tools (e.g. the nats CLI); no service is given its password.</summary>
    public const string OperatorUser = "apphost";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private readonly ResourceProcess _process;
    private readonly List<string> _users = [];
    private readonly Dictionary<string, string> _passwords = new(StringComparer.Ordinal);
    private string? _executable;

    public NatsResource(string name, Endpoint endpoint)
    {
        Name = name;
        Endpoint = endpoint;
        _process = new ResourceProcess(name);
    }

    public string Name { get; }

    public Endpoint Endpoint { get; }

    public IReadOnlyList<IResource> Dependencies => [];

    public IReadOnlyList<Endpoint> Endpoints => [Endpoint];

    public string Url => string.Create(CultureInfo.InvariantCulture, $"nats://{Endpoint.Host}:{Endpoint.Port}");

    public Task<int>? Exited => _process.Exited;

    /// <summary>Users besides <see cref="OperatorUser"/>: the core services that reference this server.</summary>
    public IReadOnlyList<string> Users => _users;

    public string StoreDirectory(RunContext context) => context.DataPath(Name);

    public string ConfigFile(RunContext context) => Path.Combine(StoreDirectory(context), "nats.conf");

    public string PasswordFile(RunContext context, string user) => Path.Combine(StoreDirectory(context), "users", user + ".password");

    /// <summary>Declares a user (a core service); <see cref="Projects.ProjectResource.WithReference(NatsResource)"/> calls it.</summary>
    public NatsResource WithUser(string user)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        if (!user.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') || user == OperatorUser)
        {
            throw new ArgumentException($"NATS user '{user}' must be lower-case letters, digits and hyphens, and not '{OperatorUser}'.", nameof(user));
        }

        if (!_users.Contains(user, StringComparer.Ordinal))
        {
            _users.Add(user);
        }

        return this;
    }

    /// <summary><c>nats://USER:PASSWORD@127.0.0.1:PORT</c> (after <see cref="PrepareAsync"/>): what the user's service connects with.</summary>
    public string ConnectionStringFor(string user) =>
        _passwords.TryGetValue(user, out var password)
            ? string.Create(CultureInfo.InvariantCulture, $"nats://{user}:{password}@{Endpoint.Host}:{Endpoint.Port}")
            : throw new InvalidOperationException($"{Name} has no prepared user '{user}'.");

    public IReadOnlyList<Tool> RequiredTools(RunContext context) => Executable(context) is null ? [Tool.NatsServer] : [];

    public Task PrepareAsync(RunContext context, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(StoreDirectory(context));
        foreach (var user in _users.Append(OperatorUser))
        {
            _passwords[user] = SecretFile.ReadOrCreate(PasswordFile(context, user));
        }

        SecretFile.WritePrivate(ConfigFile(context), Configuration(context));
        return Task.CompletedTask;
    }

    /// <summary>
    /// The server's configuration. With users under <c>authorization</c>, nats-server refuses a client without valid
    /// credentials ("Authorization Violation"); every user is in the one global account, where JetStream is enabled.
    /// </summary>
    private string Configuration(RunContext context)
    {
        var text = new StringBuilder()
            .AppendLine("# Written by the Fabrix AppHost at every start (AppHost/Nats/NatsResource.cs); edits are overwritten.")
            .AppendLine(CultureInfo.InvariantCulture, $"listen: \"{Endpoint.Host}:{Endpoint.Port}\"")
            .AppendLine(CultureInfo.InvariantCulture, $"jetstream {{ store_dir: {Quote(StoreDirectory(context))} }}")
            .AppendLine("authorization {")
            .AppendLine("  users = [");
        foreach (var (user, password) in _passwords.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    {{ user: \"{user}\", password: \"{password}\" }}");
        }

        return text.AppendLine("  ]").AppendLine("}").ToString();
    }

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    public Task StopLeftoverAsync(RunContext context, CancellationToken cancellationToken) => _process.StopLeftoverAsync(context);

    public Task StartAsync(RunContext context, CancellationToken cancellationToken)
    {
        var executable = Executable(context) ?? throw new AppHostException(Tool.MissingMessage([Tool.NatsServer]));
        _process.Start(context, new ChildProcessSpec(executable, ["-c", ConfigFile(context)]));
        return Task.CompletedTask;
    }

    public Task WaitUntilReadyAsync(RunContext context, CancellationToken cancellationToken) =>
        _process.WaitUntilReadyAsync(context, ReceivesInfoAsync, cancellationToken);

    public Task StopAsync(RunContext context) => _process.StopAsync(context);

    private string? Executable(RunContext context) => _executable ??= context.Executables.Find(Tool.NatsServer.FileName);

    private async Task<bool> ReceivesInfoAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(Endpoint.Host, Endpoint.Port, timeout.Token);
            var buffer = new byte[5];
            var read = 0;
            var stream = client.GetStream();
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
                if (n == 0)
                {
                    return false;
                }

                read += n;
            }

            return Encoding.ASCII.GetString(buffer) == "INFO ";
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
