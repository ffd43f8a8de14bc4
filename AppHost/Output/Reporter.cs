using Fabrix.AppHost.Model;
using Spectre.Console;

namespace Fabrix.AppHost.Output;

/// <summary>
/// Everything the AppHost tells the user. Resources start concurrently, so writes are serialized. The machine-readable
/// ready line goes to the plain writer unformatted, so no terminal width ever wraps it.
/// </summary>
internal sealed class Reporter
{
    private readonly IAnsiConsole _console;
    private readonly IAnsiConsole _errors;
    private readonly TextWriter _plain;
    private readonly Lock _lock = new();

    /// <param name="console">Where everything goes.</param>
    /// <param name="plain">Where the machine-readable line goes, unformatted.</param>
    /// <param name="errors">Where error lines go (standard error); <paramref name="console"/> when null.</param>
    public Reporter(IAnsiConsole console, TextWriter plain, IAnsiConsole? errors = null)
    {
        _console = console;
        _plain = plain;
        _errors = errors ?? console;
    }

    /// <summary>The terminal; when output is redirected (a test, a CI log) tables get a wide page instead of 80 columns.</summary>
    public static Reporter ForConsole()
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 200;
        }

        var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected)
        {
            errors.Profile.Width = 200;
        }

        return new Reporter(console, Console.Out, errors);
    }

    public bool IsInteractive => _console.Profile.Capabilities.Interactive;

    public void Heading(string text) => Write($"[bold]{Markup.Escape(text)}[/]");

    public void Info(string text) => Write(Markup.Escape(text));

    public void Warning(string text) => Write($"[yellow]warning:[/] {Markup.Escape(text)}");

    public void StateChanged(string resource, ResourceState state, string? detail = null)
    {
        var color = state switch
        {
            ResourceState.Running => "green",
            ResourceState.Failed => "red",
            ResourceState.Restarting => "yellow",
            ResourceState.Stopped => "grey",
            _ => "blue",
        };
        var suffix = string.IsNullOrEmpty(detail) ? string.Empty : "  " + Markup.Escape(detail);
        Write($"  [{color}]{state,-10}[/] {Markup.Escape(resource)}{suffix}");
    }

    /// <summary>The one-line cause of a failure, after its context (dimmed), e.g. the end of a service's log.</summary>
    public void Error(string message, IReadOnlyList<string> details) => Guarded(() =>
    {
        foreach (var line in details)
        {
            _errors.MarkupLine($"[grey]  | {Markup.Escape(line)}[/]");
        }

        _errors.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
    });

    public void Table(IEnumerable<ResourceRow> rows)
    {
        // Three columns fit an 80-column terminal; where each log is goes below the table.
        var table = new Table().RoundedBorder().AddColumns("Resource", "State", "URL");
        foreach (var row in rows)
        {
            var state = row.State switch
            {
                ResourceState.Running => "[green]Running[/]",
                ResourceState.Failed => "[red]Failed[/]",
                _ => row.State.ToString(),
            };
            table.AddRow(Markup.Escape(row.Name), state, Markup.Escape(row.Url ?? "-"));
        }

        Guarded(() => _console.Write(table));
    }

    public void Banner(string title, string url, string? hint) => Guarded(() =>
    {
        _console.WriteLine();
        _console.MarkupLine($"  [bold]{Markup.Escape(title)}:[/] [bold underline cyan]{Markup.Escape(url)}[/]");
        if (hint is not null)
        {
            _console.MarkupLine($"  {Markup.Escape(hint)}");
        }

        _console.WriteLine();
    });

    /// <summary>Writes a machine-readable line exactly as given.</summary>
    public void Plain(string line) => Guarded(() =>
    {
        _plain.WriteLine(line);
        _plain.Flush();
    });

    /// <summary>Runs <paramref name="work"/> under a spinner when the terminal is interactive.</summary>
    public async Task<T> WithSpinnerAsync<T>(string text, Func<Task<T>> work)
    {
        if (!IsInteractive)
        {
            return await work();
        }

        return await _console.Status().Spinner(Spinner.Known.Dots).StartAsync(Markup.Escape(text), _ => work());
    }

    private void Write(string markup) => Guarded(() => _console.MarkupLine(markup));

    /// <summary>
    /// Serializes output, and never lets a closed terminal (SIGHUP, a dropped pipe) break the run or, worse, the
    /// orderly stop of the children that follows.
    /// </summary>
    private void Guarded(Action write)
    {
        lock (_lock)
        {
            try
            {
                write();
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>One row of the resources table.</summary>
internal sealed record ResourceRow(string Name, ResourceState State, string? Url);
