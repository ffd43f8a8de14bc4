namespace Fabrix.Benchmarks.Tests;

public sealed class BenchOptionsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fabrix-bench-options-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Read_OptionsGiven_GettersReturnValuesAndSucceed()
    {
        var options = BenchOptions.Read(["bench", "--name", "a", "--rounds", "3", "--duration", "1.5s", "--bytes", "8589934592"]);

        Assert.Equal("a", options.Text("--name", "default"));
        Assert.Equal(3, options.Int("--rounds", 2, 1, 20));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.Duration("--duration", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1)));
        Assert.Equal(8L << 30, options.Long("--bytes", 1, 1, 64L << 30));
        Assert.True(options.Succeeded(out var error));
        Assert.Null(error);
    }

    [Fact]
    public void Read_OptionsAbsent_GettersReturnDefaults()
    {
        var options = BenchOptions.Read(["bench"]);

        Assert.Equal("default", options.Text("--name", "default"));
        Assert.Equal(2, options.Int("--rounds", 2, 1, 20));
        Assert.Equal(TimeSpan.FromSeconds(5), options.Duration("--duration", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1)));
        Assert.True(options.Succeeded(out _));
    }

    [Fact]
    public void Read_OptionGivenTwice_LastOneWins()
    {
        var options = BenchOptions.Read(["bench", "--rounds", "3", "--rounds", "5"]);

        Assert.Equal(5, options.Int("--rounds", 2, 1, 20));
        Assert.True(options.Succeeded(out _));
    }

    [Fact]
    public void Read_LastOptionWithoutValue_NeedsAValue()
    {
        var options = BenchOptions.Read(["bench", "--rounds", "3", "--count"]);
        options.Int("--rounds", 2, 1, 20);
        options.Int("--count", 2000, 1, 1_000_000);

        Assert.False(options.Succeeded(out var error));
        Assert.Equal("--count needs a value.", error);
    }

    [Fact]
    public void Succeeded_OptionNoGetterAskedFor_NamesItUnknown()
    {
        var options = BenchOptions.Read(["bench", "--rounds", "3", "--roundz", "4"]);
        options.Int("--rounds", 2, 1, 20);

        Assert.False(options.Succeeded(out var error));
        Assert.Equal("--roundz is not an option of this benchmark.", error);
    }

    [Theory]
    [InlineData("many")]
    [InlineData("2.5")]
    [InlineData("0")]
    [InlineData("21")]
    public void Int_NotAWholeNumberInRange_NamesTheRangeAndTheValue(string value)
    {
        var options = BenchOptions.Read(["bench", "--rounds", value]);

        Assert.Equal(2, options.Int("--rounds", 2, 1, 20));
        Assert.False(options.Succeeded(out var error));
        Assert.Equal($"--rounds must be a whole number from 1 to 20 (was '{value}').", error);
    }

    [Theory]
    [InlineData("5", "--duration must be a duration above zero such as 250ms, 1.5s or 2m of at least 1s and at most 10m (was '5').")]
    [InlineData("0s", "--duration must be a duration above zero such as 250ms, 1.5s or 2m of at least 1s and at most 10m (was '0s').")]
    [InlineData("500ms", "--duration must be a duration above zero such as 250ms, 1.5s or 2m of at least 1s and at most 10m (was '500ms').")]
    [InlineData("11m", "--duration must be a duration above zero such as 250ms, 1.5s or 2m of at least 1s and at most 10m (was '11m').")]
    public void Duration_BadOrOutOfRange_NamesTheBoundsAndTheValue(string value, string expected)
    {
        var options = BenchOptions.Read(["bench", "--duration", value]);

        Assert.Equal(TimeSpan.FromSeconds(5), options.Duration("--duration", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)));
        Assert.False(options.Succeeded(out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Duration_NoLowerBound_NamesOnlyTheUpperOne()
    {
        var options = BenchOptions.Read(["bench", "--warmup", "2m"]);
        options.Duration("--warmup", TimeSpan.FromSeconds(2), TimeSpan.Zero, TimeSpan.FromMinutes(1));

        Assert.False(options.Succeeded(out var error));
        Assert.Equal("--warmup must be a duration above zero such as 250ms, 1.5s or 2m of at most 1m (was '2m').", error);
    }

    [Fact]
    public void Required_NeitherGivenNorDefaulted_IsRequired()
    {
        var options = BenchOptions.Read(["bench"]);
        options.Required("--connection", string.Empty);

        Assert.False(options.Succeeded(out var error));
        Assert.Equal("--connection is required.", error);
    }

    [Fact]
    public void Required_DefaultFromEnvironment_Succeeds()
    {
        var options = BenchOptions.Read(["bench"]);

        Assert.Equal("Host=db", options.Required("--connection", "Host=db"));
        Assert.True(options.Succeeded(out _));
    }

    [Fact]
    public void ExistingFileAndFolder_Missing_NameThePath()
    {
        var missing = Path.Combine(_folder, "missing");
        var options = BenchOptions.Read(["bench", "--registry", missing, "--work", missing]);
        options.ExistingFile("--registry");
        options.ExistingFolder("--work");

        Assert.False(options.Succeeded(out var error));
        Assert.Equal(
            [$"--registry must be an existing file (was '{missing}').", $"--work must be an existing folder (was '{missing}')."],
            error!.Split(Environment.NewLine));
    }

    [Fact]
    public void Succeeded_SeveralProblems_NamesEveryOneUnknownFirst()
    {
        var options = BenchOptions.Read(["bench", "--rounds", "x", "--bogus", "1", "--count", "0"]);
        options.Int("--rounds", 2, 1, 20);
        options.Int("--count", 2000, 1, 1_000_000);
        options.Required("--work", string.Empty);

        Assert.False(options.Succeeded(out var error));
        Assert.Equal(
            [
                "--bogus is not an option of this benchmark.",
                "--rounds must be a whole number from 1 to 20 (was 'x').",
                "--count must be a whole number from 1 to 1000000 (was '0').",
                "--work is required.",
            ],
            error!.Split(Environment.NewLine));
    }
}
