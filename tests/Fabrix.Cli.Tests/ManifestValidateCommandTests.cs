using System.Text.Json;

namespace Fabrix.Cli.Tests;

public sealed class ManifestValidateCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Validate_ValidFile_ExitsZero()
    {
        var file = _directory.Write("user-management.json", Manifests.UserManagement);

        var result = await Cli().RunAsync("manifest", "validate", file);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("valid", result.Output, StringComparison.Ordinal);
        Assert.Contains("1 of 1 manifest valid.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_InvalidFileAsJson_ExitsOneWithErrorPaths()
    {
        var file = _directory.Write("bad.json", Manifests.Invalid);

        var result = await Cli().RunAsync("manifest", "validate", "--json", file);

        Assert.Equal(1, result.ExitCode);
        var report = Assert.Single(Parse(result.Output).EnumerateArray().ToList());
        Assert.Equal("bad.json", report.GetProperty("file").GetString());
        Assert.False(report.GetProperty("valid").GetBoolean());
        Assert.Equal(
            ["$.security.data_classification[1]", "$.version"],
            report.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).Order(StringComparer.Ordinal));
        Assert.All(report.GetProperty("errors").EnumerateArray(), e => Assert.False(string.IsNullOrEmpty(e.GetProperty("message").GetString())));
    }

    [Fact]
    public async Task Validate_InvalidFileHumanOutput_ListsErrorsUnderTheFile()
    {
        var file = _directory.Write("bad.json", Manifests.Invalid);

        var result = await Cli().RunAsync("manifest", "validate", file);

        Assert.Equal(1, result.ExitCode);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("invalid", lines[0], StringComparison.Ordinal);
        Assert.Contains("bad.json (2 errors)", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("error", StringComparison.Ordinal) && l.Contains("$.security.data_classification[1]:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("$.version:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_MissingFile_ExitsTwoAndReportsIt()
    {
        var result = await Cli().RunAsync("manifest", "validate", "nowhere.json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unreadable nowhere.json", result.Output, StringComparison.Ordinal);
        Assert.Contains("no such file", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingFileAsJson_AppearsInArrayWithErrorAtRoot()
    {
        var result = await Cli().RunAsync("manifest", "validate", "--json", "nowhere.json");

        Assert.Equal(2, result.ExitCode);
        var report = Assert.Single(Parse(result.Output).EnumerateArray().ToList());
        Assert.False(report.GetProperty("valid").GetBoolean());
        Assert.Equal("$", Assert.Single(report.GetProperty("errors").EnumerateArray().ToList()).GetProperty("path").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"id\": \"echo\",")]
    public async Task Validate_FileThatIsNotJson_ExitsTwoWithErrorAtRoot(string content)
    {
        var file = _directory.Write("broken.json", content);

        var result = await Cli().RunAsync("manifest", "validate", "--json", file);

        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(Assert.Single(Parse(result.Output).EnumerateArray().ToList()).GetProperty("errors").EnumerateArray().ToList());
        Assert.Equal("$", error.GetProperty("path").GetString());
        Assert.Contains("not JSON", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_DirectoryInsteadOfFile_ExitsTwo()
    {
        Directory.CreateDirectory(Path.Combine(_directory.Path, "folder.json"));

        var result = await Cli().RunAsync("manifest", "validate", "folder.json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unreadable folder.json", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_SeveralFilesAsJson_OneObjectPerFileInOrder()
    {
        var good = _directory.Write("good.json", Manifests.UserManagement);
        var warned = _directory.Write("nested/echo.json", Manifests.Echo);
        var bad = _directory.Write("bad.json", Manifests.Invalid);

        var result = await Cli().RunAsync("manifest", "validate", "--json", good, warned, bad);

        Assert.Equal(1, result.ExitCode);
        var reports = Parse(result.Output).EnumerateArray().ToList();
        Assert.Equal([good, warned, bad], reports.Select(r => r.GetProperty("file").GetString()));
        Assert.Equal([true, true, false], reports.Select(r => r.GetProperty("valid").GetBoolean()));
        Assert.All(reports, r => Assert.Equal(
            ["file", "valid", "errors", "warnings"],
            r.EnumerateObject().Select(p => p.Name)));
        var warning = Assert.Single(reports[1].GetProperty("warnings").EnumerateArray().ToList());
        Assert.Equal("$.traits[0]", warning.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Validate_AllValid_ExitsZeroEvenWithWarnings()
    {
        var first = _directory.Write("a.json", Manifests.UserManagement);
        var second = _directory.Write("b.json", Manifests.Echo);

        var result = await Cli().RunAsync("manifest", "validate", "--json", first, second);

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Validate_InvalidAndUnreadable_IoErrorWins()
    {
        var bad = _directory.Write("bad.json", Manifests.Invalid);

        var result = await Cli().RunAsync("manifest", "validate", bad, "missing.json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("invalid    bad.json", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_NoFiles_UsageErrorExitsTwo()
    {
        var result = await Cli().RunAsync("manifest", "validate");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("fabrix --help", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownCommand_UsageErrorExitsTwo()
    {
        var result = await Cli().RunAsync("manifests", "check");

        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task Run_Help_ExitsZeroAndListsCommands()
    {
        var result = await Cli().RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("manifest", result.Output, StringComparison.Ordinal);
        Assert.Contains("plugins", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_AbsolutePath_ReadsIt()
    {
        var file = Path.Combine(_directory.Path, _directory.Write("abs.json", Manifests.Echo));

        var result = await new CliRun(Path.GetTempPath()).RunAsync("manifest", "validate", file);

        Assert.Equal(0, result.ExitCode);
    }

    private CliRun Cli() => new(_directory.Path);

    private static JsonElement Parse(string output) => JsonDocument.Parse(output).RootElement;
}
