using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Fabrix.AppHost.Model;
using Fabrix.AppHost.Output;
using Fabrix.AppHost.Processes;
using Fabrix.AppHost.Projects;
using Fabrix.Contracts.Identity;

namespace Fabrix.AppHost.Orchestration;

/// <summary>
/// Runs the resources: checks everything that can be checked before starting anything (binaries, ports, manifests,
/// leftovers of a killed run), builds the projects, starts each resource once its dependencies are ready (independent
/// ones concurrently), and stops them in reverse dependency order. When one fails to start, whatever started is
/// stopped and the cause surfaces as one <see cref="AppHostException"/>.
/// </summary>
internal sealed class Orchestrator
{
    private readonly IReadOnlyList<IResource> _resources;
    private readonly IReadOnlyList<IResource> _startOrder;
    private readonly RunContext _context;
    private readonly int _portOffset;
    private readonly bool _noBuild;
    private readonly ConcurrentDictionary<IResource, ResourceState> _states = new();
    private readonly ConcurrentDictionary<IResource, bool> _started = new();
    private readonly ConcurrentDictionary<IResource, int> _restarts = new();

    public Orchestrator(IReadOnlyList<IResource> resources, RunContext context, int portOffset = 0, bool noBuild = false)
    {
        _resources = resources;
        _startOrder = ResourceGraph.StartOrder(resources);
        _context = context;
        _portOffset = portOffset;
        _noBuild = noBuild;
        foreach (var resource in resources)
        {
            _states[resource] = ResourceState.Pending;
        }
    }

    /// <summary>Raised on every state change (the tests observe start and stop order through it).</summary>
    public event Action<IResource, ResourceState>? StateChanged;

    public IReadOnlyList<IResource> StartOrder => _startOrder;

    public ResourceState StateOf(IResource resource) => _states[resource];

    /// <summary>
    /// Starts everything, prints the table and the ready line, restarts whatever exits on its own until a stop signal,
    /// then stops everything.
    /// </summary>
    /// <returns>0 after a clean run.</returns>
    public async Task<int> RunAsync(CancellationToken stopping)
    {
        await StartAsync(stopping);
        PrintSummary();
        var supervisors = _resources.Where(r => r.Exited is not null && _states[r] == ResourceState.Running)
            .Select(r => SuperviseAsync(r, stopping))
            .ToList();
        await Task.WhenAll(supervisors);
        await StopAsync();
        _context.Reporter.Info("Stopped.");
        return 0;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PreflightAsync(cancellationToken);
            var projects = _startOrder.OfType<ProjectResource>().ToList();
            if (projects.Count > 0)
            {
                await ProjectBuild.BuildAsync(_context, projects, _noBuild, cancellationToken);
            }

            await StartResourcesAsync(cancellationToken);
        }
        catch
        {
            await StopAsync();
            throw;
        }
    }

    /// <summary>Stops every started resource, dependents first. Failures to stop one are reported and do not keep the others running.</summary>
    public async Task StopAsync()
    {
        foreach (var resource in _startOrder.Reverse())
        {
            if (!_started.TryRemove(resource, out _))
            {
                continue;
            }

            SetState(resource, ResourceState.Stopping);
            try
            {
                await resource.StopAsync(_context);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever went wrong with this one, the others must still be stopped.
                _context.Reporter.Warning($"stopping {resource.Name}: {e.Message}");
            }

            SetState(resource, ResourceState.Stopped);
        }
    }

    private async Task PreflightAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_context.LogsDirectory);
        Directory.CreateDirectory(_context.RunDirectory);
        if (_resources.OfType<ProjectResource>().Any())
        {
            DevelopmentAdminToken.EnsureKeyFile(_context.DevAdminKeyFile);
        }

        var missing = _resources.SelectMany(r => r.RequiredTools(_context)).Distinct().ToList();
        if (!File.Exists(_context.Launch.SetSid))
        {
            missing.Insert(0, Tool.SetSid);
        }

        if (missing.Count > 0)
        {
            throw new AppHostException(Tool.MissingMessage(missing));
        }

        // Dependents first, as in a normal stop: a leftover service must let go of the database before it stops.
        foreach (var resource in _startOrder.Reverse())
        {
            await resource.StopLeftoverAsync(_context, cancellationToken);
        }

        foreach (var resource in _startOrder)
        {
            await resource.PrepareAsync(_context, cancellationToken);
        }

        PortCheck.EnsureFree(_resources.SelectMany(r => r.Endpoints).ToList(), _portOffset);
    }

    private async Task StartResourcesAsync(CancellationToken cancellationToken)
    {
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? firstFailure = null;
        var tasks = new Dictionary<IResource, Task>();
        foreach (var resource in _startOrder)
        {
            var dependencies = resource.Dependencies.Select(d => tasks[d]).ToList();
            tasks[resource] = StartOneAsync(
                resource,
                dependencies,
                e =>
                {
                    Interlocked.CompareExchange(ref firstFailure, e, null);
                    failFast.Cancel();
                },
                failFast.Token);
        }

        try
        {
            await Task.WhenAll(tasks.Values);
        }
        catch (Exception) when (firstFailure is not null)
        {
            ExceptionDispatchInfo.Capture(firstFailure).Throw();
        }
    }

    private async Task StartOneAsync(IResource resource, IReadOnlyList<Task> dependencies, Action<Exception> fail, CancellationToken cancellationToken)
    {
        await Task.WhenAll(dependencies);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // Checked again right before the start: a build takes a while, and another process may have taken it meanwhile.
            PortCheck.EnsureFree(resource.Endpoints, _portOffset);
            SetState(resource, ResourceState.Starting);
            _started[resource] = true;
            await resource.StartAsync(_context, cancellationToken);
            await resource.WaitUntilReadyAsync(_context, cancellationToken);
            SetState(resource, ResourceState.Running, resource.Url);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            SetState(resource, ResourceState.Failed);
            fail(e);
            throw;
        }
    }

    /// <summary>
    /// Restarts <paramref name="resource"/> each time it exits on its own, with backoff (<see cref="RestartPolicy"/>),
    /// until <paramref name="stopping"/>: an exit during the AppHost's own stop is not a crash. A restart that does not
    /// become ready counts as one more crash. Dependents are left running: they reconnect, as they would to a restarted
    /// server in production.
    /// </summary>
    private async Task SuperviseAsync(IResource resource, CancellationToken stopping)
    {
        var policy = _context.Restart;
        var time = _context.TimeProvider;
        var upSince = time.GetTimestamp();
        var consecutive = 0;
        Task<int>? handled = null;
        while (resource.Exited is { } exited)
        {
            int exitCode;
            try
            {
                exitCode = await exited.WaitAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            // The same exit as last time: the restart failed before a new process was launched.
            var launched = !ReferenceEquals(exited, handled);
            handled = exited;
            consecutive = time.GetElapsedTime(upSince) >= policy.ResetAfter ? 1 : consecutive + 1;
            var restarts = _restarts.AddOrUpdate(resource, 1, (_, n) => n + 1);
            var delay = policy.DelayBefore(consecutive);
            var when = string.Create(CultureInfo.InvariantCulture, $"restart {restarts} in {delay.TotalSeconds:0.#} s");
            var why = launched
                ? string.Create(CultureInfo.InvariantCulture, $"{resource.Name} exited with code {exitCode}; {when}")
                : $"{resource.Name} did not start; {when}";
            var log = _context.LogPathFor(resource.Name);
            LogFile.Append(log, $"{Environment.NewLine}===== {why} ====={Environment.NewLine}");
            SetState(resource, ResourceState.Restarting, when);
            _context.Reporter.Warning($"{why}; see {RunContext.Display(log)}");
            try
            {
                // Sweeps what the crash left of the process group and the PID file before the new start.
                await resource.StopAsync(_context);
                await Task.Delay(delay, time, stopping);
                SetState(resource, ResourceState.Starting);
                await resource.StartAsync(_context, stopping);
                await resource.WaitUntilReadyAsync(_context, stopping);
                upSince = time.GetTimestamp();
                SetState(resource, ResourceState.Running, string.Create(CultureInfo.InvariantCulture, $"{resource.Url} (restart {restarts})"));
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Not ready (exited again, timed out, or a step of its start failed, e.g. the registry it installs through
                // is itself restarting): stop what is left, so the loop sees an exit and backs off further.
                SetState(resource, ResourceState.Failed);
                _context.Reporter.Error($"restart {restarts} of {resource.Name}: {e.Message}", e is AppHostException { Details: var details } ? details : []);
                upSince = time.GetTimestamp();
                try
                {
                    await resource.StopAsync(_context);
                }
                catch (Exception stop) when (stop is not OutOfMemoryException)
                {
                    _context.Reporter.Warning($"stopping {resource.Name}: {stop.Message}");
                }

            }
        }
    }

    public int RestartsOf(IResource resource) => _restarts.GetValueOrDefault(resource);

    private void PrintSummary()
    {
        var reporter = _context.Reporter;
        reporter.Table(_startOrder.Select(r => new ResourceRow(r.Name, _states[r], r.Url)));
        foreach (var project in _startOrder.OfType<ProjectResource>().Where(p => p.Banner is not null && p.HttpEndpoint is not null))
        {
            reporter.Banner(project.Banner!.Value.Title, project.HttpEndpoint!.Url, project.Banner.Value.Hint);
        }

        reporter.Info($"Logs: {RunContext.Display(_context.LogPathFor("<resource>"))}    Data: {RunContext.Display(_context.DataRoot)}    Stop: Ctrl-C");
        reporter.Plain(ReadyLine());
    }

    /// <summary>
    /// <c>FABRIX READY NAME=URL ... data=DIR</c>, for tests and scripts: resources with a banner first, then the other
    /// projects, then the infrastructure; each resource's URL, then every endpoint as <c>NAME.ENDPOINT=URL</c>.
    /// </summary>
    public string ReadyLine()
    {
        var ordered = _startOrder
            .OrderBy(r => r is ProjectResource { Banner: not null } ? 0 : r is ProjectResource ? 1 : 2)
            .ToList();
        var entries = new List<string>();
        foreach (var resource in ordered)
        {
            entries.Add($"{resource.Name}={resource.Url}");
            if (resource is ProjectResource)
            {
                entries.AddRange(resource.Endpoints.Select(e => $"{resource.Name}.{e.Name}={e.Url}"));
            }
        }

        entries.Add($"data={_context.DataRoot}");
        return "FABRIX READY " + string.Join(' ', entries);
    }

    private void SetState(IResource resource, ResourceState state, string? detail = null)
    {
        _states[resource] = state;
        _context.Reporter.StateChanged(resource.Name, state, detail);
        StateChanged?.Invoke(resource, state);
    }
}
