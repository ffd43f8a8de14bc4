using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Tests.Support;

namespace Fabrix.AppHost.Tests.Hosting;

public sealed class SecretFileTests
{
    [Fact]
    public void ReadOrCreate_NoFile_WritesA128BitHexSecretReadableByItsOwnerOnly()
    {
        using var data = new TempFolder();
        var path = data.Combine("secrets/x.password");

        var secret = SecretFile.ReadOrCreate(path);

        Assert.Matches("^[0-9a-f]{32}$", secret);
        Assert.Equal(secret, File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data.Combine("secrets")));
    }

    [Fact]
    public void ReadOrCreate_ExistingFile_IsItsTrimmedContent()
    {
        using var data = new TempFolder();
        var path = data.Combine("x.password");
        File.WriteAllText(path, "kept-secret\n");

        Assert.Equal("kept-secret", SecretFile.ReadOrCreate(path));
    }

    [Fact]
    public void WritePrivate_ExistingWorldReadableFile_IsReplacedWithAPrivateOne()
    {
        using var data = new TempFolder();
        var path = data.Combine("nats.conf");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        SecretFile.WritePrivate(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
