using System.Text.Json.Nodes;
using Fabrix.Core.Registry.Audit;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>Issue 7 section 4: audit rows and log lines carry bounded, sanitised copies of caller input.</summary>
public sealed class AuditValueTests
{
    [Theory]
    [InlineData("a\0b", "a\\u0000b")]
    [InlineData("line\nbreak", "line\\u000Abreak")]
    [InlineData("User \u202Enimda", "User \\u202Enimda")]
    [InlineData("zero\u200Bwidth", "zero\\u200Bwidth")]
    [InlineData("tag\U000E0041", "tag\\U000E0041")]
    [InlineData("plain text é 🚀", "plain text é 🚀")]
    public void Bounded_HiddenCharacters_EscapedVisibly(string value, string expected)
    {
        Assert.Equal(expected, AuditValue.Bounded(value, 256));
    }

    [Fact]
    public void Bounded_MegabyteValue_CutWithinBoundKeepingBothEnds()
    {
        var value = "start" + new string('x', 1_000_000) + "end";

        var bounded = AuditValue.Bounded(value, AuditValue.MaxIdentifierLength);

        Assert.True(bounded.Length <= AuditValue.MaxIdentifierLength, $"{bounded.Length} characters");
        Assert.StartsWith("start", bounded, StringComparison.Ordinal);
        Assert.EndsWith("end", bounded, StringComparison.Ordinal);
        Assert.Contains("characters cut]", bounded, StringComparison.Ordinal);
    }

    [Fact]
    public void Bounded_SurrogatePairsAtTheCut_NeverSplit()
    {
        var bounded = AuditValue.Bounded(string.Concat(Enumerable.Repeat("🚀", 1000)), 256);

        Assert.True(bounded.Length <= 256);
        Assert.DoesNotContain('\uFFFD', bounded);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(bounded)), bounded);
    }

    [Fact]
    public void Bounded_LoneSurrogate_ReplacedNotStored()
    {
        Assert.Equal("a\uFFFDb", AuditValue.Bounded("a\uD800b", 256));
    }

    [Fact]
    public void Sanitise_Details_StringsNamesAndArraysBounded()
    {
        var details = new JsonObject
        {
            ["field\0name"] = "value\0",
            ["long"] = new string('l', 5000),
            ["items"] = new JsonArray([.. Enumerable.Range(0, 500).Select(i => (JsonNode)i)]),
            ["number"] = 7,
        };

        var entry = AuditValue.Sanitise(new AuditEntry("user:a", "plugin.read", new string('t', 3000), AuditOutcome.Refused, new string('r', 5000), "c", details));

        Assert.True(entry.Target.Length <= AuditValue.MaxIdentifierLength);
        Assert.True(entry.Reason.Length <= AuditValue.MaxReasonLength);
        Assert.Equal("value\\u0000", entry.Details!["field\\u0000name"]!.GetValue<string>());
        Assert.True(entry.Details["long"]!.GetValue<string>().Length <= AuditValue.MaxDetailStringLength);
        var items = entry.Details["items"]!.AsArray();
        Assert.Equal(AuditValue.MaxDetailArrayItems + 1, items.Count);
        Assert.Equal("…[400 more items cut]", items[^1]!.GetValue<string>());
        Assert.Equal(7, entry.Details["number"]!.GetValue<int>());
    }

    [Fact]
    public void Sanitise_ReasonWithLineBreaks_KeepsThemButEscapesOtherControls()
    {
        var entry = AuditValue.Sanitise(new AuditEntry("user:a", "plugin.disable", "echo", AuditOutcome.Succeeded, "first line\nsecond\tthird\u001B[31m", "c"));

        Assert.Equal("first line\nsecond\tthird\\u001B[31m", entry.Reason);
    }

    [Fact]
    public void LogText_ToString_Bounded()
    {
        Assert.True(new LogText(new string('x', 1_000_000)).ToString().Length <= AuditValue.MaxIdentifierLength);
    }
}
