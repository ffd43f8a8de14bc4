using System.Text;
using Fabrix.Core.Registry.Audit;

namespace Fabrix.Core.Registry.Tests.Audit;

/// <summary>The canonical form and hash of a row: pinned by vectors computed outside .NET, and sensitive to every field.</summary>
public sealed class AuditChainTests
{
    private static readonly AuditChainRow s_row = new(
        1,
        new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234560),
        "user:alice",
        "plugin.install",
        "p1",
        "succeeded",
        "ok \"quoted\" \\ back",
        "c1",
        // As PostgreSQL prints the jsonb: its own key order, spaces, numbers normalised (1e2 -> 100).
        """{"a": [1, 2.50, 100, {"y": true, "z": null}], "b": 1, "aa": "\u0001\n", "é": "x"}""",
        new string('0', 64));

    [Fact]
    public void Canonical_KnownRow_IsTheDocumentedJsonArray()
    {
        var canonical = Encoding.UTF8.GetString(AuditChain.Canonical(s_row));

        Assert.Equal(
            """[1,"2025-01-02T03:04:05.123456Z","user:alice","plugin.install","p1","succeeded","ok \"quoted\" \\ back","c1",{"a":[1,2.50,100,{"y":true,"z":null}],"aa":"\u0001\n","b":1,"é":"x"},"0000000000000000000000000000000000000000000000000000000000000000"]""",
            canonical);
    }

    [Fact]
    public void Hash_KnownRow_MatchesVectorComputedWithPythonHashlib()
    {
        // python3: hashlib.sha256(canonical.encode()).hexdigest(); PostgreSQL's audit_row_hash gives the same.
        Assert.Equal("7bdfa38c51f8678fa467e38791651d0147dce3a55849ccd1b05b3101bdbc6edf", AuditChain.Hash(s_row));
    }

    public static TheoryData<string> ChangedFields => new()
    {
        "sequence", "at", "actor", "action", "target", "outcome", "reason", "correlation_id", "details", "prev_hash",
    };

    [Theory]
    [MemberData(nameof(ChangedFields))]
    public void Hash_AnyFieldChanged_Changes(string field)
    {
        var changed = field switch
        {
            "sequence" => s_row with { Sequence = 2 },
            "at" => s_row with { At = s_row.At.AddTicks(10) },
            "actor" => s_row with { Actor = "user:mallory" },
            "action" => s_row with { Action = "plugin.uninstall" },
            "target" => s_row with { Target = "p2" },
            "outcome" => s_row with { Outcome = "refused" },
            "reason" => s_row with { Reason = "ok" },
            "correlation_id" => s_row with { CorrelationId = "c2" },
            "details" => s_row with { DetailsJson = """{"b": 2}""" },
            "prev_hash" => s_row with { PrevHash = new string('1', 64) },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        Assert.NotEqual(AuditChain.Hash(s_row), AuditChain.Hash(changed));
    }

    [Fact]
    public void CanonicalJson_KeysOutsideTheBasicPlane_SortByCodePointNotUtf16()
    {
        // U+FF21 sorts before U+1F600 by code point (PostgreSQL collation "C"); UTF-16 ordinal order would put the
        // emoji's high surrogate (0xD83D) first.
        var json = """{"😀":1,"Ａ":2,"b":3}""";

        Assert.Equal("""{"b":3,"Ａ":2,"😀":1}""", AuditChain.CanonicalJson(json));
    }

    [Fact]
    public void CanonicalJson_ControlCharactersAndQuotes_EscapedLikePostgres()
    {
        Assert.Equal("""{"k":"tab\there \u001f \"q\" \\ / é"}""", AuditChain.CanonicalJson("{\"k\":\"tab\\there \\u001F \\\"q\\\" \\\\ \\/ \\u00e9\"}"));
    }

    [Fact]
    public void FormatTime_NonUtcOffset_WrittenInUtcWithMicroseconds()
    {
        var at = new DateTimeOffset(2025, 6, 1, 14, 0, 0, TimeSpan.FromHours(2)).AddTicks(10);

        Assert.Equal("2025-06-01T12:00:00.000001Z", AuditChain.FormatTime(at));
    }
}
