using Fabrix.Contracts.Errors;
using Fabrix.Core.Lanes.Operator;

namespace Fabrix.Core.Lanes.Tests.Operator;

public sealed class OperatorPathDescribeTests
{
    [Fact]
    public void Describe_TooLong_StatesTheBounds()
    {
        var text = OperatorPath.Describe(RefusalCodes.PathTooLong);

        Assert.Contains(OperatorPath.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        Assert.Contains(OperatorPath.MaxSegments.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
    }
}
