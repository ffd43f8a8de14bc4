using System.Globalization;
using System.Text.Json.Nodes;
using Fabrix.Contracts.Audit.V1;
using Fabrix.Core.Registry.Audit;
using Fabrix.Core.Registry.Audit.Ingest;

namespace Fabrix.Core.Registry.Tests.Audit.Ingest;

/// <summary>
/// <see cref="DecisionRows"/> writes a decision's details as canonical JSON directly, and the chain hashes that text as
/// it is. These tests hold it to the mapping it replaced: a JSON tree, <see cref="AuditValue.Sanitise"/>, then
/// <see cref="AuditChain.CanonicalJson"/> of its text. (<c>DecisionIngestTests</c> holds the stored rows against both
/// verifiers on real PostgreSQL.)
/// </summary>
public sealed class DecisionRowsTests
{
    private static readonly string[] Values =
    [
        "quote \" backslash \\ slash / <script>&amp;'", "tab\tline\nfeed\rreturn\u0000nul\u0001\u001f\u007f\u0085",
        "é 中文 Ω", "rocket 🚀 and 𝄞", "lone \ud800 high", "lone \udfff low", "bidi \u202e zero width \u200b\ufeff",
        "line \u2028 paragraph \u2029", new string('x', 5000), string.Empty, "   spaces   ", "\u00e9 vs e\u0301", "\uff21 fullwidth",
    ];

    public static TheoryData<int> Cases() => [.. Enumerable.Range(0, Values.Length)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Details_HostileValues_EqualTheCanonicalFormOfTheTreeMapping(int i)
    {
        var record = Hostile(i);

        var row = DecisionRows.TryMap(record, out var problem);

        Assert.Null(problem);
        Assert.Equal(AuditChain.CanonicalJson(Reference(record).ToJsonString()), row!.DetailsJson);
        Assert.Equal(row.DetailsJson, AuditChain.CanonicalJson(row.DetailsJson));
        Assert.Null(row.Entry.Details);
    }

    [Fact]
    public void Details_ManyAttributesAndKeysThatBecomeOne_KeepTheFirstSixteenInOrdinalOrderWrittenInCodePointOrder()
    {
        var record = DecisionRecords.New("keys", Lane.Proxy);
        for (var k = 0; k < 20; k++)
        {
            record.Attributes.Add($"k{k:D2}", k.ToString(CultureInfo.InvariantCulture));
        }

        // Two long keys that differ only in the middle: bounded, they are the same key, and the first (ordinal) stays.
        record.Attributes.Add("a" + new string('m', 3000) + "1" + new string('m', 3000), "first");
        record.Attributes.Add("a" + new string('m', 3000) + "2" + new string('m', 3000), "second");
        // UTF-16 order and code point order disagree: U+FF21 sorts before U+1F680 by code point, after it by UTF-16.
        record.Attributes.Add("\uff21", "fullwidth");
        record.Attributes.Add("🚀", "rocket");
        record.ClearBytes();
        record.ClearDurationUs();
        record.Traceparent = string.Empty;

        var row = DecisionRows.TryMap(record, out _)!;

        Assert.Equal(AuditChain.CanonicalJson(Reference(record).ToJsonString()), row.DetailsJson);
        var attributes = JsonNode.Parse(row.DetailsJson)!["attributes"]!.AsObject();
        // The first sixteen in ordinal order are the two long keys and k00-k13; the long keys became one.
        Assert.Equal(15, attributes.Count);
        Assert.Equal("first", attributes.Single(a => a.Key.StartsWith('a')).Value!.GetValue<string>());
        Assert.False(row.DetailsJson.Contains("\"bytes\"", StringComparison.Ordinal) || row.DetailsJson.Contains("traceparent", StringComparison.Ordinal));
    }

    [Fact]
    public void HashCanonicalDetails_WrittenDetails_SameHashAsTheTreeMappingsText()
    {
        for (var i = 0; i < Values.Length; i++)
        {
            var record = Hostile(i);
            var row = DecisionRows.TryMap(record, out _)!;
            var entry = row.Entry;
            AuditChainRow Chained(string details) => new(41 + i, row.At, entry.Actor, entry.Action, entry.Target, "succeeded", entry.Reason,
                entry.CorrelationId, details, AuditChain.GenesisHash);

            Assert.Equal(AuditChain.Hash(Chained(Reference(record).ToJsonString())), AuditChain.HashCanonicalDetails(Chained(row.DetailsJson)));
        }
    }

    private static DecisionRecord Hostile(int i)
    {
        var record = DecisionRecords.New("hostile", Lane.Canonical, allowed: i % 2 == 0);
        record.Bytes = i == 0 ? long.MaxValue : i == 1 ? long.MinValue : i;
        record.DurationUs = i == 2 ? 0 : -i;
        record.Traceparent = Values[i].Length > 100 ? string.Empty : Values[i];
        record.Service = Values[(i + 4) % Values.Length];
        record.Attributes.Add("aa", Values[i]);
        record.Attributes.Add("b", Values[(i + 1) % Values.Length]);
        record.Attributes.Add("é", Values[(i + 2) % Values.Length]);
        record.Attributes.Add("🚀", Values[(i + 3) % Values.Length]);
        record.Attributes.Add("\uff21", Values[(i + 5) % Values.Length]);
        record.Attributes.Add(Values[i].Length is > 0 and < 100 ? Values[i] : "key", "value");
        foreach (var value in Values)
        {
            var item = new DecisionItem();
            item.Attributes.Add("z", value);
            item.Attributes.Add("a\u0000", value);
            item.Attributes.Add("\"", i.ToString(CultureInfo.InvariantCulture));
            item.Attributes.Add(value.Length is > 0 and < 100 ? value : "long", "v");
            record.Items.Add(item);
            // An item of one attribute (a batch's event_id) takes a path of its own.
            record.Items.Add(new DecisionItem { Attributes = { [value.Length is > 0 and < 100 ? value : "one"] = value } });
        }

        return record;
    }

    /// <summary>The details as the registry built them before the canonical writer: a JSON tree, then sanitised.</summary>
    private static JsonObject Reference(DecisionRecord record)
    {
        var details = new JsonObject
        {
            ["record_id"] = record.Id,
            ["lane"] = DecisionRows.LaneName(record.Lane),
            ["service"] = record.Service,
        };
        if (record.Traceparent.Length > 0)
        {
            details["traceparent"] = record.Traceparent;
        }

        if (record.HasBytes)
        {
            details["bytes"] = record.Bytes;
        }

        if (record.HasDurationUs)
        {
            details["duration_us"] = record.DurationUs;
        }

        if (record.Attributes.Count > 0)
        {
            details["attributes"] = Attributes(record.Attributes);
        }

        if (record.Items.Count > 0)
        {
            var items = new JsonArray();
            foreach (var item in record.Items)
            {
                items.Add(Attributes(item.Attributes));
            }

            details["items"] = items;
        }

        return AuditValue.Sanitise(new AuditEntry("a", "b", "c", AuditOutcome.Succeeded, "d", "e", details)).Details!;

        static JsonObject Attributes(IDictionary<string, string> attributes)
        {
            var json = new JsonObject();
            foreach (var (key, value) in attributes.OrderBy(pair => pair.Key, StringComparer.Ordinal).Take(DecisionRows.MaxAttributes))
            {
                json[key] = value;
            }

            return json;
        }
    }
}
