using Fabrix.AppHost.Hosting;
using Fabrix.AppHost.Tests.Support;

namespace Fabrix.AppHost.Tests.Hosting;

public sealed class DataRootLockTests
{
    [Fact]
    public void Acquire_FolderAlreadyLocked_FailsNamingTheFolderAndTheWayAround()
    {
        using var data = new TempFolder();
        var layout = new FabrixLayout(RepositoryRoot.Path, data.Path, 0);
        using var first = DataRootLock.Acquire(layout);

        var error = Assert.Throws<AppHostException>(() => DataRootLock.Acquire(layout));

        Assert.Equal($"another AppHost is running on data folder {data.Path}; stop it, or run beside it with --data DIR and --port-offset N", error.Message);
    }

    [Fact]
    public void Acquire_AfterTheFirstIsReleased_Succeeds()
    {
        using var data = new TempFolder();
        var layout = new FabrixLayout(RepositoryRoot.Path, data.Path, 0);
        DataRootLock.Acquire(layout).Dispose();

        using var second = DataRootLock.Acquire(layout);

        Assert.True(File.Exists(data.Combine("run/apphost.lock")));
    }

    [Fact]
    public void Acquire_OtherFolder_IsIndependent()
    {
        using var first = new TempFolder();
        using var second = new TempFolder();
        using var held = DataRootLock.Acquire(new FabrixLayout(RepositoryRoot.Path, first.Path, 0));

        using var other = DataRootLock.Acquire(new FabrixLayout(RepositoryRoot.Path, second.Path, 100));

        Assert.NotNull(other);
    }
}
