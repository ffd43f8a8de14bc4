using Fabrix.Contracts.Manifests;

namespace Fabrix.Contracts.Tests.Manifests;

/// <summary>UTS #39 skeletons over the embedded confusables.txt (issue 7 section 4).</summary>
public sealed class ConfusableNamesTests
{
    [Theory]
    [InlineData("User Management", "Us\u0435r M\u0430n\u0430g\u0435m\u0435nt")]
    [InlineData("User Management", "User \u041Canagement")]
    [InlineData("Billing", "B\u0456ll\u0456ng")]
    [InlineData("modem", "rnodern")]
    [InlineData("Paypal", "\u0420\u0430yp\u0430l")]
    [InlineData("Echo 1", "Echo l")]
    public void AreConfusable_Homoglyphs_True(string name, string lookalike)
    {
        Assert.True(ConfusableNames.AreConfusable(name, lookalike));
    }

    [Theory]
    [InlineData("User Management", "User Manager")]
    [InlineData("User Management", "Billing")]
    [InlineData("User Management", "user management")]
    public void AreConfusable_DifferentNames_False(string name, string other)
    {
        Assert.False(ConfusableNames.AreConfusable(name, other));
    }

    [Fact]
    public void Skeleton_PrecomposedAndDecomposed_Same()
    {
        Assert.Equal(ConfusableNames.Skeleton("Caf\u00E9"), ConfusableNames.Skeleton("Cafe\u0301"));
    }

    [Fact]
    public void MappingCount_WholeTableOfUnicode10_Loaded()
    {
        Assert.Equal(6294, ConfusableNames.MappingCount);
    }
}
