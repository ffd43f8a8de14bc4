using Fabrix.Core.Registry.Lifecycle;

namespace Fabrix.Core.Registry.Tests.Lifecycle;

public sealed class VersionPinningTests
{
    [Theory]
    [InlineData("Active", false, true)]
    [InlineData("Active", true, true)]
    [InlineData("Installed", true, true)]
    [InlineData("Installed", false, false)]
    [InlineData("Registered", true, true)]
    [InlineData("Registered", false, false)]
    [InlineData("Disabled", true, false)]
    [InlineData("Disabled", false, false)]
    [InlineData("Unregistered", true, false)]
    [InlineData("Unregistered", false, false)]
    public void EnableOnRegisterAfter_FromState_ComesBackActiveOnlyIfItWasOrWasToBe(string from, bool before, bool expected)
    {
        Assert.Equal(expected, VersionPinning.EnableOnRegisterAfter(Enum.Parse<PluginState>(from), before));
    }

    [Theory]
    [InlineData("Upgrade", true, "", "upgraded to 1.1.0; must register again")]
    [InlineData("Upgrade", true, "  fixes CVE-1  ", "upgraded to 1.1.0; must register again (fixes CVE-1)")]
    [InlineData("Rollback", false, "", "rolled back to 1.1.0; must register again")]
    [InlineData("Rollback", true, "regression fixed", "rolled forward to 1.1.0; must register again (regression fixed)")]
    public void Reason_TriggerDirectionAndAdministratorReason_ReadsAsTheLifecycleHistoryShowsIt(string trigger, bool newer, string administratorReason, string expected)
    {
        Assert.Equal(expected, VersionPinning.Reason(Enum.Parse<LifecycleTrigger>(trigger), newer, "1.1.0", administratorReason));
    }

    [Fact]
    public void Reason_OtherTrigger_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VersionPinning.Reason(LifecycleTrigger.Enable, true, "1.0.0", null));
    }
}
