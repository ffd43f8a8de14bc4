using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Processes;
using Npgsql;

namespace Fabrix.AppHost.Postgres;

/// <summary>
/// A PostgreSQL cluster kept under <c>.fabrix/NAME/</c> (issue 2 section 5): created on first run with password
/// authentication (a generated password in <c>.password</c>, mode 0600), then reused. The server runs as a child,
/// listening on 127.0.0.1 only with its socket inside the data root, and as user <c>postgres</c> when the AppHost
/// runs as root (PostgreSQL refuses root). The cluster holds real data: fsync stays on.
/// A database declared with an owner (a plugin's) belongs to a LOGIN role of that name with a generated password
/// (<c>.fabrix/NAME/roles/ROLE.password</c>, 0600), and the project referencing it connects as that role; no database
/// of the cluster accepts connections from PUBLIC, so a plugin's role cannot connect to the registry's database
/// (issue 7 section 7). Core's databases stay with the superuser.
/// </summary>
internal sealed partial class PostgresResource : IResource
{
    public const string Superuser = "postgres";
    private const string OsUser = "postgres";

    // sockaddr_un.sun_path holds 108 bytes on Linux, the terminating NUL included.
    private const int MaxSocketPathLength = 107;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly List<string> _databases = [];
    private readonly Dictionary<string, string> _owners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _rolePasswords = new(StringComparer.Ordinal);
    private readonly ResourceProcess _process;
    private string? _binDirectory;
    private string? _password;

    public PostgresResource(string name, Endpoint endpoint)
    {
        Name = name;
        Endpoint = endpoint;
        _process = new ResourceProcess(name);
    }

    public string Name { get; }

    public Endpoint Endpoint { get; }

    public IReadOnlyList<IResource> Dependencies => [];

    public IReadOnlyList<Endpoint> Endpoints => [Endpoint];

    public string Url => string.Create(CultureInfo.InvariantCulture, $"postgresql://{Superuser}@{Endpoint.Host}:{Endpoint.Port}");

    public IReadOnlyList<string> Databases => _databases;

    public Task<int>? Exited => _process.Exited;

    /// <summary>
    /// Declares a database created (if missing) once the server is ready. With <paramref name="owner"/>, the database
    /// belongs to a LOGIN role of that name, made (with a generated password) if missing, and the references connect as
    /// that role; without, as the superuser.
    /// </summary>
    public PostgresResource WithDatabase(string database, string? owner = null)
    {
        if (owner is not null && (!DatabaseName().IsMatch(owner) || owner == Superuser))
        {
            throw new ArgumentException($"Role name '{owner}' must be lower-case letters, digits and underscores, starting with a letter or underscore, and not '{Superuser}'.", nameof(owner));
        }

        if (!DatabaseName().IsMatch(database))
        {
            throw new ArgumentException($"Database name '{database}' must be lower-case letters, digits and underscores, starting with a letter or underscore.", nameof(database));
        }

        if (_databases.Contains(database, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Database '{database}' is declared twice on {Name}.", nameof(database));
        }

        _databases.Add(database);
        if (owner is not null)
        {
            _owners[database] = owner;
        }

        return this;
    }

    /// <summary>The role that owns <paramref name="database"/>, or null when the superuser does.</summary>
    public string? OwnerOf(string database) => _owners.GetValueOrDefault(database);

    public string RolePasswordFile(RunContext context, string role) => Path.Combine(RootDirectory(context), "roles", role + ".password");

    public string RootDirectory(RunContext context) => context.DataPath(Name);

    public string DataDirectory(RunContext context) => Path.Combine(RootDirectory(context), "data");

    public string PasswordFile(RunContext context) => Path.Combine(RootDirectory(context), ".password");

    /// <summary>Npgsql connection string of <paramref name="database"/>, as its owner (after <see cref="PrepareAsync"/>).</summary>
    public string ConnectionStringFor(string database) =>
        _owners.TryGetValue(database, out var owner)
            ? ConnectionString(database, owner, _rolePasswords.GetValueOrDefault(owner))
            : ConnectionString(database, Superuser, _password);

    private string ConnectionString(string database, string user, string? password) => new NpgsqlConnectionStringBuilder
    {
        Host = Endpoint.Host,
        Port = Endpoint.Port,
        Username = user,
        Password = password ?? throw new InvalidOperationException($"{Name} is not prepared: the password of {user} is not loaded yet."),
        Database = database,
    }.ConnectionString;

    public IReadOnlyList<Tool> RequiredTools(RunContext context)
    {
        _binDirectory ??= PostgresBinaries.Locate(context.Executables, DataDirectory(context));
        var missing = new List<Tool>();
        if (_binDirectory is null)
        {
            missing.AddRange([Tool.InitDb, Tool.PgCtl, Tool.Postgres]);
        }

        if (context.Launch is { IsRoot: true, RunUser: null })
        {
            missing.Add(Tool.RunUser);
        }

        return missing;
    }

    public Task PrepareAsync(RunContext context, CancellationToken cancellationToken)
    {
        var root = RootDirectory(context);
        Directory.CreateDirectory(root);
        var passwordFile = PasswordFile(context);
        if (File.Exists(passwordFile))
        {
            _password = File.ReadAllText(passwordFile).Trim();
        }
        else if (IsInitialized(context))
        {
            throw new AppHostException($"the PostgreSQL cluster in {RunContext.Display(DataDirectory(context))} has no password file {RunContext.Display(passwordFile)}; restore it, or delete {RunContext.Display(root)} to create a new, empty cluster");
        }
        else
        {
            _password = RandomNumberGenerator.GetHexString(32, lowercase: true);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var stream = new FileStream(passwordFile, options);
            using var writer = new StreamWriter(stream);
            writer.Write(_password);
        }

        foreach (var role in _owners.Values.Distinct(StringComparer.Ordinal))
        {
            _rolePasswords[role] = SecretFile.ReadOrCreate(RolePasswordFile(context, role));
        }

        return Task.CompletedTask;
    }

    public async Task StopLeftoverAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (IsInitialized(context) && BinDirectory(context) is not null)
        {
            // pg_ctl status: 0 = a postmaster runs on this data folder (a killed run left it); 3 = not running.
            var status = await PgCtlAsync(context, ["status", "-D", DataDirectory(context)], cancellationToken);
            if (status.ExitCode == 0)
            {
                context.Reporter.Info($"  Stopping the PostgreSQL server of {RunContext.Display(DataDirectory(context))} left running by an earlier run");
                await PgCtlAsync(context, ["stop", "-D", DataDirectory(context), "-m", "fast", "-w", "-t", "60"], cancellationToken);
            }
        }

        await _process.StopLeftoverAsync(context);
    }

    public async Task StartAsync(RunContext context, CancellationToken cancellationToken)
    {
        var binDirectory = BinDirectory(context) ?? throw new AppHostException(Tool.MissingMessage([Tool.InitDb, Tool.PgCtl, Tool.Postgres]));
        var root = RootDirectory(context);
        var socketDirectory = Path.Combine(root, "run");
        Directory.CreateDirectory(socketDirectory);
        if (context.Launch.IsRoot)
        {
            await GiveToPostgresUserAsync(context, root, cancellationToken);
        }

        if (!IsInitialized(context))
        {
            await InitializeClusterAsync(context, binDirectory, cancellationToken);
        }

        var socketOption = Path.Combine(socketDirectory, ".s.PGSQL.65535").Length <= MaxSocketPathLength
            ? socketDirectory
            : string.Empty; // too long a path for a Unix socket: TCP only.
        var spec = new ChildProcessSpec(
            Path.Combine(binDirectory, Tool.Postgres.FileName),
            [
                "-D", DataDirectory(context),
                "-p", Endpoint.Port.ToString(CultureInfo.InvariantCulture),
                "-c", $"listen_addresses={Endpoint.Host}",
                "-c", $"unix_socket_directories={socketOption}",
            ])
        {
            RunAsUser = OsUser,
        };
        _process.Start(context, spec);
    }

    public async Task WaitUntilReadyAsync(RunContext context, CancellationToken cancellationToken)
    {
        await _process.WaitUntilReadyAsync(context, ct => CanConnectAsync(context, ct), cancellationToken);
        await EnsureDatabasesAsync(cancellationToken);
    }

    public async Task StopAsync(RunContext context)
    {
        if (_process.IsRunning && BinDirectory(context) is not null)
        {
            // Fast shutdown: sessions are closed, work is checkpointed. A second Ctrl-C cuts it short; the WAL makes even
            // that safe (the next start recovers).
            try
            {
                var result = await PgCtlAsync(context, ["stop", "-D", DataDirectory(context), "-m", "fast", "-w", "-t", "60"], context.ForceStop);
                LogFile.Append(context.LogPathFor(Name), result.Output);
            }
            catch (OperationCanceledException) when (context.ForceStop.IsCancellationRequested)
            {
            }

            await _process.WaitForExitAsync(context, context.EffectiveStopGrace);
        }

        await _process.StopAsync(context);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex DatabaseName();

    private bool IsInitialized(RunContext context) => File.Exists(Path.Combine(DataDirectory(context), "PG_VERSION"));

    private string? BinDirectory(RunContext context) =>
        _binDirectory ??= PostgresBinaries.Locate(context.Executables, DataDirectory(context));

    /// <summary>
    /// initdb into a scratch folder renamed into place on success: an interrupted initdb (Ctrl-C, a crash) never leaves a
    /// half-made cluster where the next run would take it for a real one.
    /// </summary>
    private async Task InitializeClusterAsync(RunContext context, string binDirectory, CancellationToken cancellationToken)
    {
        var dataDirectory = DataDirectory(context);
        var scratch = dataDirectory + ".initdb";
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        if (Directory.Exists(dataDirectory))
        {
            // A folder without PG_VERSION holds no cluster (PostgresBinaries and initdb both need it empty).
            Directory.Delete(dataDirectory, recursive: true);
        }

        _process.BeginLog(context, $"{Name}: initdb {dataDirectory}");
        context.Reporter.Info($"  Creating the PostgreSQL cluster in {RunContext.Display(dataDirectory)}");
        var spec = new ChildProcessSpec(
            Path.Combine(binDirectory, Tool.InitDb.FileName),
            ["-D", scratch, "-U", Superuser, "-A", "scram-sha-256", "--pwfile", PasswordFile(context), "-E", "UTF8", "--locale=C"])
        {
            RunAsUser = OsUser,
            WorkingDirectory = RootDirectory(context),
        };
        var result = await CommandRunner.RunAsync(spec, context.Launch, CommandTimeout, context.TimeProvider, cancellationToken);
        LogFile.Append(context.LogPathFor(Name), result.Output);
        if (!result.Succeeded)
        {
            throw new AppHostException(string.Create(CultureInfo.InvariantCulture, $"initdb failed with code {result.ExitCode}; see {RunContext.Display(context.LogPathFor(Name))}"))
            {
                Details = _process.LogTail(context),
            };
        }

        Directory.Move(scratch, dataDirectory);
    }

    /// <summary>
    /// As root, the cluster folder belongs to user postgres, and every folder above it must let that user through.
    /// </summary>
    private static async Task GiveToPostgresUserAsync(RunContext context, string root, CancellationToken cancellationToken)
    {
        var user = await CommandRunner.RunAsync(new ChildProcessSpec("id", ["-u", OsUser]), context.Launch, CommandTimeout, context.TimeProvider, cancellationToken);
        if (!user.Succeeded)
        {
            throw new AppHostException($"the operating-system user {OsUser} does not exist; install PostgreSQL with `bash eng/setup.sh` or `sudo apt-get install -y postgresql`");
        }

        var chown = await CommandRunner.RunAsync(new ChildProcessSpec("chown", ["-R", $"{OsUser}:{OsUser}", root]), context.Launch, CommandTimeout, context.TimeProvider, cancellationToken);
        if (!chown.Succeeded)
        {
            throw new AppHostException($"could not give {RunContext.Display(root)} to user {OsUser}: {chown.Output.Trim()}");
        }

        // The data root is the AppHost's own folder (a temp folder is often 0700): let user postgres pass through it.
        // Folders above it are not the AppHost's to change; the check below names the fix for them.
        var dataRoot = Path.GetDirectoryName(root)!;
        File.SetUnixFileMode(dataRoot, File.GetUnixFileMode(dataRoot) | UnixFileMode.OtherExecute);

        var access = await CommandRunner.RunAsync(
            new ChildProcessSpec("test", ["-w", root, "-a", "-x", root]) { RunAsUser = OsUser },
            context.Launch,
            CommandTimeout,
            context.TimeProvider,
            cancellationToken);
        if (!access.Succeeded)
        {
            throw new AppHostException($"user {OsUser} cannot reach {root} (a folder above it is closed to other users, e.g. /root); run with --data pointing to a folder such as /var/tmp/fabrix, or allow passage with chmod o+x on the folders above");
        }
    }

    private async Task<bool> CanConnectAsync(RunContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidPassword)
        {
            throw new AppHostException($"PostgreSQL refused the password in {RunContext.Display(PasswordFile(context))}; restore the right one, or delete {RunContext.Display(RootDirectory(context))} to create a new, empty cluster");
        }
        catch (NpgsqlException)
        {
            // Not accepting connections yet (starting up, or not listening yet).
            return false;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Creates what is missing and puts ownership and access right on every start (idempotent). Names matched
    /// DatabaseName() and passwords are hex, so quoting is enough: these statements take no parameters.
    /// </summary>
    private async Task EnsureDatabasesAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        foreach (var (role, password) in _rolePasswords)
        {
            var verb = await ExistsAsync(connection, "SELECT 1 FROM pg_roles WHERE rolname = $1", role, cancellationToken) ? "ALTER" : "CREATE";
            await ExecuteAsync(connection, $"{verb} ROLE \"{role}\" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'", cancellationToken);
        }

        foreach (var database in _databases)
        {
            var owner = _owners.GetValueOrDefault(database);
            if (!await ExistsAsync(connection, "SELECT 1 FROM pg_database WHERE datname = $1", database, cancellationToken))
            {
                await ExecuteAsync(connection, owner is null ? $"CREATE DATABASE \"{database}\"" : $"CREATE DATABASE \"{database}\" OWNER \"{owner}\"", cancellationToken);
            }
            else if (owner is not null)
            {
                await ExecuteAsync(connection, $"ALTER DATABASE \"{database}\" OWNER TO \"{owner}\"", cancellationToken);
                await HandOverObjectsAsync(database, owner, cancellationToken);
            }

            // The owner (and the superuser) keep their access; every other role is refused at connection time.
            await ExecuteAsync(connection, $"REVOKE CONNECT, TEMPORARY ON DATABASE \"{database}\" FROM PUBLIC", cancellationToken);
        }

        await ExecuteAsync(connection, "REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC", cancellationToken);
    }

    /// <summary>
    /// A database made by an earlier AppHost (before it had an owner) holds tables the superuser created for the plugin:
    /// hand them to the owner, or the plugin, connecting as its role, could no longer use its own data.
    /// </summary>
    private async Task HandOverObjectsAsync(string database, string owner, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString(database));
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, $$"""
            DO $$
            DECLARE r record;
            BEGIN
              FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND pg_get_userbyid(c.relowner) <> '{{owner}}'
              LOOP
                EXECUTE format('ALTER TABLE %s OWNER TO %I', r.name, '{{owner}}');
              END LOOP;
            END $$;
            """, cancellationToken);
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, string sql, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private string AdminConnectionString(string database) => new NpgsqlConnectionStringBuilder(ConnectionString(database, Superuser, _password))
    {
        // The AppHost's own short sessions must not linger in a pool and delay a fast shutdown.
        Pooling = false,
        Timeout = 3,
    }.ConnectionString;

    private async Task<CommandResult> PgCtlAsync(RunContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var spec = new ChildProcessSpec(Path.Combine(BinDirectory(context)!, Tool.PgCtl.FileName), arguments)
        {
            RunAsUser = OsUser,
            WorkingDirectory = RootDirectory(context),
        };
        return await CommandRunner.RunAsync(spec, context.Launch, CommandTimeout, context.TimeProvider, cancellationToken);
    }
}
